"""Where a log lives: an SQLite file named by a path, or a database named by a URL.

A path is how the log has always been kept (``python -m notary --db FILE``, a follower's own
``audit.db``): the file and its tables are created on first use. A URL (``sqlite:///FILE`` or
``postgresql+psycopg://...``) names a database that may belong to someone else, such as an
organisation's service store, whose schema its own Alembic migrations manage: there tables
are created only when the caller says so (``create=True``), otherwise they must exist.

Only SQLite and PostgreSQL are accepted: the write paths use ``INSERT ... ON CONFLICT``
upserts, which SQLAlchemy spells per dialect (:func:`upsert`); another backend would need its
own spelling, so it is refused when the log is opened rather than failing on the first write.
SQLite connections get WAL, the chosen ``synchronous`` level and a busy timeout (pragmas are
SQLite's only); a database named by URL is never created by opening it: a missing SQLite file
is an error, not a new empty file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

__all__ = ["BACKENDS", "LogDatabase"]

BACKENDS = ("sqlite", "postgresql")
SYNCHRONOUS = ("NORMAL", "FULL", "EXTRA")


@dataclass(frozen=True)
class LogDatabase:
    """Where a log lives: ``url`` to connect, ``named_by_url`` (vs a filesystem path).

    ``LogDatabase.parse(target).engine()`` is how :meth:`Log.open` connects; a program that
    keeps tables of its own beside a log (``gateway.audit``) connects the same way and hands
    the engine to ``Log(engine)``."""

    url: sa.URL
    named_by_url: bool

    @classmethod
    def parse(cls, target: str | Path) -> LogDatabase:
        text = str(target)
        if isinstance(target, Path) or "://" not in text:
            return cls(sa.make_url(f"sqlite:///{text}"), False)
        try:
            url = sa.make_url(text)
        except sa.exc.ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        backend = url.get_backend_name()
        if backend not in BACKENDS:
            raise ValueError(f"a notary log lives in SQLite or PostgreSQL, not {backend} "
                             f"(its writes are those two dialects' upserts)")
        if url.drivername == "postgresql":  # no driver named: the one the project installs
            url = url.set(drivername="postgresql+psycopg")
        return cls(url, True)

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    @property
    def file(self) -> Path | None:
        """The SQLite database file (None for PostgreSQL or an in-memory SQLite)."""
        if self.backend != "sqlite" or self.url.database in (None, "", ":memory:"):
            return None
        return Path(str(self.url.database))

    def __str__(self) -> str:
        """For messages and logs: the path, or the URL with its password hidden."""
        if not self.named_by_url:
            return str(self.url.database)
        return self.url.render_as_string(hide_password=True)

    def engine(self, synchronous: str = "NORMAL") -> sa.Engine:
        """An engine on the database; SQLite pragmas on SQLite connections only. A missing
        SQLite file named by URL is ``FileNotFoundError`` (not created)."""
        mode = synchronous.upper()
        if mode not in SYNCHRONOUS:
            raise ValueError(f"synchronous must be NORMAL, FULL or EXTRA, not {synchronous!r}")
        if self.backend != "sqlite":
            try:
                return sa.create_engine(self.url, pool_pre_ping=True)
            except sa.exc.ArgumentError as exc:  # e.g. a driver that is not installed
                raise ValueError(f"cannot use {self}: {exc}") from None
        file = self.file
        if self.named_by_url and file is not None and not file.is_file():
            raise FileNotFoundError(f"no SQLite database {file} (a database named by URL is "
                                    "never created by opening a log on it)")
        return _sqlite_engine(self.url, mode)

    @staticmethod
    def missing_tables(engine: sa.Engine, metadata: sa.MetaData) -> list[str]:
        """The tables of ``metadata`` the database does not have, sorted."""
        present = set(sa.inspect(engine).get_table_names())
        return sorted(set(metadata.tables) - present)

    @staticmethod
    def upsert(dialect: str, table: sa.Table, *, replace: bool) -> Insert:
        """``INSERT`` into ``table`` that, on a conflict, overwrites the other columns of the
        row with the same primary key (``replace``), or leaves whatever row it conflicts with
        as it is (what SQLite's ``OR IGNORE`` did for a primary key or a unique column)."""
        if dialect not in BACKENDS:
            raise ValueError(f"no upsert for {dialect}: a log lives in SQLite or PostgreSQL")
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        stmt = insert(table)
        if not replace:
            return stmt.on_conflict_do_nothing()
        keys = [c.name for c in table.primary_key.columns]
        values = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
        return stmt.on_conflict_do_update(index_elements=keys, set_=values)


def _sqlite_engine(url: sa.URL, mode: str) -> sa.Engine:
    engine = sa.create_engine(url)

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={mode}")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    return engine
