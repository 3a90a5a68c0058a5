"""rating:compute / get: ratings of attested results with the rule set in force."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

import accounting
from chaincode.carbon._codec import canonical

from . import results_world as rw
from .conftest import E1, World


@pytest.fixture
def computed(world: World) -> tuple[World, dict[str, Any]]:
    rw.prepare(world)
    return world, rw.compute(world)


def _expected(result: dict[str, Any]) -> dict[str, Any]:
    rec = result["record"]
    computed = accounting.compute(rec["accounting_input"])
    return accounting.rate_result(
        computed, accounting.load_rule_set(rw.RULE_SET),
        accounting.load_benchmark_set(accounting.DEFAULT_BENCHMARK_SET),
        rec["enterprise"]["industry"]).to_dict()


@pytest.mark.parametrize("opinion", ["unmodified", "qualified"])
def test_rating_of_an_attested_result(computed: tuple[World, Any], opinion: str) -> None:
    w, result = computed
    att = rw.attest(w, result, opinion=opinion).json()
    res = rw.rate(w)
    assert res.status == 200, res.message
    assert {c for c, _k in res.writes} == {"privateReadings"}
    answer = res.json()    # in every peer's block: public facts only
    out = rw.rating_of(w, answer)
    assert answer == {"uscc": E1, "period": {"start": rw.START, "end": rw.END},
                      "version": 1, "rule_set": rw.RULE_SET, "tx_id": res.tx_id,
                      "digest": "sha256:" + hashlib.sha256(canonical(out)).hexdigest()}
    assert out["rating"] == _expected(result)
    assert out["rating"]["label"] == "D"     # 40.793 t / 52.5 = 0.777 vs 0.40: ratio 1.94
    assert out["attestation"] == {"statement_digest": att["statement_digest"],
                                  "opinion": opinion, "assurance": "reasonable",
                                  "tx_id": att["attested"]["tx_id"]}
    assert out["result"] == {"version": 1, "digest": result["digest"]}
    assert out["rule_set"]["version"] == rw.RULE_SET
    assert out["rule_set"]["digest"] == accounting.load_rule_set(rw.RULE_SET).digest
    assert res.event is not None
    entry = json.loads(res.event[1])
    assert entry["commitments"] == {"rating": "sha256:" + hashlib.sha256(
        canonical(out)).hexdigest()}
    assert b'"D"' not in res.event[1]
    assert w.ok("ent1", "rating:get", E1, rw.START, rw.END, "") == {"ratings": [out]}


def test_adverse_withdrawn_or_missing_attestation_is_refused(
        computed: tuple[World, Any]) -> None:
    w, result = computed
    res = rw.rate(w)
    assert res.status == 404 and "attestation" in res.message
    rw.attest(w, result, opinion="adverse")
    res = rw.rate(w)
    assert res.status == 409 and "adverse" in res.message


def test_withdrawn_attestation_is_refused(computed: tuple[World, Any]) -> None:
    w, result = computed
    rw.attest(w, result)
    w.ok("certifier-client", "attestation:withdraw", E1, rw.START, rw.END, "1", "faulty")
    res = rw.rate(w)
    assert res.status == 409 and "withdrawn" in res.message


def test_rated_once_per_rule_set(computed: tuple[World, Any]) -> None:
    w, result = computed
    rw.attest(w, result)
    assert rw.rate(w).status == 200
    res = rw.rate(w, "regulator-client")
    assert res.status == 409 and "rated with gz-ae-d1 already" in res.message


@pytest.mark.parametrize(("who", "status"), [
    ("regulator-client", 200), ("certifier-admin", 200), ("ent1", 200),
    ("bank-client", 403), ("power-client", 403), ("ent2", 403), ("gateway", 403)])
def test_who_may_rate(computed: tuple[World, Any], who: str, status: int) -> None:
    w, result = computed
    rw.attest(w, result)
    res = rw.rate(w, who)
    assert res.status == status, res.message
    if status == 403:
        assert "rating.compute" in res.message


def test_who_may_read_ratings(computed: tuple[World, Any]) -> None:
    w, result = computed
    rw.attest(w, result)
    rw.rate(w)
    for who in ("power-client", "certifier-client", "regulator-admin", "ent1"):
        assert len(w.ok(who, "rating:get", E1, rw.START, rw.END, "1")["ratings"]) == 1
    for who in ("bank-client", "ent2"):
        res = w.call(who, "rating:get", E1, rw.START, rw.END, "1")
        assert res.status == 403 and "rating.read" in res.message


def test_no_rule_set_in_force(world: World) -> None:
    rw.in_force(world, "factor_set", rw.FACTOR_SET)
    rw.declare(world)
    result = rw.compute(world)
    rw.attest(world, result)
    res = rw.rate(world)
    assert res.status == 409 and "no rule_set is in force" in res.message


def test_an_endorser_whose_accounting_differs_refuses(computed: tuple[World, Any],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    w, result = computed
    rw.attest(w, result)
    import chaincode.carbon._rating as rating_mod

    real = rating_mod.run

    def drifted(doc: dict[str, Any]) -> Any:
        return real({**doc, "denominators": {}})     # stands for another accounting
    monkeypatch.setattr(rating_mod, "run", drifted)
    res = rw.rate(w)
    assert res.status == 409 and "recomputes to" in res.message
    assert result["record"]["result_digest"] in res.message
