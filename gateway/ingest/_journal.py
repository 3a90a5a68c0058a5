"""The submitter's journal: every batch's rows, canonical bytes, salt and state, in SQLite.

A batch is written ``planned`` (rows, canonical bytes, its 32-byte salt) in the same SQLite
transaction that moves the run's read position past its last line, so a kill at any point
leaves each line either in exactly one journaled batch or not yet read. The state then goes
``planned -> submitted (tx id) -> committed (batch id) | refused (reason) | split`` (a
refused batch of several rows is split in two, its halves planned in the same transaction).
Resuming re-submits ``planned`` and ``submitted`` batches byte for byte with their own salt:
the contract answers an identical batch with the original batch id, so re-submission can
never count a reading twice, and reading restarts after the journaled position (no gap).

The position is kept with a SHA-256 of the input bytes consumed so far; resuming checks the
input still starts with those bytes, else a different input would be skipped silently.

The standard library's ``sqlite3`` is enough here (one file, one writer, a handful of
statements); WAL mode with ``synchronous=FULL`` so a committed state survives a kill.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["JournalBatch", "Journal"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS position (
    run TEXT PRIMARY KEY, line INTEGER NOT NULL, digest BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS batch (
    id INTEGER PRIMARY KEY, run TEXT NOT NULL, parent INTEGER, state TEXT NOT NULL,
    rows TEXT NOT NULL, canonical BLOB, salt BLOB NOT NULL, tx_id TEXT, batch_id TEXT,
    root TEXT, duplicate INTEGER, reason TEXT);
CREATE INDEX IF NOT EXISTS batch_run_state ON batch (run, state);
CREATE TABLE IF NOT EXISTS refused (
    run TEXT NOT NULL, line INTEGER NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (run, line));
"""

PENDING = ("planned", "submitted")


@dataclass(frozen=True)
class JournalBatch:
    """A journaled batch: ``rows`` are (line, canonical leaf text) in input order."""

    id: int
    state: str
    rows: tuple[tuple[int, str], ...]
    canonical: bytes | None
    salt: bytes
    tx_id: str | None = None
    batch_id: str | None = None


class Journal:
    """One SQLite file; ``run`` names the input (a file's path, or ``--run`` for a stream)."""

    def __init__(self, path: Path, run: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.run = path, run
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def position(self) -> tuple[int, bytes | None]:
        """(last line consumed, SHA-256 of the bytes up to it) of this run; (0, None) if new."""
        row = self._db.execute("SELECT line, digest FROM position WHERE run = ?",
                               (self.run,)).fetchone()
        return (0, None) if row is None else (int(row[0]), bytes(row[1]))

    def plan(self, rows: Sequence[tuple[int, str]], canonical: bytes | None, salt: bytes,
             line: int, digest: bytes, refused: Sequence[tuple[int, str]] = ()) -> int | None:
        """Journal a batch (if ``rows``), rows refused before the ledger, and the position."""
        with self._tx() as db:
            batch_id = None
            if rows:
                batch_id = db.execute(
                    "INSERT INTO batch (run, state, rows, canonical, salt) VALUES "
                    "(?, 'planned', ?, ?, ?)",
                    (self.run, json.dumps(list(rows)), canonical, salt)).lastrowid
            db.executemany("INSERT OR REPLACE INTO refused VALUES (?, ?, ?)",
                           [(self.run, n, why) for n, why in refused])
            db.execute("INSERT OR REPLACE INTO position VALUES (?, ?, ?)",
                       (self.run, line, digest))
        return batch_id

    def submitted(self, batch: int, tx_id: str) -> None:
        self._db.execute("UPDATE batch SET state = 'submitted', tx_id = ? WHERE id = ? AND "
                         "state IN ('planned', 'submitted')", (tx_id, batch))

    def committed(self, batch: int, batch_id: str, root: str, duplicate: bool) -> None:
        self._db.execute("UPDATE batch SET state = 'committed', batch_id = ?, root = ?, "
                         "duplicate = ? WHERE id = ?", (batch_id, root, int(duplicate), batch))

    def refused(self, batch: int, line: int, reason: str) -> None:
        """A batch of one row refused: the row goes to the refusal report."""
        with self._tx() as db:
            db.execute("UPDATE batch SET state = 'refused', reason = ? WHERE id = ?",
                       (reason, batch))
            db.execute("INSERT OR REPLACE INTO refused VALUES (?, ?, ?)",
                       (self.run, line, reason))

    def split(self, batch: int, reason: str,
              halves: Sequence[tuple[Sequence[tuple[int, str]], bytes | None, bytes]]
              ) -> list[int]:
        """A refused batch of several rows: mark it split and plan its halves, atomically."""
        with self._tx() as db:
            db.execute("UPDATE batch SET state = 'split', reason = ? WHERE id = ?",
                       (reason, batch))
            return [int(db.execute(
                "INSERT INTO batch (run, parent, state, rows, canonical, salt) VALUES "
                "(?, ?, 'planned', ?, ?, ?)",
                (self.run, batch, json.dumps(list(rows)), canonical, salt)).lastrowid or 0)
                for rows, canonical, salt in halves]

    def pending(self) -> list[JournalBatch]:
        """This run's batches not yet answered by the ledger (planned or submitted)."""
        cur = self._db.execute(
            "SELECT id, state, rows, canonical, salt, tx_id, batch_id FROM batch WHERE run = ? "
            "AND state IN ('planned', 'submitted') ORDER BY id", (self.run,))
        return [JournalBatch(int(i), s, tuple((int(n), str(t)) for n, t in json.loads(r)),
                             None if c is None else bytes(c), bytes(salt), tx, bid)
                for i, s, r, c, salt, tx, bid in cur]

    def refusals(self) -> list[tuple[int, str]]:
        """Every refused row of this run, by line."""
        return [(int(n), str(r)) for n, r in self._db.execute(
            "SELECT line, reason FROM refused WHERE run = ? ORDER BY line", (self.run,))]

    def counts(self) -> dict[str, int]:
        """Readings per batch state for this run (split batches are not counted)."""
        out: dict[str, int] = {}
        for state, rows in self._db.execute(
                "SELECT state, rows FROM batch WHERE run = ? AND state != 'split'", (self.run,)):
            out[state] = out.get(state, 0) + len(json.loads(rows))
        return out

    def _tx(self) -> _Tx:
        return _Tx(self._db)


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind: object, *_: object) -> None:
        self.db.execute("COMMIT" if kind is None else "ROLLBACK")
