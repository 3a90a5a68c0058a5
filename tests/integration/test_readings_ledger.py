"""Metered readings on real peers (issue 11): a CA-enrolled meter gateway submits batches as
transient data to the privateReadings members; totals, replay no-op, overlap refusal, the
bank refused, and concurrent batches for one enterprise all VALID.

Its own network (PORT_BASE), fresh each run.
"""

from __future__ import annotations

import datetime
import hashlib
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

import gateway as g
import network
from accounting import readings as rd

from .carbon_world import Who, World, carbon_network
from .test_carbon_ledger import _tx_in_block

PORT_BASE = 25500
MEMBERS = ("PowerMSP", "CertifierMSP", "RegulatorMSP")
DAY0 = datetime.datetime(2026, 9, 1, tzinfo=rd.CHINA)   # in the past: intervals have ended
CONCURRENT = int(os.environ.get("CARBONTRUST_READINGS_CONCURRENT", "24"))


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    for net in carbon_network("it-test_readings_ledger", PORT_BASE):
        w = World(net)
        enrolled = network.enrol_meter_gateway(net, "gw-readings")   # through PowerMSP's CA
        w.who["meter-gw"] = Who("meter-gw", "PowerMSP", enrolled.cert_pem, enrolled.key_pem,
                                "PowerMSP")
        yield w
        w.s.close()


def day(meter: str, uscc: str, day_n: int, base: int = 1) -> list[rd.Reading]:
    start = DAY0 + datetime.timedelta(days=day_n)
    return [rd.Reading(meter, uscc, start + n * datetime.timedelta(minutes=15), "electricity",
                       Decimal(base + n) / 10, "kWh") for n in range(96)]


def batch(readings: list[rd.Reading], salt: bytes = bytes(range(32))) -> dict[str, bytes]:
    return {"batch": rd.encode_batch(readings), "salt": salt}


def total(w: World, who: str, uscc: str, frm: str, to: str) -> dict:
    return w.evaluate(who, "account:totals", uscc, frm, to)


def test_submit_totals_replay_and_overlap(world: World) -> None:
    rs = day(world.m1, world.e1, 0)
    res, tx_id, block = world.submit_full("meter-gw", "readings:submit_batch",
                                          transient=batch(rs), orgs=MEMBERS)
    assert (res["batch_id"], res["count"], res["recorded"]) == (tx_id, 96, 96)
    root = rd.batch_root(rd.encode_batch(rs))
    assert res["commitment"] == "sha256:" + hashlib.sha256(bytes(range(32)) + root).hexdigest()
    endorsers, writes = _tx_in_block(world, block, tx_id)
    assert writes["public"] == [] and "BankMSP" not in endorsers   # private only
    want = {"electricity": {"quantity": str(sum(r.quantity for r in rs)), "unit": "kWh",
                            "readings": 96}}
    for who in ("regulator-client", "certifier-client", "power-client", "ent-own"):
        got = total(world, who, world.e1, "2026-09-01", "2026-09-01")
        assert got["totals"] == want, who
    # the identical batch again: a no-op naming the original, committed VALID
    again = world.submit("meter-gw", "readings:submit_batch", transient=batch(rs, b"y" * 32),
                         orgs=MEMBERS)
    assert again["duplicate"] is True and again["batch_id"] == tx_id
    assert total(world, "regulator-client", world.e1, "2026-09-01",
                 "2026-09-01")["totals"] == want
    # another value for a recorded interval: refused, naming the first clash
    clash = [rd.Reading(world.m1, world.e1, rs[5].interval_start, "electricity",
                        Decimal("99"), "kWh")]
    with pytest.raises(g.EndorseError) as err:
        world.submit("meter-gw", "readings:submit_batch", transient=batch(clash), orgs=MEMBERS)
    assert "chaincode response 409" in str(err.value)
    assert f"already recorded with another value (batch {tx_id}, index 5)" in str(err.value)
    # located and proven under the batch root
    got = world.evaluate("certifier-client", "readings:locate", world.m1,
                         rs[5].interval_start.isoformat())
    import notary
    notary.verify_inclusion(notary.leaf_hash(got["leaf"].encode()), 5, 96,
                            rd.inclusion_proof(rd.encode_batch(rs), 5),
                            bytes.fromhex(got["root"]))


