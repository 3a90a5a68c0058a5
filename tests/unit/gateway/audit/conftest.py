"""Where the audit tests keep a store: a path (the follower's own ``audit.db``), an SQLite
service store by URL, or a PostgreSQL service store (``tests/postgres.py``), both made by
the service store's migrations as ``network up`` makes them (docs/audit.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.postgres import postgres_url

NewStore = Callable[[str], "Path | str"]


def service_store(url: str) -> str:
    """A service store at ``url`` brought to the head revision (0003 made the log's tables)."""
    from gateway.service.store import Store

    Store(url).close()
    return url


@pytest.fixture(params=["path", "sqlite-url", "postgresql"])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> NewStore:
    """``new_store(name)``: the target to open a new, empty store at."""
    if request.param == "path":
        return lambda name: tmp_path / name
    if request.param == "sqlite-url":
        return lambda name: service_store(f"sqlite:///{tmp_path / name}")
    return lambda _name: service_store(postgres_url())


def raw_engine(target: Path | str) -> sa.Engine:
    """An engine on the store's database for a test that edits rows behind its back."""
    return sa.create_engine(target if isinstance(target, str) else f"sqlite:///{target}")
