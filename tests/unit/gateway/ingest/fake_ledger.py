"""FAKE LEDGER for the submitter's tests: a ``BatchSink`` kept in a SQLite file.

It stands where ``readings:submit_batch`` stands and follows what the agreed interface says
the contract does: an identical batch is a no-op answering the original batch id; a
reading whose meter and interval are recorded with another value is refused (409, naming
the first clash); an unknown meter is refused (404). Kept in a file so that a submitter
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

    async def submit(self, canonical: bytes, salt: bytes,
                     on_sent: Callable[[str], None]) -> Accepted:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            on_sent("tx-" + hashlib.sha256(canonical + salt).hexdigest()[:16])
            if self.delay:
                await asyncio.sleep(self.delay)
            return self._record(canonical, salt)
        finally:
            self.in_flight -= 1

    def _record(self, canonical: bytes, salt: bytes) -> Accepted:
        codec = self.codec
        root = codec.batch_root(canonical).hex()  # type: ignore[attr-defined]
        leaves = canonical.split(b"\n")
        self.calls.append((len(leaves), salt))
        with self.lock:
            found = self.db.execute("SELECT batch_id, count FROM batch WHERE root = ?",
                                    (root,)).fetchone()
            if found:
                return Accepted(found[0], root, found[1], True)
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
            batch_id = "b" + root[:16]
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT INTO batch VALUES (?, ?, ?)", (root, batch_id, len(leaves)))
            self.db.executemany("INSERT OR IGNORE INTO reading VALUES (?, ?, ?, ?)",
                                [(*row, batch_id) for row in rows])
            self.db.execute("COMMIT")
            return Accepted(batch_id, root, len(leaves), False)

    def counted(self) -> int:
        """Readings counted over all recorded batches (each batch once)."""
        return int(self.db.execute("SELECT COALESCE(SUM(count), 0) FROM batch").fetchone()[0])

    def distinct(self) -> set[tuple[str, str, str]]:
        return {tuple(r) for r in self.db.execute("SELECT meter, start, leaf FROM reading")}
