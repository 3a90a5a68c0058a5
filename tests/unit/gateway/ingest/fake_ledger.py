"""FAKE LEDGER for the submitter's tests: a ``BatchSink`` kept in a SQLite file.

It stands where ``readings:submit_batch`` stands and follows what the agreed interface says
the contract does: an identical batch is a no-op answering the original batch id; a
reading whose meter and interval are recorded with another value is refused (409, naming
the first clash); one recorded with the same value is not counted again (``recorded``), and
a batch of only such readings is a no-op naming the first one's batch, as the contract
does; an unknown meter is refused (404). Kept in a file so that a submitter
process killed mid-stream and a second one see the same ledger. ``delay`` slows each
submission (to kill a run mid-stream, to see the in-flight window).
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from gateway.ingest import Accepted, BatchRefused

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batch (root TEXT PRIMARY KEY, batch_id TEXT, count INTEGER);
CREATE TABLE IF NOT EXISTS reading (meter TEXT, start TEXT, leaf TEXT, batch_id TEXT,
    PRIMARY KEY (meter, start));
"""


class FileLedger:
    def __init__(self, path: Path, codec: object, delay: float = 0.0,
                 unknown_meters: frozenset[str] = frozenset()) -> None:
        self.path, self.codec, self.delay = path, codec, delay
        self.unknown = unknown_meters
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(_SCHEMA)
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        self.calls: list[tuple[int, bytes]] = []  # (batch size, salt)
        self.writing: list[set[tuple[str, str]]] = []  # (meter, local day) of each in flight
        self.overlaps = 0  # batches sent while another in flight wrote the same slot

    async def submit(self, canonical: bytes, salt: bytes,
                     on_sent: Callable[[str], None]) -> Accepted:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        codec = self.codec
        slots = {(r.meter_id, codec.local_day(r.interval_start))  # type: ignore[attr-defined]
                 for r in map(codec.decode, canonical.split(b"\n"))}  # type: ignore[attr-defined]
        self.overlaps += any(slots & other for other in self.writing)
        self.writing.append(slots)
        try:
            on_sent("tx-" + hashlib.sha256(canonical + salt).hexdigest()[:16])
            if self.delay:
                await asyncio.sleep(self.delay)
            return self._record(canonical, salt)
        finally:
            self.in_flight -= 1
            self.writing.remove(slots)

    def _record(self, canonical: bytes, salt: bytes) -> Accepted:
        codec = self.codec
        root = codec.batch_root(canonical).hex()  # type: ignore[attr-defined]
        leaves = canonical.split(b"\n")
        self.calls.append((len(leaves), salt))
        with self.lock:
            found = self.db.execute("SELECT batch_id, count FROM batch WHERE root = ?",
                                    (root,)).fetchone()
            if found:
                return Accepted(found[0], root, found[1], True, 0, root)
            rows = []
            for leaf in leaves:
                r = codec.decode(leaf)  # type: ignore[attr-defined]
                if r.meter_id in self.unknown:
                    raise BatchRefused(f"unknown meter {r.meter_id}", 404)
                start = r.interval_start.isoformat()
                old = self.db.execute("SELECT leaf FROM reading WHERE meter = ? AND start = ?",
                                      (r.meter_id, start)).fetchone()
                if old is not None and old[0] != leaf.decode():
                    raise BatchRefused(f"{r.meter_id} {start} already recorded with another "
                                       "value", 409)
                rows.append((r.meter_id, start, leaf.decode()))
            olds = [self.db.execute("SELECT batch_id FROM reading WHERE meter = ? AND start = ? "
                                    "AND leaf = ?", row).fetchone() for row in rows]
            if all(olds):  # every reading there already: a no-op naming the first's batch
                original = olds[0][0]
                old_root = self.db.execute("SELECT root FROM batch WHERE batch_id = ?",
                                           (original,)).fetchone()[0]
                return Accepted(original, root, len(leaves), True, 0, old_root)
            new = [row for row, old in zip(rows, olds, strict=True) if not old]
            batch_id = "b" + root[:16]
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT INTO batch VALUES (?, ?, ?)", (root, batch_id, len(new)))
            self.db.executemany("INSERT INTO reading VALUES (?, ?, ?, ?)",
                                [(*row, batch_id) for row in new])
            self.db.execute("COMMIT")
            return Accepted(batch_id, root, len(leaves), False, len(new))

    def counted(self) -> int:
        """Readings counted into totals: each batch's new readings."""
        return int(self.db.execute("SELECT COALESCE(SUM(count), 0) FROM batch").fetchone()[0])

    def distinct(self) -> set[tuple[str, str, str]]:
        return {tuple(r) for r in self.db.execute("SELECT meter, start, leaf FROM reading")}
