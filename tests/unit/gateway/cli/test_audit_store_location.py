"""Where ``carbontrust audit`` finds the log: a follower directory's ``audit.db``, the
service store its ``database.url`` names (``make up``: the follower writes there), or a
database URL given to ``--store``; on SQLite and PostgreSQL service stores. A reader never
creates a store, and a database without the log's tables names the migration."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from gateway.audit.__main__ import record_database
from tests.postgres import postgres_url
from tests.unit.gateway.audit.conftest import service_store
from tests.unit.gateway.cli.audit_world import World, ts
from tests.unit.gateway.cli.conftest import USCC, write_profile
from tests.unit.gateway.cli.test_audit_prove import _third_party_check


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """``store_url()``: a new service store at the head revision (its URL)."""
    if request.param == "sqlite":
        return lambda: service_store(f"sqlite:///{tmp_path / 'services' / 'store.sqlite'}")
    return lambda: service_store(postgres_url())


def filled(directory: Path, url: str) -> tuple[str, int]:
    """A log in the service store at ``url`` (its follower's key directory: ``directory``):
    an anchored entry; (its tx id, the anchored size)."""
    w = World(directory, url)
    try:
        w.register_keys(ts(0))
        tx = w.add("registry.register_enterprise", {"uscc": USCC}, ts(1))
        return tx, w.anchor(ts(2))
    finally:
        w.close()


def test_store_given_as_a_url_proves_from_the_service_store(run, tmp_path: Path,
                                                            store_url: Callable[[], str]):
    url = store_url()
    tx, size = filled(tmp_path / "follower", url)
    assert not (tmp_path / "follower" / "audit.db").exists()  # the log is in the store
    r = run("audit", "prove", tx, "--store", url)
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert out["checkpoint"]["size"] == size
    _third_party_check(out)


def test_the_default_follows_the_followers_database_pointer(run, tmp_path: Path,
                                                            store_url: Callable[[], str]):
    """``make demo``'s case: the run dir's follower directory holds its key and
    ``database.url``; the commands find the log in the service store with no --store."""
    profile = write_profile(tmp_path / "run")
    follower = tmp_path / "run" / "notary" / "regulator"
    url = store_url()
    tx, _size = filled(follower, url)
    env = {"CARBONTRUST_PROFILE": str(profile)}
    r = run("audit", "prove", tx, "--as", "RegulatorMSP", environ=env)
    assert r.code == 2 and str(follower / "audit.db") in r.err  # no pointer yet: not found
    record_database(follower, url)  # what the follower does when it starts
    r = run("audit", "prove", tx, "--as", "RegulatorMSP", environ=env)
    assert r.code == 0, r.err
    assert json.loads(r.out)["tx_id"] == tx
    assert not (follower / "audit.db").exists()  # reading created nothing


def test_a_database_without_the_log_names_the_migration_and_stays_untouched(
        run, tmp_path: Path):
    from gateway.service.store import Store, migrate

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    service = Store(url)
    migrate(service.engine, "0002", down=True)  # a store from before the log moved in
    service.close()
    r = run("audit", "history", "batch", "b1", "--store", url)
    assert r.code == 2 and "holds no notary log" in r.err and "migration 0003" in r.err
    absent = tmp_path / "absent.sqlite"
    r = run("audit", "history", "batch", "b1", "--store", f"sqlite:///{absent}")
    assert r.code == 2 and "no SQLite database" in r.err
    assert not absent.exists()
    r = run("audit", "history", "batch", "b1", "--store", "mysql://u@h/db")
    assert r.code == 2 and "SQLite or PostgreSQL" in r.err


def test_a_password_in_the_url_is_not_printed(run) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url()).set(password="pw-not-to-print")  # a database, no tables
    r = run("audit", "history", "batch", "b1", "--store",
            url.render_as_string(hide_password=False))
    assert r.code == 2 and "holds no notary log" in r.err
    assert "pw-not-to-print" not in r.err + r.out


def test_a_file_is_not_a_follower_directory(run, tmp_path: Path):
    (tmp_path / "audit.db").write_bytes(b"")
    r = run("audit", "history", "batch", "b1", "--store", str(tmp_path / "audit.db"))
    assert r.code == 2 and "follower directory" in r.err
