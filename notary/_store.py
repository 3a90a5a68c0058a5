"""The durable log: complete-subtree hashes stored as tiles through SQLAlchemy.

Layout (after the tlog-tiles idea). With tile height ``h`` (default 8), tile ``(L, N)``
holds the hashes of the complete nodes at tree level ``h*L`` numbered
``N*2**h .. N*2**h + width - 1``, packed as one blob of ``32*width`` bytes. Level 0
tiles hold leaf hashes; a tile of level ``L+1`` holds the roots of full level-``L``
tiles. Nodes between two stored levels are recomputed inside one tile (at most
``2**h - 1`` hashes). Only the newest version of each tile is kept: a partial tile is
rewritten as it grows, and its first hashes never change, so older tree sizes read the
same rows.

Costs: any complete subtree is one tile read, so a root, an inclusion proof or a
consistency proof needs O(log n / h) reads, and opening a log reads one partial tile
per level. An append of ``k`` leaves writes ``k/2**h`` full tiles plus one partial tile
per level, with one multi-row INSERT and one UPDATE of the size, in one transaction.

Where: an SQLite file (a path: created with its tables on first use) or a database named by
an SQLAlchemy URL, SQLite or PostgreSQL (``_engine``): an organisation's service store keeps
the log beside its other tables, created by its migrations, so there ``create=False`` (the
default for a URL) requires the tables and never creates them. Writes are the dialect's
upserts (``INSERT ... ON CONFLICT``), the only backend-specific SQL.

Durability (SQLite): WAL journal. ``synchronous="NORMAL"`` (default) means a committed
append survives the writer being killed at any point; after a power cut or kernel crash
the file is still consistent but the last appends before the last WAL checkpoint may be
lost. ``synchronous="FULL"`` fsyncs the WAL on every commit, so a returned
``append`` survives a power cut too. A crash mid-append always leaves the log at its last
committed size (the size row is updated in the same transaction as the tiles).
PostgreSQL: a committed transaction is durable as the server's own settings make it; the
tiles and the guarded size update are one transaction there too.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path

import sqlalchemy as sa

from ._engine import LogDatabase
from ._errors import TreeSizeError
from ._tree import consistency_path, hash_leaves, hash_level, inclusion_path, range_hash

__all__ = ["Log", "ConcurrentAppendError", "SchemaMissingError", "StoreError"]

_sha256 = hashlib.sha256

_meta = sa.MetaData(naming_convention={"pk": "pk_%(table_name)s"})  # as the service store's
_tiles = sa.Table(
    "notary_tiles",
    _meta,
    sa.Column("level", sa.Integer, primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("hashes", sa.LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)
_state = sa.Table(
    "notary_state",
    _meta,
    sa.Column("key", sa.String(32), primary_key=True),
    sa.Column("value", sa.String(64), nullable=False),
)
_checkpoints = sa.Table(
    "notary_checkpoints",
    _meta,
    sa.Column("size", sa.Integer, primary_key=True),
    sa.Column("note", sa.Text, nullable=False),
)

_SET_SIZE = (
    sa.update(_state)
    .where(_state.c.key == "size", _state.c.value == sa.bindparam("old"))
    .values(value=sa.bindparam("new"))
)


class ConcurrentAppendError(RuntimeError):
    """Another writer changed the log's size under this one; reopen and retry."""


class StoreError(OSError):
    """The file or database cannot be opened as a notary log (not an SQLite database,
    unreadable, a directory, a server refusing the connection...). An ``OSError``: the log's
    storage failed, no proof was checked. ``path`` is the path or the URL (password hidden)."""

    def __init__(self, path: str, cause: str) -> None:
        super().__init__(f"cannot open notary log {path}: {cause}")
        self.path = path
        self.cause = cause


class SchemaMissingError(StoreError):
    """A database whose schema is managed elsewhere (``create=False``) lacks the log's
    tables: whoever manages it (a service store's migrations) has not created them."""

    def __init__(self, path: str, missing: list[str], hint: str = "") -> None:
        super().__init__(path, f"tables {', '.join(missing)} missing and not created here "
                               f"(create=False){': ' + hint if hint else ''}")
        self.missing = missing


def _split(blob: bytes) -> list[bytes]:
    return [blob[i : i + 32] for i in range(0, len(blob), 32)]


