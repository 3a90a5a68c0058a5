"""Migration 0003 of the service store is a snapshot of the log's tables: at the head
revision the store's notary_* and audit_* tables are exactly what ``notary.Log`` and
``gateway.audit._rows`` define (columns, types, nullability, keys, indexes), on SQLite and
PostgreSQL; a change to either module without a migration fails here. Downgrading below
0003 removes them and nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import notary
from gateway.audit._rows import METADATA
from gateway.service.store import Store, migrate
from tests.postgres import postgres_url

OURS = ("notary_", "audit_")


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite'}" if request.param == "sqlite" \
        else postgres_url()


def _table_of(diff: Any) -> str:
    """The table a compare_metadata diff is about."""
    if isinstance(diff, list):  # modify_* come grouped per column
        return str(diff[0][2])
    kind, obj = diff[0], diff[1]
    if kind in ("add_table", "remove_table"):
        return str(obj.name)
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
        return str(obj.table.name)
    return str(diff[2])  # add_column / remove_column: (kind, schema, table, column)


def log_metadata() -> sa.MetaData:
    """notary's and the follower's tables in one MetaData (as one store holds them)."""
    from notary._store import _meta

    combined = sa.MetaData()
    for table in (*_meta.tables.values(), *METADATA.tables.values()):
        table.to_metadata(combined)
    assert set(combined.tables) == {*notary.Log.TABLES, *METADATA.tables}
    return combined


def test_the_head_revision_holds_the_log_tables_as_the_code_defines_them(url: str) -> None:
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), log_metadata())
        ours = [d for d in diffs if _table_of(d).startswith(OURS)]
        assert ours == []
    finally:
        store.close()


def test_below_0003_the_log_tables_are_gone_and_come_back(url: str) -> None:
    store = Store(url)
    try:
        before = set(sa.inspect(store.engine).get_table_names())
        migrate(store.engine, "0002", down=True)
        after = set(sa.inspect(store.engine).get_table_names())
        gone = before - after
        assert {t for t in gone if t.startswith(OURS)} == set(log_metadata().tables)
        assert not {t for t in after if t.startswith(OURS)}
        migrate(store.engine)
        assert set(sa.inspect(store.engine).get_table_names()) == before
    finally:
        store.close()
