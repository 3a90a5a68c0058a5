"""A small terminal over Rich: human messages on stderr gated by verbosity, data on stdout.

The shape is pypa/hatch's ``Terminal``: one object the commands talk to, holding the
verbosity (``-v`` / ``-q``) and colour choice, so no command prints on its own. Data
(JSON) goes to stdout untouched and human messages to stderr, so ``carbontrust ... | jq``
always reads clean JSON. Rich is imported on the first message, not at start-up, and
every message is a ``rich.text.Text`` (never markup), so a ledger message or a user's input
containing ``[bold]`` or escape sequences is shown as it is.

Levels (``status``, a spinner while a command waits for the ledger, only on a terminal):
errors are always shown (the reason for exit 1 is the contract); warnings unless
``-qq``; info and success unless ``-q``; debug with ``-v``; per-peer evidence with ``-vv``.
"""

from __future__ import annotations

import json
import sys
from contextlib import AbstractContextManager, nullcontext
from typing import IO, Any

__all__ = ["Terminal"]


def _safe(text: str) -> str:
    """Text that any stream can encode: lone surrogates become backslash escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class Terminal:
    def __init__(
        self,
        verbosity: int = 0,
        color: bool | None = None,
        *,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
    ) -> None:
        self.verbosity = verbosity
        self.color = color  # None: Rich decides (a terminal, NO_COLOR, FORCE_COLOR)
        self._stdout = stdout
        self._stderr = stderr
        self._err: Any = None
        self._out: Any = None

    # -- streams (looked up late: pytest and click's runner swap sys.stdout) ------------

    @property
    def stdout(self) -> IO[str]:
        return self._stdout or sys.stdout

    @property
    def stderr(self) -> IO[str]:
        return self._stderr or sys.stderr

    def _console(self, file: IO[str]) -> Any:
        from rich.console import Console

        kwargs: dict[str, Any] = {"file": file, "highlight": False, "soft_wrap": True}
        if self.color is False:
            kwargs["no_color"] = True
            kwargs["color_system"] = None
        elif self.color is True:
            kwargs["force_terminal"] = True
        return Console(**kwargs)

    @property
    def err_console(self) -> Any:
        if self._err is None or self._err.file is not self.stderr:
            self._err = self._console(self.stderr)
        return self._err

    @property
    def out_console(self) -> Any:
        if self._out is None or self._out.file is not self.stdout:
            self._out = self._console(self.stdout)
        return self._out

    # -- human messages (stderr) ----------------------------------------------------

    def _say(self, text: str, style: str | None) -> None:
        from rich.text import Text

        self.err_console.print(Text(_safe(text), style=style or ""))

    def error(self, text: str) -> None:
        self._say(f"error: {text}", "bold red")

    def warning(self, text: str) -> None:
        if self.verbosity >= -1:
            self._say(f"warning: {text}", "yellow")

    def info(self, text: str) -> None:
        if self.verbosity >= 0:
            self._say(text, None)

    def success(self, text: str) -> None:
        if self.verbosity >= 0:
            self._say(text, "green")

    def debug(self, text: str, level: int = 1) -> None:
        if self.verbosity >= level:
            self._say(text, "dim")

    def status(self, text: str) -> AbstractContextManager[Any]:
        """A spinner with ``text`` on stderr while the ledger works, on a terminal only
        (never in a pipe or a log, and not with ``-q``)."""
        if self.verbosity < 0 or not self.err_console.is_terminal:
            return nullcontext()
        from rich.text import Text

        return self.err_console.status(Text(_safe(text)), spinner="dots")

    # -- data (stdout) ----------------------------------------------------------------

    def json(self, value: Any) -> None:
        """``value`` as indented, key-sorted JSON on stdout (highlighted on a colour tty)."""
        text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
        console = self.out_console
        if self.color is not False and console.is_terminal and not console.no_color:
            console.print_json(text, highlight=True)
            return
        stream = self.stdout
        stream.write(_safe(text) + "\n")
        stream.flush()