class Log:
    """An append-only RFC 9162 log in one SQLAlchemy database (SQLite file by default,
    or PostgreSQL).

    One writer at a time (a second writer is detected and refused, not merged); any number
    of readers. A ``Log`` object answers for the size it last opened or appended (reopen to
    see another process's appends) and is not thread-safe. ``reads`` counts the SELECTs
    issued, for cost checks. ``create=False``: the tables must exist
    (:class:`SchemaMissingError` otherwise), nothing in the schema is created or altered.
    A ``Log`` made from an engine leaves it to its owner; :meth:`open` makes and owns one.
    """

    #: the tables a log keeps (created by ``create=True``, else required)
    TABLES = tuple(sorted(_meta.tables))

    def __init__(
        self,
        engine: sa.Engine,
        *,
        tile_height: int = 8,
        cache_tiles: int = 1024,
        create: bool = True,
    ) -> None:
        dialect = engine.dialect.name
        self._engine = engine
        self._owns_engine = False
        self._put_tiles = LogDatabase.upsert(dialect, _tiles, replace=True)
        self._put_checkpoint = LogDatabase.upsert(dialect, _checkpoints, replace=True)
        if create:
            _meta.create_all(engine)
        else:
            missing = LogDatabase.missing_tables(engine, _meta)
            if missing:
                where = engine.url.render_as_string(hide_password=True)
                raise SchemaMissingError(where, missing)
        self._reader = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.reads = 0
        state = self._read_state()
        if "tile_height" not in state and not 1 <= tile_height <= 16:
            self.close()
            raise ValueError(f"tile_height must be 1..16, not {tile_height}")
        stored_height = int(state.get("tile_height", tile_height))
        self.tile_height = stored_height
        self._width = 1 << stored_height
        self._size = int(state.get("size", 0))
        if "tile_height" not in state:
            with engine.begin() as conn:
                conn.execute(
                    sa.insert(_state),
                    [
                        {"key": "tile_height", "value": str(stored_height)},
                        {"key": "size", "value": "0"},
                    ],
                )
        self._cache: OrderedDict[tuple[int, int], list[list[bytes]]] = OrderedDict()
        self._cache_tiles = cache_tiles
        self._edge: list[list[bytes]] = []  # per tile level: hashes of the partial tile
        self._edge_levels: dict[int, list[list[bytes]]] = {}
        self._load_edge()

    @classmethod
    def open(
        cls,
        target: str | Path,
        *,
        tile_height: int = 8,
        synchronous: str = "NORMAL",
        cache_tiles: int = 1024,
        create: bool | None = None,
    ) -> Log:
        """Open a log in SQLite file ``target`` (a path), or in the database an SQLAlchemy
        URL names (``sqlite:///FILE``, ``postgresql+psycopg://...``; a bare ``postgresql://``
        means psycopg, the driver the project installs).

        ``create`` (default: True for a path, False for a URL) creates the tables if missing;
        without it they must exist (:class:`SchemaMissingError`) and a missing SQLite file is
        an error. ``tile_height`` (1..16) only matters when the log is created; an existing
        log keeps its own. ``synchronous`` is SQLite's (ignored elsewhere). Databases other
        than SQLite and PostgreSQL are refused (``ValueError``): see ``_engine``.
        """
        where = LogDatabase.parse(target)
        try:
            engine = where.engine(synchronous)
        except FileNotFoundError as exc:
            raise StoreError(str(where), str(exc)) from None
        try:
            log = cls(engine, tile_height=tile_height, cache_tiles=cache_tiles,
                      create=not where.named_by_url if create is None else create)
        except sa.exc.DBAPIError as exc:  # e.g. "file is not a database", "unable to open"
            engine.dispose()
            raise StoreError(str(where), str(exc.orig)) from exc
        except SchemaMissingError as exc:
            engine.dispose()
            raise SchemaMissingError(str(where), exc.missing) from None
        except BaseException:
            engine.dispose()
            raise
        log._owns_engine = True
        return log

    def close(self) -> None:
        self._reader.close()
        if self._owns_engine:
            self._engine.dispose()

    def __enter__(self) -> Log:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------------

    def _read_state(self) -> dict[str, str]:
        self.reads += 1
        rows = self._reader.execute(sa.select(_state.c.key, _state.c.value)).all()
        return {k: v for k, v in rows}

    def _read_tile(self, level: int, idx: int) -> list[bytes]:
        self.reads += 1
        blob = self._reader.execute(
            sa.select(_tiles.c.hashes).where(_tiles.c.level == level, _tiles.c.idx == idx)
        ).scalar()
        if blob is None:
            raise LookupError(f"tile ({level}, {idx}) missing from the store")
        return _split(bytes(blob))

    def _load_edge(self) -> None:
        h, mask = self.tile_height, self._width - 1
        self._edge = []
        level = 0
        while self._size >> (h * level):
            width = (self._size >> (h * level)) & mask
            idx = self._size >> (h * (level + 1))
            self._edge.append(self._read_tile(level, idx)[:width] if width else [])
            level += 1
        self._edge_levels.clear()

    def _expand(self, base: list[bytes]) -> list[list[bytes]]:
        levels = [base]
        for _ in range(1, self.tile_height):
            levels.append(hash_level(levels[-1]))
        return levels

    def _tile_levels(self, level: int, idx: int) -> list[list[bytes]]:
        h = self.tile_height
        if level < len(self._edge) and idx == self._size >> (h * (level + 1)):
            got = self._edge_levels.get(level)
            if got is None:
                got = self._edge_levels[level] = self._expand(self._edge[level])
            return got
        key = (level, idx)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        levels = self._expand(self._read_tile(level, idx))
        self._cache[key] = levels
        if len(self._cache) > self._cache_tiles:
            self._cache.popitem(last=False)
        return levels

    def complete(self, level: int, index: int) -> bytes:
        """Hash of complete subtree ``index`` at ``level`` (leaves ``[index<<level, ...)``)."""
        if (index + 1) << level > self._size or index < 0:
            raise TreeSizeError(
                f"subtree ({level}, {index}) is not complete at size {self._size}", size=self._size
            )
        h = self.tile_height
        tile_level, sub = divmod(level, h)
        first = index << sub  # first node at the tile's stored level
        levels = self._tile_levels(tile_level, first >> h)
        return levels[sub][(first & (self._width - 1)) >> sub]

    @property
    def size(self) -> int:
        return self._size

    def leaf_hash(self, index: int) -> bytes:
        return self.complete(0, index)

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self._size
        if not 0 <= size <= self._size:
            raise TreeSizeError(f"size {size} outside 0..{self._size}", size=size)
        return size

    def root(self, size: int | None = None) -> bytes:
        """Root of the tree of ``size`` leaves (default: the whole log)."""
        return range_hash(self, 0, self._check_size(size))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_path(self, index, self._check_size(size))

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_path(self, size1, self._check_size(size2))

    def clear_cache(self) -> None:
        """Forget cached tiles (the right edge stays in memory)."""
        self._cache.clear()

    # -- writing -----------------------------------------------------------------------

    def append(self, entries: Iterable[bytes]) -> int:
        """Append raw entries in one transaction; returns the new size."""
        return self._append(hash_leaves(entries))

    def append_hashes(self, hashes: Sequence[bytes]) -> int:
        """Append leaf hashes (already ``leaf_hash``-ed) in one transaction."""
        if hashes and set(map(len, hashes)) != {32}:
            raise ValueError("leaf hashes must be 32 bytes")
        return self._append(list(hashes))

    def _append(self, hashes: list[bytes]) -> int:
        if not hashes:
            return self._size
        sha, h, width = _sha256, self.tile_height, self._width
        old, new = self._size, self._size + len(hashes)
        rows: list[tuple[int, int, bytes]] = []
        new_edge: list[list[bytes]] = []
        carry = hashes
        level = 0
        while carry:
            edge = self._edge[level] if level < len(self._edge) else []
            idx = old >> (h * (level + 1))
            combined = edge + carry if edge else carry
            full = len(combined) >> h
            carry = []
            for t in range(full):
                tile = combined[t * width : (t + 1) * width]
                rows.append((level, idx + t, b"".join(tile)))
                nodes = tile
                for _ in range(h):  # the tile's root becomes a hash of the level above
                    nodes = [
                        sha(b"\x01" + nodes[i] + nodes[i + 1]).digest()
                        for i in range(0, len(nodes), 2)
                    ]
                carry.append(nodes[0])
            rest = combined[full * width :]
            if rest:
                rows.append((level, idx + full, b"".join(rest)))
            new_edge.append(rest)
            level += 1
        new_edge.extend(self._edge[level:])
        with self._engine.begin() as conn:
            # One multi-row upsert of the tiles (a partial tile is rewritten as it grows)
            # and one guarded size update.
            conn.execute(
                self._put_tiles, [{"level": lv, "idx": i, "hashes": b} for lv, i, b in rows]
            )
            done = conn.execute(_SET_SIZE, {"new": str(new), "old": str(old)})
            if done.rowcount != 1:
                raise ConcurrentAppendError(f"log size changed under this writer (was {old})")
        self._size = new
        self._edge = new_edge
        self._edge_levels.clear()
        return new

    # -- issued checkpoints ------------------------------------------------------------

    def save_checkpoint(self, size: int, note: str) -> None:
        """Keep a signed checkpoint note issued for ``size`` (replacing an older one)."""
        with self._engine.begin() as conn:
            conn.execute(self._put_checkpoint, {"size": size, "note": note})

    def latest_checkpoint(self) -> str | None:
        """The stored checkpoint note of the largest size, if any."""
        self.reads += 1
        return self._reader.execute(
            sa.select(_checkpoints.c.note).order_by(_checkpoints.c.size.desc()).limit(1)
        ).scalar()
