"""Endorsers agree byte for byte on a result; one with another factor value disagrees, and
the difference can be named from the peers' ``results:preview`` answers.

Two MemoryLedgers with the same committed state stand for two endorsing peers receiving
one proposal (same transaction id and time).  The second runs ``accounting`` with a factor
set whose southern grid factor was changed in its data (as if its chaincode server were
deployed with another data file: the set keeps its version and claimed digest)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import accounting
from accounting import _factors
from accounting._data import Document, load_document
from chaincode.carbon import contracts
from gateway.cli.results import first_difference

from . import results_world as rw
from .conftest import E1, World
from .ledger import MemoryLedger, Result

TAMPERED = "0.9999"


def tampered_set() -> accounting.FactorSet:
    doc = load_document("factors", rw.FACTOR_SET)
    content = copy.deepcopy(doc.content)
    assert content["grid"]["southern"]["value"] == "0.4042"
    content["grid"]["southern"]["value"] = TAMPERED
    return _factors.FactorSet(Document(doc.kind, doc.version, doc.digest, content))


@contextmanager
def other_factor_value(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    bad = tampered_set()
    real = _factors._load_cached
    with monkeypatch.context() as m:
        m.setattr(_factors, "_load_cached",
                  lambda v: bad if v == rw.FACTOR_SET else real(v))
        yield


def twin(w: World) -> MemoryLedger:
    """A second peer: the same committed state; the next proposal gets the same id/time."""
    peer = MemoryLedger(contracts(test_contracts=False))
    peer.state = dict(w.ledger.state)
    peer.clock = w.ledger.clock
    peer._ids = copy.copy(w.ledger._ids)
    return peer


def endorse_on_both(w: World, peer: MemoryLedger, fn: str, *args: str,
                    monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[Result, Result]:
    who = w["regulator-client"]
    transient = {"salt": rw.RESULT_SALT}
    first = w.ledger.invoke(who, fn, *args, transient=transient)
    if monkeypatch is None:
        second = peer.invoke(who, fn, *args, transient=transient)
    else:
        with other_factor_value(monkeypatch):
            second = peer.invoke(who, fn, *args, transient=transient)
    return first, second


def stored_writes(ledger: MemoryLedger, res: Result) -> dict[Any, bytes]:
    return {k: ledger.state[k] for k in res.writes}


@pytest.fixture
def ready(world: World) -> Iterator[World]:
    rw.prepare(world)
    yield world


def test_honest_endorsers_agree_byte_for_byte(ready: World) -> None:
    peer = twin(ready)
    a, b = endorse_on_both(ready, peer, "results:compute", E1, rw.START, rw.END, "")
    assert a.status == b.status == 200
    assert a.tx_id == b.tx_id
    assert a.payload == b.payload and a.event == b.event
    assert stored_writes(ready.ledger, a) == stored_writes(peer, b)
    peer.close()


def test_an_endorser_with_another_factor_value_disagrees_and_is_named(
        ready: World, monkeypatch: pytest.MonkeyPatch) -> None:
    peer = twin(ready)
    a, b = endorse_on_both(ready, peer, "results:compute", E1, rw.START, rw.END, "",
                           monkeypatch=monkeypatch)
    # both "succeed" on their own: what the gateway compares is their answers
    assert a.status == b.status == 200
    assert a.payload != b.payload                              # gateway: do not match
    assert stored_writes(ready.ledger, a) != stored_writes(peer, b)   # private hashes differ
    # the client asks each organisation what it would record, and names the difference
    mine = ready.ok("certifier-client", "results:preview", E1, rw.START, rw.END, "")
    with other_factor_value(monkeypatch):
        theirs = peer.invoke(ready["certifier-client"], "results:preview", E1, rw.START,
                             rw.END, "").json()
    where, x, y = first_difference(mine, theirs) or ("", None, None)
    lines = mine["result"]["lines"]
    i = next(n for n, ln in enumerate(lines) if ln["source"] == "electricity")
    assert where == f"result.lines[{i}].factors[0].value"
    assert (x, y) == ("0.4042", TAMPERED)
    peer.close()


def test_the_tampered_set_really_changes_the_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Control: the stand-in for another deployment computes other emissions."""
    doc = {"enterprise": {"id": E1, "region": "southern"},
           "period": {"start": rw.START, "end": rw.END}, "factor_set": rw.FACTOR_SET,
           "activity": [{"source": "electricity", "quantity": "1000", "unit": "MWh"}]}
    honest = accounting.compute(doc).total_tco2e
    with other_factor_value(monkeypatch):
        other = accounting.compute(doc).total_tco2e
    assert (str(honest), str(other)) == ("404.200", "999.900")
