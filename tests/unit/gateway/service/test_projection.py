"""The projection of the ledger's events: each event and its checkpoint in one database
transaction, so a failure or a kill -9 at any point loses nothing and stores nothing twice;
on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from gateway.service._projection import Projector
from gateway.service.store import LedgerEvent, Store
from tests.unit.gateway.service.conftest import FakeEvents, ServiceFactory, auth
from tests.unit.gateway.service.run_projector import Event

REPO = Path(__file__).resolve().parents[4]


def _events(n: int, start: int = 0) -> list[Event]:
    return [Event(i // 3, f"t{i}", "carbon", "registry.register_enterprise",
                  f'{{"n": {i}}}'.encode()) for i in range(start, start + n)]


def _stored(store: Store) -> list[str]:
    with store.session() as s:
        return list(s.execute(select(LedgerEvent.transaction_id)
                              .order_by(LedgerEvent.seq)).scalars())


def test_a_failure_inside_the_transaction_moves_nothing(db_url: str) -> None:
    store = Store(db_url)
    projector = Projector(store, FakeEvents())
    first, second = _events(2)
    projector.apply(first)
    bad = Event(second.block_number, second.transaction_id, "carbon", "x", None)  # type: ignore
    with pytest.raises(IntegrityError):  # no payload (NOT NULL): fails at the commit
        projector.apply(bad)
    assert projector.position().transaction_id == "t0" and _stored(store) == ["t0"]
    with pytest.raises(IntegrityError):  # the same transaction id again: refused, not counted
        projector.apply(first)
    assert projector.position().events == 1
    projector.apply(second)
    assert _stored(store) == ["t0", "t1"] and projector.position().block_number == 0


def test_a_restarted_projector_resumes_after_its_checkpoint(db_url: str) -> None:
    store = Store(db_url)
    source = FakeEvents()
    source.push(*_events(10))
    source.close()  # the stream ends after what was pushed
    assert Projector(store, source).run_once() == 10
    again = FakeEvents()
    again.push(*_events(25))  # the ledger again from block 0, grown
    again.close()
    assert Projector(store, again).run_once() == 15
    assert again.opened[0].block_number == 3 and again.opened[0].transaction_id == "t9"
    assert _stored(store) == [f"t{i}" for i in range(25)]


def test_events_route_pages_the_projection(service: ServiceFactory, db_url: str) -> None:
    client, world = service("regulator", db_url=db_url)
    world.events.push(*_events(7))
    deadline = time.monotonic() + 10
    h = auth(client, "u-auditor")
    while client.get("/healthz").json()["projection"]["events"] < 7:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    seen, cursor = [], None
    while True:
        page = client.get("/v1/events", headers=h,
                          params={"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [(e["seq"], e["transaction_id"], e["payload"]["n"]) for e in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [(i + 1, f"t{i}", i) for i in range(7)]


def test_kill_9_while_projecting_loses_nothing_and_repeats_nothing(db_url: str) -> None:
    Store(db_url).close()  # migrate first, so the kill never lands inside a migration
    total = 600
    script = [sys.executable, str(REPO / "tests/unit/gateway/service/run_projector.py"),
              db_url, str(total)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    store = Store(db_url, upgrade=False)
    for _ in range(3):  # three kills at different points
        proc = subprocess.Popen(script, env=env, stdout=subprocess.PIPE)
        before = len(_stored(store))
        deadline = time.monotonic() + 30
        while len(_stored(store)) < before + 60 and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    middle = len(_stored(store))
    assert 0 < middle < total
    out = subprocess.run(script, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"projected {total - middle}"
    assert _stored(store) == [f"t{i}" for i in range(total)]
    with store.session() as s:
        seqs = list(s.execute(select(LedgerEvent.seq).order_by(LedgerEvent.seq)).scalars())
        assert seqs == list(range(1, total + 1))
        assert s.execute(select(func.count()).select_from(LedgerEvent)).scalar() == total
