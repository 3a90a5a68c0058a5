"""Run the submitter for ``readings submit``: ledger, journal, store, progress bar.

The progress bar (Rich, on stderr) shows readings read, recorded and refused and the rate
of recorded readings per second; it is drawn only when stderr is a terminal and not with
``-q`` (never in a pipe or a log), like the CLI's spinner.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, BinaryIO

from gateway.cli._app import App
from gateway.cli._exit import CliFailure, InputError
from gateway.cli._ingest_sink import PAIRS, LedgerSink
from gateway.ingest import BatchStore, Journal, Outcome, Settings, Submitter

__all__ = ["run_submit"]


def run_submit(app: App, opts: dict[str, Any], stream: BinaryIO, run: str, journal_path: Path,
               store_path: Path, knobs: tuple[int, float, int],
               endorsers: Sequence[Sequence[str]] = PAIRS) -> Outcome:
    batch_size, max_wait, in_flight = knobs
    try:
        journal = Journal(journal_path, run)
    except Exception as exc:  # sqlite3.Error, OSError: a journal that cannot be used
        raise InputError(f"journal {journal_path} cannot be used: {exc}") from None
    with ExitStack() as stack:
        stack.callback(journal.close)
        ledger = app.open_ledger(opts)
        stack.callback(ledger.close)
        sink = LedgerSink(ledger, in_flight, endorsers)
        stack.callback(sink.close)
        progress = stack.enter_context(_Bar(app))
        submitter = Submitter(sink, journal, BatchStore(store_path),
                              Settings(batch_size, max_wait, in_flight), progress.update)
        pending = len(journal.pending())
        if pending:
            app.terminal.info(f"resuming run {run!r} from {journal_path}: {pending} batches "
                              "pending, reading restarts after the journaled line")
        try:
            return asyncio.run(submitter.run(stream))
        except CliFailure as failure:
            failure.message += (f" (the journal {journal_path} keeps every batch: run the "
                                "same command again to resume)")
            raise


class _Bar:
    def __init__(self, app: App) -> None:
        self.terminal = app.terminal
        self.progress: Any = None
        self.task: Any = None
        self.start = time.monotonic()

    def __enter__(self) -> _Bar:
        console = self.terminal.err_console
        if self.terminal.verbosity >= 0 and console.is_terminal:
            from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

            self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                     BarColumn(), console=console, transient=True)
            self.progress.start()
            self.task = self.progress.add_task("reading", total=None)
        return self

    def update(self, read: int, committed: int, refused: int) -> None:
        if self.progress is None:
            return
        rate = committed / max(time.monotonic() - self.start, 1e-9)
        self.progress.update(self.task, description=(
            f"{read} read, {committed} recorded, {refused} refused, {rate:,.0f} readings/s"))

    def __exit__(self, *_: object) -> None:
        if self.progress is not None:
            self.progress.stop()
