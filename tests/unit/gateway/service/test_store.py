"""The store's schema comes from the Alembic migrations on both backends, downgrades
cleanly, and gives back aware UTC times (SQLite keeps no offset)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import inspect

from gateway.audit._rows import METADATA as AUDIT_METADATA
from gateway.service.store import Job, Store, migrate
from gateway.service.store._models import Base
from notary._store import _meta as NOTARY_METADATA


def test_migrations_build_the_models_schema_and_go_back(db_url: str) -> None:
    store = Store(db_url)
    tables = set(inspect(store.engine).get_table_names())
    notary_log = set(NOTARY_METADATA.tables) | set(AUDIT_METADATA.tables)  # 0003, not models
    assert set(Base.metadata.tables) | notary_log | {"alembic_version"} == tables
    for table in Base.metadata.tables.values():  # every model column is in the table
        columns = {c["name"] for c in inspect(store.engine).get_columns(table.name)}
        assert {c.name for c in table.columns} == columns, table.name
    migrate(store.engine, "base", down=True)
    assert set(inspect(store.engine).get_table_names()) == {"alembic_version"}
    migrate(store.engine)
    assert "job" in inspect(store.engine).get_table_names()


def test_times_come_back_aware_in_utc(db_url: str) -> None:
    store = Store(db_url)
    when = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with store.session() as s:
        s.add(Job(id="a" * 32, kind="readings", state="queued", owner="o", media_type="text/csv",
                  seq=1, size_bytes=0, readings_read=0, readings_committed=0,
                  readings_refused=0, batches=0, attempts=0, created_at=when))
    with store.session() as s:
        job = s.get(Job, "a" * 32)
        assert job is not None
        assert job.created_at == when and job.created_at.tzinfo == dt.UTC
        assert job.updated_at.tzinfo == dt.UTC