def test_the_bank_is_refused(world: World) -> None:
    rs = day(world.m1, world.e1, 40)
    with pytest.raises(g.GatewayError) as err:
        world.submit("bank-client", "readings:submit_batch", transient=batch(rs),
                     orgs=MEMBERS)
    assert "refused by rule readings.submit:" in str(err.value)
    with pytest.raises(g.EvaluateError) as err:
        total(world, "bank-client", world.e1, "2026-09-01", "2026-09-30")
    assert "refused by rule account.totals:" in str(err.value)


def test_concurrent_batches_for_one_enterprise_all_commit_valid(world: World) -> None:
    c = world.s.contract(world.who["meter-gw"])
    days = [day(world.m1, world.e1, 1 + n, base=n) for n in range(CONCURRENT)]
    subs = [c.submit_async("readings:submit_batch", [], transient=batch(rs),
                           endorsing_organizations=MEMBERS) for rs in days]
    statuses = [s.status() for s in subs]
    codes = [s.code_name for s in statuses]
    assert codes == ["VALID"] * CONCURRENT, codes
    assert len({s.block_number for s in statuses}) < CONCURRENT   # some shared a block
    world.wait_everywhere(max(s.block_number for s in statuses))
    last = (DAY0 + datetime.timedelta(days=CONCURRENT)).date().isoformat()
    got = total(world, "regulator-client", world.e1, "2026-09-02", last)
    want = sum(r.quantity for rs in days for r in rs)
    assert got["totals"]["electricity"] == {"quantity": rd.quantity_text(want), "unit": "kWh",
                                            "readings": 96 * CONCURRENT}


def _files_containing(root: Path, needles: list[bytes]) -> dict[bytes, list[str]]:
    found: dict[bytes, list[str]] = {n: [] for n in needles}
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            for n in needles:
                if n in data:
                    found[n].append(str(path.relative_to(root)))
    return found


def test_the_bank_peer_stores_no_value_and_no_total(world: World) -> None:
    """After ingestion, the bank peer's block files, state database and private data store
    hold none of the values or the total; the same search of the power company's peer
    finds them (so the search can see what it looks for)."""
    start = DAY0 + datetime.timedelta(days=60)
    rs = [rd.Reading(world.m2, world.e2, start + n * datetime.timedelta(minutes=15),
                     "electricity", Decimal("7310.918273") + Decimal(n) / 1000, "kWh")
          for n in range(96)]
    _res, _tx, block = world.submit_full("meter-gw", "readings:submit_batch",
                                         transient=batch(rs), orgs=MEMBERS)
    world.wait_everywhere(block)
    day_text = start.date().isoformat()
    got = total(world, "regulator-client", world.e2, day_text, day_text)
    total_text = got["totals"]["electricity"]["quantity"].encode()
    assert total_text == rd.quantity_text(sum(r.quantity for r in rs)).encode()
    needles = [rd.quantity_text(r.quantity).encode() for r in rs[::19]] + [total_text]
    data = world.net.run_dir / "data"
    bank = _files_containing(data / "peer0.bank", needles)
    assert all(not where for where in bank.values()), bank
    power = _files_containing(data / "peer0.power", needles)
    assert power[needles[0]] and power[total_text], power   # the search works


def test_overlapping_batches_endorsed_together_cannot_both_commit(world: World) -> None:
    """Both endorsed against the same state (neither sees the other), then submitted: the
    replay index's read of the meter-day makes the second MVCC_READ_CONFLICT at commit, so
    the overlap is caught at commit time, not only at endorsement."""
    c = world.s.contract(world.who["meter-gw"])
    a = day(world.m1, world.e1, 80, base=1)
    b = day(world.m1, world.e1, 80, base=500)[40:]          # same meter-day, other values
    txs = [c.new_proposal("readings:submit_batch", [], transient=batch(rs),
                          endorsing_organizations=MEMBERS).endorse() for rs in (a, b)]
    statuses = [t.submit().status() for t in txs]
    assert [s.code_name for s in statuses] == ["VALID", "MVCC_READ_CONFLICT"]
    world.wait_everywhere(statuses[0].block_number)
    d = (DAY0 + datetime.timedelta(days=80)).date().isoformat()
    got = total(world, "certifier-client", world.e1, d, d)["totals"]["electricity"]
    assert got == {"quantity": rd.quantity_text(sum(r.quantity for r in a)), "unit": "kWh",
                   "readings": 96}
