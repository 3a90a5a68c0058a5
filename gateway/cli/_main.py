"""``main``: run the command line and turn every outcome into an exit status.

Click runs in non-standalone mode so that the status mapping is ours and complete: Click's
usage errors exit 2, a :class:`CliFailure` exits with its own status after one message on
stderr, Ctrl-C 130, a closed stdout 141 quietly, and anything unforeseen prints one line (exit
70), never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from gateway.cli._app import App
from gateway.cli._exit import BROKEN_PIPE, INTERNAL, INTERRUPTED, OK, USAGE, CliFailure
from gateway.cli._ledger import LedgerFactory
from gateway.cli._root import carbontrust
from gateway.cli._terminal import Terminal

__all__ = ["main"]


def main(
    argv: Sequence[str] | None = None,
    *,
    ledger_factory: LedgerFactory | None = None,
    environ: dict[str, str] | None = None,
) -> int:
    """Run ``carbontrust`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status.

    ``ledger_factory`` replaces the Gateway ledger (tests); ``environ`` the process
    environment for the profile look-up.
    """
    terminal = Terminal()
    app = App(terminal=terminal, ledger_factory=ledger_factory, environ=environ)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        rv = carbontrust.main(args=args, prog_name="carbontrust", obj=app,
                              standalone_mode=False)
        return rv if isinstance(rv, int) else OK
    except click.exceptions.Exit as done:  # --help, --version
        return done.exit_code
    except click.ClickException as exc:  # usage errors, bad parameters (exit 2)
        _show_click_error(exc)
        return USAGE  # click.FileError and the like say 1, which means "refused" here
    except CliFailure as failure:
        terminal.error(failure.message)
        for line in failure.details:
            terminal.debug(f"  {line}", 2)
        return failure.exit_code
    except (click.Abort, KeyboardInterrupt):
        terminal.error("interrupted")
        return INTERRUPTED
    except SystemExit as done:
        # in non-standalone mode Click exits by itself only when stdout's reader went away
        # (it catches EPIPE, quiets the streams and calls sys.exit(1)); 1 means "refused" here
        return BROKEN_PIPE if done.code == 1 else _code(done.code)
    except BrokenPipeError:
        _quiet_stdout()
        return BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 - the promise is: never a traceback
        terminal.error(f"internal error (a bug in carbontrust, please report it): "
                       f"{type(exc).__name__}: {exc}")
        return INTERNAL


def _code(code: object) -> int:
    return code if isinstance(code, int) else INTERNAL


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush raises nothing."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _show_click_error(exc: click.ClickException) -> None:
    try:
        exc.show()
    except UnicodeEncodeError:  # stderr that cannot take the message as it is
        msg = exc.format_message().encode("utf-8", "backslashreplace").decode("ascii", "replace")
        sys.stderr.write(f"Error: {msg}\n")
