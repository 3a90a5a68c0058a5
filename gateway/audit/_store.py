"""The follower's store: its audit entries, block position and ledger records, beside the
notary ``Log`` in one database: an SQLite file of its own (a path, ``DIR/audit.db``), or the
organisation's service store named by its URL (SQLite or PostgreSQL), where migration 0003
made these tables (docs/audit.md, "Where the log lives").

Schema: opened on a path, the store creates its tables (as it always has); opened on a URL
it requires them and creates or alters nothing (``create=False``, the default there): a
service store's schema is its Alembic migrations' alone, and a missing table is
:class:`notary.SchemaMissingError` naming the migration, not a half-made schema.

Exactly once: the rows of one block (its entries, the signatures, anchors, bindings and alarms
it carries) and the next block position are written in ONE database transaction, so a follower
killed at any moment has either all of a block or none of it. The notary ``Log`` is derived
from the entry rows: it is appended after that transaction and, on open, any entries the Log
lacks are appended to it. The Log is never rewritten: a Log with leaves the entry rows do not
hold (more leaves, or a leaf whose hash differs) is corruption, raised as
:class:`StoreCorruptError`, never repaired.

Readers (the CLI, the services' routes) open the same database read-only in spirit:
:meth:`AuditStore.open` with ``sync=False`` never writes, and answers for the entry rows and
Log as they are stored. The writes are the dialect's upserts (``notary.LogDatabase``'s).
In an SQLite service store the service's own writers share the file: each side waits for
the other's write lock (busy timeout, 10 s) and the follower's transactions are one block.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

import notary

__all__ = [
    "AnchorRow",
    "AuditStore",
    "BlockRecords",
    "EntryRow",
    "SignatureRow",
    "StoreCorruptError",
    "normalise_time",
]

from ._rows import (
    ALARMS,
    ANCHORS,
    BINDINGS,
    ENTRIES,
    METADATA,
    POSITION,
    SIGNATURES,
    STATE,
    AnchorRow,
    BlockRecords,
    EntryRow,
    SignatureRow,
    StoreCorruptError,
    b64,
    normalise_time,
)

MIGRATION = "the service store's migration 0003 (gateway/service/store) creates them"


class AuditStore:
    """One organisation's audit store. One writer (the follower), any number of readers.

    ``where`` names the database (a path, or a URL with its password hidden, for messages);
    ``path`` is its SQLite file (None on PostgreSQL)."""

    def __init__(self, where: notary.LogDatabase, engine: sa.Engine, log: notary.Log) -> None:
        self.where = where
        self.path = where.file
        self._engine = engine
        self.log = log
        dialect = engine.dialect.name
        self._put_state = notary.LogDatabase.upsert(dialect, STATE, replace=True)
        self._put_position = notary.LogDatabase.upsert(dialect, POSITION, replace=True)
        self._add_signature = notary.LogDatabase.upsert(dialect, SIGNATURES, replace=False)
        self._add_anchor = notary.LogDatabase.upsert(dialect, ANCHORS, replace=False)
        self._add_binding = notary.LogDatabase.upsert(dialect, BINDINGS, replace=False)

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(
        cls, target: str | Path, *, sync: bool = False, create: bool | None = None
    ) -> AuditStore:
        """Open the store at ``target``: a path (``DIR/audit.db``, created with its tables if
        missing) or an SQLAlchemy URL (``sqlite:///...``, ``postgresql+psycopg://...``: a
        service store, whose tables migration 0003 made). ``create`` (default: True for a
        path, False for a URL) creates missing tables; without it they must all exist
        (:class:`notary.SchemaMissingError`, naming the migration). ``sync=True`` (the
        follower) appends to the Log any entries it lacks; readers leave the database alone.
        Either way a Log holding leaves the entry rows do not is :class:`StoreCorruptError`.
        Unreachable or unusable storage is :class:`notary.StoreError` (an ``OSError``)."""
        where = notary.LogDatabase.parse(target)
        if create is None:
            create = not where.named_by_url
        if sync and create and where.file is not None:  # the follower makes its directory
            where.file.parent.mkdir(parents=True, exist_ok=True)
        try:
            engine = where.engine("NORMAL")
        except FileNotFoundError as exc:
            raise notary.StoreError(str(where), str(exc)) from None
        try:
            if create:
                METADATA.create_all(engine)
            else:
                present = set(sa.inspect(engine).get_table_names())
                missing = sorted({*METADATA.tables, *notary.Log.TABLES} - present)
                if missing:
                    raise notary.SchemaMissingError(str(where), missing, MIGRATION)
            log = notary.Log(engine, create=create)
        except sa.exc.DBAPIError as exc:  # not a database, unreachable server...
            engine.dispose()
            raise notary.StoreError(str(where), str(exc.orig)) from exc
        except BaseException:
            engine.dispose()
            raise
        store = cls(where, engine, log)
        try:
            store._reconcile(sync)
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        self.log.close()
        self._engine.dispose()

    def __enter__(self) -> AuditStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _reconcile(self, sync: bool) -> None:
        rows = self._count()
        have = self.log.size
        if have > rows:
            raise StoreCorruptError(
                str(self.where),
                "the Log holds leaves the entry rows do not",
                log_size=have,
                entry_rows=rows,
            )
        # The Log's last leaf must be the entry row's (cheap check of the shared prefix).
        if have:
            last = self.entry(have - 1)
            if notary.leaf_hash(last.leaf) != self.log.leaf_hash(have - 1):
                raise StoreCorruptError(
                    str(self.where),
                    "the Log's leaf differs from the entry row",
                    index=have - 1,
                    tx_id=last.tx_id,
                )
        if sync and rows > have:
            self.log.append(row.leaf for row in self.entries(have, rows))

    def verify_log(self) -> None:
        """Check every Log leaf against its entry row (O(size); for audits and tests)."""
        size = self.log.size
        for row in self.entries(0, size):
            if notary.leaf_hash(row.leaf) != self.log.leaf_hash(row.index):
                raise StoreCorruptError(
                    str(self.where),
                    "the Log's leaf differs from the entry row",
                    index=row.index,
                    tx_id=row.tx_id,
                )

    # -- reading -----------------------------------------------------------------------

    def _count(self) -> int:
        with self._engine.connect() as conn:
            return _rows(conn)

    def size(self) -> int:
        """The log's size (the Log as the store answers for it)."""
        return self.log.size

    def entry_count(self) -> int:
        """Entry rows on disk (equal to :meth:`size` once the Log caught up)."""
        return self._count()

    @staticmethod
    def _row(r: Any) -> EntryRow:
        return EntryRow(r.idx, r.block, r.tx_index, r.tx_id, r.timestamp, bytes(r.leaf))

    def entry(self, index: int) -> EntryRow:
        with self._engine.connect() as conn:
            r = conn.execute(sa.select(ENTRIES).where(ENTRIES.c.idx == index)).first()
        if r is None:
            raise IndexError(f"no audit entry {index} (store holds {self._count()})")
        return self._row(r)

    def entry_by_tx(self, tx_id: str) -> EntryRow | None:
        with self._engine.connect() as conn:
            r = conn.execute(sa.select(ENTRIES).where(ENTRIES.c.tx_id == tx_id)).first()
        return None if r is None else self._row(r)

    def entries(self, start: int, stop: int) -> Iterator[EntryRow]:
        """Entries ``start <= index < stop``, ascending."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(ENTRIES)
                .where(ENTRIES.c.idx >= start, ENTRIES.c.idx < stop)
                .order_by(ENTRIES.c.idx)
            ).all()
        for r in rows:
            yield self._row(r)

    def index_range(self, time_from: str, time_to: str) -> tuple[int, int]:
        """First index with timestamp >= ``time_from`` and last with timestamp <= ``time_to``
        (first > last: nothing in range). Times are compared as the contract writes them."""
        lo, hi = normalise_time(time_from), normalise_time(time_to)
        with self._engine.connect() as conn:
            first = conn.execute(
                sa.select(sa.func.min(ENTRIES.c.idx)).where(ENTRIES.c.timestamp >= lo)
            ).scalar()
            last = conn.execute(
                sa.select(sa.func.max(ENTRIES.c.idx)).where(ENTRIES.c.timestamp <= hi)
            ).scalar()
        size = self._count()
        return (size if first is None else int(first), -1 if last is None else int(last))

    def anchors(self, after: int | None = None) -> list[AnchorRow]:
        """Anchored checkpoints seen on the ledger, ascending (sizes above ``after``)."""
        query = sa.select(ANCHORS).order_by(ANCHORS.c.size)
        if after is not None:
            query = query.where(ANCHORS.c.size > after)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            AnchorRow(
                r.size,
                bytes(r.root),
                r.note,
                r.previous_size,
                [base64.b64decode(h) for h in json.loads(r.proof)],
                r.tx_id,
            )
            for r in rows
        ]

    def latest_anchor(self, at_most: int | None = None) -> AnchorRow | None:
        """The largest anchored checkpoint (of size <= ``at_most``), if any."""
        query = sa.select(ANCHORS.c.size).order_by(ANCHORS.c.size.desc()).limit(1)
        if at_most is not None:
            query = query.where(ANCHORS.c.size <= at_most)
        with self._engine.connect() as conn:
            size = conn.execute(query).scalar()
        if size is None:
            return None
        return self.anchors(after=int(size) - 1)[0]

    def signatures(self, size: int | None = None, above: int | None = None) -> list[SignatureRow]:
        """Signature records seen on the ledger: at ``size``, or above size ``above``."""
        query = sa.select(SIGNATURES).order_by(SIGNATURES.c.size, SIGNATURES.c.mspid)
        if size is not None:
            query = query.where(SIGNATURES.c.size == size)
        if above is not None:
            query = query.where(SIGNATURES.c.size > above)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [SignatureRow(r.size, r.mspid, bytes(r.root), r.note, r.tx_id) for r in rows]

    def key_bindings(self) -> list[dict[str, Any]]:
        """Every binding record seen on the ledger (all versions), in ledger order."""
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(BINDINGS.c.record).order_by(BINDINGS.c.seq)).all()
        return [json.loads(r.record) for r in rows]

    def alarms(self) -> list[dict[str, Any]]:
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(ALARMS).order_by(ALARMS.c.seq)).all()
        return [
            {
                "source": r.source,
                "reporter": r.reporter,
                "accused": r.accused,
                "size": r.size,
                "evidence": json.loads(r.evidence),
                "tx_id": r.tx_id,
            }
            for r in rows
        ]

    def position(self) -> tuple[int, int]:
        """(next block to read, last transaction index done in it or -1)."""
        with self._engine.connect() as conn:
            r = conn.execute(sa.select(POSITION).where(POSITION.c.id == 1)).first()
        return (0, -1) if r is None else (int(r.next_block), int(r.done_tx_index))

    def get_state(self, key: str) -> str | None:
        with self._engine.connect() as conn:
            value = conn.execute(sa.select(STATE.c.value).where(STATE.c.key == key)).scalar()
        return None if value is None else str(value)

    # -- writing (the follower) --------------------------------------------------------

    def set_state(self, key: str, value: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(self._put_state, {"key": key, "value": value})

    def add_alarm(
        self,
        reporter: str,
        accused: str,
        size: int,
        evidence: dict[str, Any],
        tx_id: str | None = None,
        source: str = "local",
    ) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                sa.insert(ALARMS),
                {
                    "source": source,
                    "reporter": reporter,
                    "accused": accused,
                    "size": size,
                    "evidence": json.dumps(evidence, sort_keys=True),
                    "tx_id": tx_id,
                },
            )

    def commit_block(self, records: BlockRecords) -> int:
        """Write one block's rows and the position after it in one transaction, then append
        the new leaves to the Log. Returns the log size. A block at another position than
        the stored one is refused (``ValueError``): nothing is written twice."""
        with self._engine.begin() as conn:
            r = conn.execute(sa.select(POSITION).where(POSITION.c.id == 1)).first()
            expected = 0 if r is None else int(r.next_block)
            if records.block != expected:
                raise ValueError(
                    f"block {records.block} out of order: the store expects block {expected}"
                )
            start = _rows(conn)
            self._insert(conn, records, start)
            for key, value in records.state.items():
                conn.execute(self._put_state, {"key": key, "value": value})
            conn.execute(
                self._put_position,
                {"id": 1, "next_block": records.block + 1, "done_tx_index": -1},
            )
        if self.log.size == start:  # the usual case: the block's leaves as they are
            return self.log.append(leaf for _, _, _, leaf in records.entries)
        return self._catch_up(start + len(records.entries))

    def _insert(self, conn: sa.Connection, records: BlockRecords, start: int) -> None:
        if records.entries:
            conn.execute(
                sa.insert(ENTRIES),
                [
                    {
                        "idx": start + i,
                        "block": records.block,
                        "tx_index": tx_index,
                        "tx_id": tx_id,
                        "timestamp": timestamp,
                        "name": _entry_name(leaf),
                        "leaf": leaf,
                    }
                    for i, (tx_index, tx_id, timestamp, leaf) in enumerate(records.entries)
                ],
            )
        for s in records.signatures:
            conn.execute(
                self._add_signature,
                {
                    "size": s.size,
                    "mspid": s.mspid,
                    "root": s.root,
                    "note": s.note,
                    "tx_id": s.tx_id,
                },
            )
        for a in records.anchors:
            conn.execute(
                self._add_anchor,
                {
                    "size": a.size,
                    "root": a.root,
                    "note": a.note,
                    "previous_size": a.previous_size,
                    "proof": json.dumps([b64(h) for h in a.proof]),
                    "tx_id": a.tx_id,
                },
            )
        for mspid, tx_id, record in records.bindings:
            conn.execute(
                self._add_binding,
                {"mspid": mspid, "tx_id": tx_id, "record": json.dumps(record, sort_keys=True)},
            )
        for alarm in records.alarms:
            conn.execute(
                sa.insert(ALARMS),
                {
                    "source": "ledger",
                    "reporter": alarm["reporter"],
                    "accused": alarm["accused"],
                    "size": alarm["size"],
                    "evidence": json.dumps(alarm["evidence"], sort_keys=True),
                    "tx_id": alarm["tx_id"],
                },
            )

    def _catch_up(self, rows: int) -> int:
        have = self.log.size
        if have < rows:
            self.log.append(row.leaf for row in self.entries(have, rows))
        return self.log.size

    def append_forged(self, tx_id: str, timestamp: str, leaf: bytes) -> int:
        """Append an entry that no block carries (the split-view drill only: the store's
        writer used by a tamperer). Goes through the same rows-then-Log path."""
        with self._engine.begin() as conn:
            start = _rows(conn)
            r = conn.execute(sa.select(POSITION).where(POSITION.c.id == 1)).first()
            block = 0 if r is None else int(r.next_block) - 1
            conn.execute(
                sa.insert(ENTRIES),
                {
                    "idx": start,
                    "block": block,
                    "tx_index": -1,
                    "tx_id": tx_id,
                    "timestamp": timestamp,
                    "name": _entry_name(leaf),
                    "leaf": leaf,
                },
            )
        return self._catch_up(start + 1)

    def reread(self) -> None:
        """Reopen the Log to see another process's appends (readers)."""
        old = self.log
        self.log = notary.Log(self._engine, create=False)
        old.close()


def _rows(conn: sa.Connection) -> int:
    """Entry rows: indexes are 0..n-1, so max + 1 (a b-tree seek; COUNT(*) would scan)."""
    top = conn.execute(sa.select(sa.func.max(ENTRIES.c.idx))).scalar()
    return 0 if top is None else int(top) + 1


def _entry_name(leaf: bytes) -> str:
    try:
        value = json.loads(leaf)["entry"]["entry"]
    except (ValueError, KeyError, TypeError):
        return ""
    return value if isinstance(value, str) else ""
