"""What every command shares: the terminal, the ledger seam, the identity options.

``ledger_options`` adds ``--as ORG_MSP``, ``--user``, ``--profile`` and ``--timeout`` to a
command; ``App.evaluate`` / ``App.submit`` resolve the identity from the profile, open the
ledger, make one call and turn every failure into a :class:`CliFailure` with its exit
status (see :mod:`gateway.cli._exit`). ``TEXT`` is Click's string type made strict: an
argument that cannot be sent as UTF-8 (lone surrogates from undecodable bytes) is a usage
error naming the option, not a crash in the encoder.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from gateway.cli._exit import CliFailure, InputError, LedgerUnreachable
from gateway.cli._ledger import Ledger, LedgerFactory, Submitted
from gateway.cli._profile import Target, default_profile_path, load_target
from gateway.cli._terminal import Terminal

__all__ = ["FILE", "TEXT", "REGULATOR", "App", "ledger_options", "parse_json_object", "pass_app"]

REGULATOR = "RegulatorMSP"
F = TypeVar("F", bound=Callable[..., Any])


class Utf8Text(click.ParamType):
    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = value if isinstance(value, str) else str(value)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            bad = text[exc.start].encode("utf-8", "surrogateescape").hex()
            self.fail(f"is not UTF-8 text (byte 0x{bad} at position {exc.start})", param, ctx)
        return text


TEXT = Utf8Text()


class FilePath(click.Path):
    """Click's path type, with a NUL byte a usage error instead of os.stat's ValueError."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if "\x00" in str(value):
            self.fail("contains a NUL byte", param, ctx)
        return super().convert(value, param, ctx)


FILE = FilePath()


@dataclass
class App:
    terminal: Terminal = field(default_factory=Terminal)
    ledger_factory: LedgerFactory | None = None
    environ: dict[str, str] | None = None
    _options: dict[str, Any] = field(default_factory=dict)

    def target(self, opts: dict[str, Any]) -> Target:
        path = opts["profile"] or default_profile_path(self.environ)
        cert, key = opts["sign_cert"], opts["sign_key"]
        if (cert is None) != (key is None):
            raise InputError("--sign-cert and --sign-key go together (an identity the "
                             "profile does not list)")
        own = (cert, key) if cert is not None and key is not None else None
        user = opts["user"] if own is None else f"{cert.name} (--sign-cert)"
        target = load_target(path, opts["as_msp"], user, own)
        self.terminal.debug(f"as {target.user}@{target.msp_id} via {target.peer_endpoint} "
                            f"(profile {target.profile})")
        return target

    def open_ledger(self, opts: dict[str, Any]) -> Ledger:
        """The ledger for these options, for a command that makes many calls (close it)."""
        return self._factory()(self.target(opts), opts["timeout"])

    def _factory(self) -> LedgerFactory:
        if self.ledger_factory is not None:
            return self.ledger_factory
        from gateway.cli._ledger import open_gateway_ledger

        return open_gateway_ledger

    def _call(self, submit: bool, opts: dict[str, Any], function: str,
              args: Sequence[str]) -> Any:
        from gateway.cli._ledger import ledger_failure

        target = self.target(opts)
        ledger = self._factory()(target, opts["timeout"])
        try:
            self.terminal.debug(f"{'submit' if submit else 'evaluate'} {function}", 2)
            if not submit:
                return ledger.evaluate(function, args)
            with self.terminal.status(f"{function}: endorsing, ordering, waiting for commit"):
                return ledger.submit(function, args)
        except CliFailure:
            raise
        except Exception as exc:
            failure = ledger_failure(exc)
            if failure is None:
                raise
            raise failure from None
        finally:
            ledger.close()

    def evaluate(self, opts: dict[str, Any], function: str, args: Sequence[str]) -> Any:
        """Evaluate and return the decoded JSON answer."""
        return _decode(function, self._call(False, opts, function, args))

    def submit(self, opts: dict[str, Any], function: str,
               args: Sequence[str]) -> tuple[Any, Submitted]:
        done: Submitted = self._call(True, opts, function, args)
        self.terminal.debug(f"transaction {done.transaction_id} committed in block "
                            f"{done.block_number}")
        return _decode(function, done.result), done


def _decode(function: str, data: bytes) -> Any:
    if not data:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise LedgerUnreachable(
            f"{function} answered {len(data)} bytes that are not JSON (is the carbon contract "
            f"deployed?): {data[:60]!r}") from None


def parse_json_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        # ValueError: JSONDecodeError, and an integer over Python's 4300-digit limit;
        # RecursionError: absurdly deep nesting. All are unreadable input (exit 2), not a bug.
        raise InputError(f"{what} is not JSON: {str(exc)[:200]}") from None
    if not isinstance(value, dict):
        raise InputError(f"{what} must be a JSON object, got {type(value).__name__}")
    return value


pass_app = click.make_pass_decorator(App)


def ledger_options(default_as: str | None = REGULATOR,
                   default_user: str | None = "User1") -> Callable[[F], F]:
    """``--as``, ``--user``, ``--profile``, ``--sign-cert``/``--sign-key``, ``--timeout``.

    ``default_user=None``: the command picks the user from ``--as`` (see ``readings``).
    """

    def decorate(fn: F) -> F:
        options = [
            click.option("--as", "as_msp", type=TEXT, default=default_as,
                         required=default_as is None, metavar="ORG_MSP", show_default=True,
                         help="the organisation whose identity signs (an MSP id of the "
                              "connection profile)"),
            click.option("--user", type=TEXT, default=default_user,
                         show_default=default_user is not None,
                         envvar="CARBONTRUST_USER", help="which user of that organisation"),
            click.option("--profile", type=FILE,
                         default=None, envvar="CARBONTRUST_PROFILE",
                         help="connection.json [default: $CARBONTRUST_RUN_DIR/connection.json"
                              " or .run/network/connection.json]"),
            click.option("--sign-cert", type=FILE, default=None,
                         help="certificate (PEM) of an identity of the --as organisation that "
                              "the profile does not list, e.g. an enterprise's; with "
                              "--sign-key"),
            click.option("--sign-key", type=FILE, default=None, help="its private key (PEM)"),
            click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
                         default=None, help="deadline in seconds for each step"),
        ]
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorate


def opts_of(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Pop the ledger options out of a command's keyword arguments."""
    return {k: kwargs.pop(k) for k in ("as_msp", "user", "profile", "sign_cert", "sign_key",
                                          "timeout")}
