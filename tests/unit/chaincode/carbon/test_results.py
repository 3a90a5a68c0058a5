"""results:compute / preview / get: accounting on the ledger, private, cited inputs, refusals."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import pytest

import accounting
from accounting import readings as rd
from chaincode.carbon._codec import canonical

from . import results_world as rw
from .conftest import E1, E2, World


@pytest.fixture
def ready(world: World) -> World:
    rw.prepare(world)
    return world


def test_result_is_private_and_its_digest_is_the_ledgers_hash(ready: World) -> None:
    res = ready.call("regulator-client", "results:compute", E1, rw.START, rw.END, "",
                     transient={"salt": rw.RESULT_SALT})
    assert res.status == 200, res.message
    assert {c for c, _k in res.writes} == {"privateReadings"}   # nothing public
    answer = res.json()    # in every peer's block: the public facts only
    out = ready.ok("regulator-client", "results:get", E1, rw.START, rw.END, "1")
    stored = [v for (c, k), v in ready.ledger.state.items()
              if c == "privateReadings" and k.startswith("\x00result\x00")]
    assert len(stored) == 1 and stored[0] == canonical(out["record"])
    assert out["digest"] == "sha256:" + hashlib.sha256(stored[0]).hexdigest()
    assert answer == {"uscc": E1, "period": {"start": rw.START, "end": rw.END},
                      "version": 1, "digest": out["digest"], "tx_id": res.tx_id}
    assert res.event is not None
    entry = json.loads(res.event[1])
    assert entry["entry"] == "results.compute"
    assert entry["commitments"] == {"result": out["digest"]} and entry["digests"] == {}
    assert entry["keys"] == {"uscc": E1, "period_start": rw.START, "period_end": rw.END,
                             "version": 1, "factor_set": rw.FACTOR_SET}
    for figure in ("8448.5", "14892", out["record"]["result"]["total_tco2e"],
                   rw.RESULT_SALT.hex()):
        assert figure.encode() not in res.event[1]
        assert figure.encode() not in res.payload   # the answer is in every block too


def test_result_cites_its_inputs_and_recomputes(ready: World) -> None:
    rec = rw.compute(ready)["record"]
    assert accounting.verify_result(rec["accounting_input"], canonical(rec["result"]))
    assert rec["result_digest"] == "sha256:" + hashlib.sha256(
        canonical(rec["result"])).hexdigest()
    fs = accounting.load_factor_set(rw.FACTOR_SET)
    assert rec["inputs"]["factor_set"]["version"] == rw.FACTOR_SET
    assert rec["inputs"]["factor_set"]["digest"] == fs.digest
    totals = ready.ok("regulator-client", "account:totals", E1, rw.START, rw.END)
    assert rec["inputs"]["totals"]["totals"] == totals["totals"]
    # the deltas sum to the totals; the months too
    for source, t in totals["totals"].items():
        deltas = [d["sources"][source] for d in rec["inputs"]["deltas"] if source in d["sources"]]
        assert sum(Decimal(d["quantity"]) for d in deltas) == Decimal(t["quantity"])
        months = [m["totals"][source] for m in rec["inputs"]["monthly"].values()
                  if source in m["totals"]]
        assert sum(Decimal(m["quantity"]) for m in months) == Decimal(t["quantity"])
    kinds = sorted(d["kind"] for d in rec["inputs"]["deltas"])
    assert kinds == ["batch", "batch", "batch", "correction"]
    for d in rec["inputs"]["deltas"]:
        if d["kind"] == "batch":
            batch = ready.ok("regulator-client", "readings:get_batch", d["tx_id"])
            assert d["root"] == batch["root"]
        else:
            assert d["root"] is None and d["sources"]["electricity"]["quantity"] == "0.5"
    op = rec["inputs"]["operating_data"]
    assert op["declaration"]["denominators"] == rw.FIGURES
    assert rec["accounting_input"]["denominators"] == rw.FIGURES
    assert op["digest"] == "sha256:" + hashlib.sha256(canonical(op["declaration"])).hexdigest()
    lines = {ln["source"]: ln for ln in rec["result"]["lines"]}
    assert lines["electricity"]["quantity"] == "8448.5"     # 96 readings, one corrected
    assert lines["bituminous_coal"]["quantity"] == "2.5"    # coal weighed as bituminous
    assert rec["source_map"]["coal"] == "bituminous_coal"
    monthly_total = sum(Decimal(m["total_tco2e"]) for m in rec["inputs"]["monthly"].values())
    assert abs(monthly_total - Decimal(rec["result"]["total_tco2e"])) <= Decimal("0.002")


def test_preview_is_what_compute_records(ready: World) -> None:
    preview = ready.ok("certifier-client", "results:preview", E1, rw.START, rw.END, "")
    rec = rw.compute(ready)["record"]
    assert preview == {k: rec[k] for k in ("inputs", "accounting_input", "result",
                                           "result_digest")}


@pytest.mark.parametrize("who", ["regulator-client", "regulator-admin", "certifier-client",
                                 "certifier-admin", "ent1"])
def test_who_may_compute(ready: World, who: str) -> None:
    assert rw.compute(ready, who)["record"]["computed"]["by"]["mspid"] == ready[who].mspid


@pytest.mark.parametrize("who", ["bank-client", "bank-admin", "power-client", "power-admin",
                                 "gateway", "ent2"])
def test_others_are_refused(ready: World, who: str) -> None:
    res = ready.call(who, "results:compute", E1, rw.START, rw.END, "",
                     transient={"salt": rw.RESULT_SALT})
    assert res.status == 403 and "results.compute" in res.message, res.message
    assert not res.writes


def test_a_suspended_enterprise_cannot_compute_its_own(ready: World) -> None:
    ready.ok("regulator-admin", "registry:set_status", E1, "suspended", "audit")
    res = ready.call("ent1", "results:compute", E1, rw.START, rw.END, "",
                     transient={"salt": rw.RESULT_SALT})
    assert res.status == 403 and "suspended" in res.message


def test_reading_a_result(ready: World) -> None:
    out = rw.compute(ready)
    for who in ("power-client", "certifier-client", "regulator-admin", "ent1"):
        assert ready.ok(who, "results:get", E1, rw.START, rw.END, "") == out
    for who in ("bank-client", "ent2", "gateway"):
        res = ready.call(who, "results:get", E1, rw.START, rw.END, "1")
        assert res.status == 403 and "results.read" in res.message, (who, res.message)


def test_same_inputs_twice_are_refused_new_inputs_make_a_new_version(ready: World) -> None:
    first = rw.compute(ready)
    res = ready.call("regulator-client", "results:compute", E1, rw.START, rw.END, "",
                     transient={"salt": rw.RESULT_SALT})
    assert res.status == 409 and "version 1 has these inputs" in res.message
    late = rd.Reading("M-1", E1, rw._at("2023-03-20"), "electricity", Decimal("7"), "kWh",
                      "measured")
    rw.submit(ready, [late])
    second = rw.compute(ready)
    rec = second["record"]
    assert rec["version"] == 2
    assert rec["supersedes"] == {"version": 1, "digest": first["digest"]}
    assert rec["inputs"]["totals"]["totals"]["electricity"]["quantity"] == "8455.5"
    assert ready.ok("ent1", "results:get", E1, rw.START, rw.END, "") == second
    assert ready.ok("ent1", "results:get", E1, rw.START, rw.END, "1") == first


def test_missing_inputs(world: World) -> None:
    res = world.call("regulator-client", "results:compute", E1, rw.START, rw.END, "",
                     transient={"salt": rw.RESULT_SALT})
    assert res.status == 409 and "no factor_set is in force" in res.message
    rw.in_force(world, "factor_set", rw.FACTOR_SET)
    res = world.call("regulator-client", "results:compute", E1, rw.START, rw.END, "",
                     transient={"salt": rw.RESULT_SALT})
    assert res.status == 404 and "operating data" in res.message
    rw.declare(world)
    out = rw.compute(world)["record"]   # no readings: zero emissions, still a result
    assert out["result"]["total_tco2e"] == "0.000" and out["inputs"]["deltas"] == []


def test_factor_set_of_another_year_is_refused_naming_the_field(ready: World) -> None:
    res = ready.call("regulator-client", "results:compute", E1, rw.START, rw.END,
                     "cn-2022.1", transient={"salt": rw.RESULT_SALT})
    assert res.status == 409 and "never activated" in res.message
    ready.ok("regulator-admin", "governance:propose", "factor_set", "cn-2022.1",
             accounting.load_factor_set("cn-2022.1").digest,
             json.dumps({"orgs": ["BankMSP"], "required": 1}))
    ready.ok("bank-admin", "governance:approve", "factor_set", "cn-2022.1",
             accounting.load_factor_set("cn-2022.1").digest)
    ready.ok("regulator-admin", "governance:activate", "factor_set", "cn-2022.1")
    res = ready.call("regulator-client", "results:compute", E1, rw.START, rw.END,
                     "cn-2022.1", transient={"salt": rw.RESULT_SALT})
    assert res.status == 409 and "factor_set" in res.message and "2023" in res.message, \
        res.message


@pytest.mark.parametrize(("args", "field"), [
    ((E1, "2023-01-01", "2024-01-31", ""), "to_date"),
    ((E1, "2023-02-01", "2023-01-31", ""), "to_date"),
    ((E1, "2023-1-01", "2023-01-31", ""), "from_date"),
    (("91440300708461136X", rw.START, rw.END, ""), "uscc"),
    ((E1, rw.START, rw.END, "CN 2023"), "factor_set"),
])
def test_bad_arguments_are_400_naming_the_field(ready: World, args: tuple[str, ...],
                                                field: str) -> None:
    res = ready.call("regulator-client", "results:compute", *args,
                     transient={"salt": rw.RESULT_SALT})
    assert res.status == 400 and res.message.startswith(field), res.message


def test_salt_is_required(ready: World) -> None:
    res = ready.call("regulator-client", "results:compute", E1, rw.START, rw.END, "")
    assert res.status == 400 and res.message.startswith("transient.salt")
    res = ready.call("regulator-client", "results:get", E1, rw.START, rw.END, "0")
    assert res.status == 400 and res.message.startswith("version")


def test_another_enterprises_result_is_apart(ready: World) -> None:
    rw.declare(ready, "ent2", E2)
    out = rw.compute(ready, "ent2", E2)["record"]
    assert out["inputs"]["deltas"] == [] and out["uscc"] == E2


def test_a_delta_the_slots_do_not_explain_is_a_bug_named_not_a_silent_total(
        ready: World) -> None:
    key = next(k for (c, k) in ready.ledger.state
               if c == "privateReadings" and k.startswith("\x00rtotal\x00"))
    doc = json.loads(ready.ledger.state[("privateReadings", key)])
    source = next(iter(doc["sources"]))
    doc["sources"][source]["quantity"] = "1"
    ready.ledger.state[("privateReadings", key)] = canonical(doc)
    res = ready.call("regulator-client", "results:compute", E1, rw.START, rw.END, "",
                     transient={"salt": rw.RESULT_SALT})
    assert res.status == 500 and "differs from its readings in the slots" in res.message
    assert not res.writes


def test_the_seam_refuses_writes_after_a_private_range_query(ready: World) -> None:
    """As a peer does; results:compute therefore finds the deltas by point reads."""
    from chaincode.shim import Contract, Stub, transaction

    class RangeThenWrite(Contract):
        name = "probe"

        @transaction
        async def go(self, stub: Stub) -> str:
            await stub.get_private_data_by_partial_composite_key(
                "privateReadings", "rtotal", [E1]).to_list()
            await stub.put_private_data("privateReadings", "k", b"v")
            return "written"

    from chaincode.carbon import contracts

    from .ledger import MemoryLedger
    ledger = MemoryLedger([*contracts(test_contracts=False), RangeThenWrite()])
    res = ledger.invoke(ready["regulator-client"], "probe:go")
    ledger.close()
    assert res.status == 500 and "Writes are not allowed" in res.message


def test_a_province_without_a_factor_that_year_uses_its_regional_grid(ready: World) -> None:
    ready.ok("regulator-admin", "registry:update_enterprise", E1, '{"region":"guangdong"}')
    assert "guangdong" not in accounting.load_factor_set(rw.FACTOR_SET).grid
    rec = rw.compute(ready)["record"]
    assert rec["enterprise"]["region"] == "guangdong" and rec["enterprise"]["grid"] == "southern"
    assert rec["accounting_input"]["enterprise"]["region"] == "southern"
    line = next(ln for ln in rec["result"]["lines"] if ln["source"] == "electricity")
    assert line["region"] == "southern" and line["factors"][0]["id"] == "grid.southern"


def test_every_month_of_the_period_is_listed_zero_when_nothing_was_metered(
        world: World) -> None:
    rw.in_force(world, "factor_set", rw.FACTOR_SET)
    rw.declare(world)
    rw.submit(world, rw.readings()[1])           # gas in February only
    months = rw.compute(world)["record"]["inputs"]["monthly"]
    assert sorted(months) == ["2023-01", "2023-02", "2023-03"]
    assert months["2023-01"]["totals"] == {} and months["2023-01"]["total_tco2e"] == "0.000"
    assert months["2023-02"]["totals"]["natural_gas"]["readings"] == 48
