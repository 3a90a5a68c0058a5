"""The submitter: rows -> batches (by size and by time) -> the ledger, several in flight.

Reading runs in a thread (a stream's ``readline`` blocks), everything else on one asyncio
loop: rows are parsed with ``accounting.readings.parse_row`` (a row it refuses is reported
with its line and reason, the rest goes on), collected into a batch that is closed when it
holds ``batch_size`` readings or ``max_wait`` seconds after its first one, journaled
``planned`` with its salt, and sent through the :class:`BatchSink` while at most
``in_flight`` batches wait for the ledger (a semaphore: reading pauses when the window is
full, so memory stays bounded whatever the input's size).

Two batches holding readings of the same meter and (UTC+08:00) day are never in flight at
once: the contract keeps one private record per (meter, day) slot, so the second of two
such transactions in a block would be invalidated (MVCC_READ_CONFLICT). A batch waits until
no batch in flight shares a slot with it (``_slots``); batches of other meters or days go
in parallel.

A batch the ledger refuses for its content (:class:`BatchRefused`) is split in two and each
half sent again, down to single readings: the refused readings are reported with their line
numbers and every other reading is still recorded. Any other failure (no answer, the
identity refused) stops the run; the journal keeps every batch's state for the next run.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Protocol

from accounting import readings
from gateway.ingest._errors import BatchRefused, SourceError
from gateway.ingest._journal import Journal, JournalBatch
from gateway.ingest._source import Row, read_rows
from gateway.ingest._store import BatchStore

__all__ = ["Accepted", "BatchSink", "Outcome", "Settings", "Submitter"]

Progress = Callable[[int, int, int], None]  # (read, committed, refused) readings


@dataclass(frozen=True)
class Settings:
    batch_size: int = 5000
    max_wait: float = 2.0
    in_flight: int = 8


@dataclass(frozen=True)
class Accepted:
    """The contract's answer to ``readings:submit_batch``.

    ``recorded``: readings new to the ledger (the rest were there with the same value). For a
    ``duplicate`` (every reading already there) ``batch_id`` is the batch that holds them
    and ``original_root`` that batch's root on the ledger (None if it could not be read).
    """

    batch_id: str
    root: str
    count: int
    duplicate: bool
    recorded: int | None = None
    original_root: str | None = None


class BatchSink(Protocol):
    """Where batches go: ``readings:submit_batch`` with transient {"batch", "salt"}.

    ``on_sent(tx_id)`` is called (on the submitter's loop) once the transaction is sent to
    the orderer, before its commit is awaited. Raises :class:`BatchRefused` for a refusal of
    the batch's content; anything else stops the run.
    """

    async def submit(self, canonical: bytes, salt: bytes,
                     on_sent: Callable[[str], None]) -> Accepted: ...


@dataclass
class Outcome:
    read: int = 0  # readings parsed in this run (resumed batches not included)
    committed: int = 0  # readings in batches the ledger recorded in this run
    duplicates: int = 0  # of those, already on the ledger with the same value
    batches: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # the run's, from the journal
    source_error: SourceError | None = None


_EOF = object()


class _Inbox:
    """Lines handed from the reader thread to the loop in bursts: one wake-up per burst, not
    one per line (a loop iteration per line cost more CPU than parsing it)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._items: list[Any] = []
        self._lock = threading.Lock()
        self._ready = asyncio.Event()

    def put(self, item: Any) -> None:
        """From the reader thread."""
        with self._lock:
            self._items.append(item)
            first = len(self._items) == 1
        if first:
            self._loop.call_soon_threadsafe(self._ready.set)

    async def take(self, timeout: float | None) -> list[Any] | None:
        """Everything put so far (possibly nothing); None if ``timeout`` passed first."""
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return None
        with self._lock:
            items, self._items = self._items, []
            self._ready.clear()
        return items


class Submitter:
    def __init__(self, sink: BatchSink, journal: Journal, store: BatchStore,
                 settings: Settings = Settings(), progress: Progress | None = None) -> None:
        if settings.batch_size < 1 or settings.in_flight < 1 or settings.max_wait <= 0:
            raise ValueError(f"settings out of range: {settings}")
        self.sink, self.journal, self.store, self.settings = sink, journal, store, settings
        self._progress = progress
        self.outcome = Outcome()
        self._refused_now = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._failure: BaseException | None = None
        self._busy: set[tuple[str, str]] = set()
        self._freed = asyncio.Condition()

    async def run(self, stream: BinaryIO) -> Outcome:
        """Resume the journal's pending batches, then submit ``stream``; return the outcome."""
        self._window = asyncio.Semaphore(self.settings.in_flight)
        for pending in self.journal.pending():
            await self._launch(pending)
        try:
            await self._read(stream)
        finally:
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._failure is not None:
            raise self._failure
        self.outcome.refused = self.journal.refusals()
        return self.outcome

    # reading and batching ------------------------------------------------------------------

    async def _read(self, stream: BinaryIO) -> None:
        room = threading.Semaphore(4 * self.settings.batch_size + 1024)
        inbox = _Inbox(asyncio.get_running_loop())
        stop = threading.Event()

        def reader() -> None:
            try:
                for row in read_rows(stream):
                    while not room.acquire(timeout=0.2):
                        if stop.is_set():
                            return
                    inbox.put(row)
                inbox.put(_EOF)
            except SourceError as exc:
                inbox.put(exc)
            except OSError as exc:
                inbox.put(SourceError(0, f"read failed: {exc}"))

        threading.Thread(target=reader, name="ingest-reader", daemon=True).start()
        try:
            await self._batch(inbox, room)
        finally:
            stop.set()

    async def _batch(self, inbox: _Inbox, room: threading.Semaphore) -> None:
        loop = asyncio.get_running_loop()
        resume_line, resume_digest = self.journal.position()
        digest = hashlib.sha256()
        rows: list[tuple[int, Any]] = []
        refused: list[tuple[int, str]] = []
        last, deadline, ended = 0, 0.0, False
        while self._failure is None and not ended:
            items = await inbox.take(None if not rows else max(0.0, deadline - loop.time()))
            if items is None:  # max_wait passed since the batch's first reading
                await self._plan(rows, refused, last, digest)
                rows, refused = [], []
                continue
            taken = sum(isinstance(item, Row) for item in items)
            if taken:
                room.release(taken)
            for item in items:
                if not isinstance(item, Row):  # the end, or an unreadable line
                    if isinstance(item, SourceError):
                        self.outcome.source_error = item
                    elif last < resume_line:
                        self.outcome.source_error = SourceError(
                            last, f"the input ends before line {resume_line}, where the run "
                                  f"journaled in {self.journal.path} stopped: not the same "
                                  "input")
                    ended = True
                    break
                digest.update(item.raw)
                last = item.line
                if item.line <= resume_line:
                    if item.line == resume_line and digest.digest() != resume_digest:
                        self.outcome.source_error = SourceError(
                            item.line, f"the input differs from the run journaled in "
                                       f"{self.journal.path} (its first {resume_line} lines); "
                                       "use another --run or --journal for a new input")
                        return
                    continue
                if item.fields is None:
                    continue
                try:
                    reading = readings.parse_row(item.fields, item.line)
                except readings.ReadingError as exc:
                    refused.append((item.line, str(exc)))
                    self._refused_now += 1
                    continue
                if not rows:
                    deadline = loop.time() + self.settings.max_wait
                rows.append((item.line, reading))
                self.outcome.read += 1
                if len(rows) >= self.settings.batch_size:
                    await self._plan(rows, refused, last, digest)
                    rows, refused = [], []
                    if self._failure is not None:
                        return
        if self._failure is None and (rows or refused or last > resume_line):
            await self._plan(rows, refused, last, digest)

    async def _plan(self, rows: list[tuple[int, Any]], refused: list[tuple[int, str]],
                    last: int, digest: Any) -> None:
        canonical: bytes | None = None
        leaves: list[tuple[int, str]] = []
        if rows:
            try:
                canonical = readings.encode_batch([r for _, r in rows])
            except (readings.ReadingError, ValueError):
                leaves = [(n, readings.encode(r).decode("utf-8")) for n, r in rows]
            else:  # the rows in the batch's (canonical) order, each with its leaf
                ordered = sorted(rows, key=lambda row: row[1].key)
                leaves = list(zip([n for n, _ in ordered],
                                  canonical.decode("utf-8").split("\n"), strict=True))
        salt = os.urandom(32)
        batch = self.journal.plan(leaves, canonical, salt, last, digest.digest(), refused)
        self._report()
        if batch is not None:
            slots = {(r.meter_id, r.day) for _, r in rows}
            await self._launch(JournalBatch(batch, "planned", tuple(leaves), canonical, salt),
                               slots)

    # sending ---------------------------------------------------------------------------

    async def _launch(self, batch: JournalBatch,
                      slots: set[tuple[str, str]] | None = None) -> None:
        slots = _slots(batch) if slots is None else slots
        async with self._freed:
            await self._freed.wait_for(lambda: self._failure is not None
                                       or not slots & self._busy)
            if self._failure is not None:
                return
            self._busy |= slots
        await self._window.acquire()
        task = asyncio.create_task(self._send(batch, slots))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, first: JournalBatch, slots: set[tuple[str, str]]) -> None:
        try:
            stack = [first]
            while stack:
                stack.extend(await self._deliver(stack.pop()))
        except BaseException as exc:  # noqa: BLE001 - kept, raised by run()
            if self._failure is None:
                self._failure = exc
        finally:
            self._window.release()
            async with self._freed:
                self._busy -= slots
                self._freed.notify_all()

    async def _deliver(self, batch: JournalBatch) -> list[JournalBatch]:
        """Send one batch; the halves to send next if the ledger refused it."""
        try:
            canonical, why = (batch.canonical, "") if batch.canonical is not None else \
                _encode([leaf for _, leaf in batch.rows])
            if canonical is None:
                raise BatchRefused(why)
            accepted = await self.sink.submit(
                canonical, batch.salt, lambda tx: self.journal.submitted(batch.id, tx))
        except BatchRefused as refusal:
            if len(batch.rows) == 1:
                self.journal.refused(batch.id, batch.rows[0][0], refusal.reason)
                self._refused_now += 1
                self._report()
                return []
            half = len(batch.rows) // 2
            parts = []
            for rows in (batch.rows[:half], batch.rows[half:]):
                parts.append((rows, _encode([leaf for _, leaf in rows])[0], os.urandom(32)))
            ids = self.journal.split(batch.id, refusal.reason, parts)
            return [JournalBatch(i, "planned", tuple(r), c, s)
                    for i, (r, c, s) in zip(ids, parts, strict=True)]
        if not accepted.duplicate or accepted.original_root == accepted.root:
            # a duplicate answer names the batch already holding the readings: these bytes
            # are stored under its id only if they are that batch (a re-sent journal batch)
            self.store.put(accepted.batch_id, canonical, accepted.root)
        self.journal.committed(batch.id, accepted.batch_id, accepted.root, accepted.duplicate)
        self.outcome.committed += len(batch.rows)
        self.outcome.batches += 1
        if accepted.duplicate:
            self.outcome.duplicates += len(batch.rows)
        elif accepted.recorded is not None:
            self.outcome.duplicates += max(0, len(batch.rows) - accepted.recorded)
        self._report()
        return []

    def _report(self) -> None:
        if self._progress is not None:
            self._progress(self.outcome.read, self.outcome.committed, self._refused_now)


def _slots(batch: JournalBatch) -> set[tuple[str, str]]:
    """The contract's (meter, local day) records this batch writes."""
    out = set()
    for _, leaf in batch.rows:
        r = readings.decode(leaf.encode("utf-8"))
        out.add((r.meter_id, readings.local_day(r.interval_start)))
    return out


def _encode(leaves: list[str]) -> tuple[bytes | None, str]:
    """The canonical batch of these leaves, or (None, why) if the codec refuses them."""
    try:
        batch: bytes = readings.encode_batch([readings.decode(leaf.encode("utf-8"))
                                              for leaf in leaves])
    except (readings.ReadingError, ValueError) as exc:
        return None, str(exc)
    return batch, ""
