"""readings:submit_batch: decoding, registry checks, replays, overlaps, privacy."""

from __future__ import annotations

import datetime
import hashlib
import json
from decimal import Decimal

import pytest
from fabric_protos.peer.chaincode_shim_pb2 import ChaincodeMessage as Msg

import notary
from accounting import readings as rd

from .conftest import E1, E2, World

SALT = bytes(range(32))
DAY0 = datetime.datetime(2023, 11, 13, 0, 0, tzinfo=rd.CHINA)   # before the ledger's clock


def reading(meter: str = "M-1", uscc: str = E1, n: int = 0, qty: str = "12.5",
            source: str = "electricity", quality: str = "measured") -> rd.Reading:
    start = DAY0 + n * datetime.timedelta(minutes=15) if source not in rd.DAILY_SOURCES else DAY0
    return rd.Reading(meter, uscc, start, source, Decimal(qty), rd.SOURCES[source], quality)


def day_of(meter: str = "M-1", uscc: str = E1, first: int = 0, count: int = 96,
           base: int = 10) -> list[rd.Reading]:
    return [reading(meter, uscc, n, str(base + n)) for n in range(first, first + count)]


def batch_transient(readings: list[rd.Reading], salt: bytes = SALT) -> dict[str, bytes]:
    return {"batch": rd.encode_batch(readings), "salt": salt}


def submit(w: World, readings: list[rd.Reading], who: str = "gateway") -> dict:
    return w.ok(who, "readings:submit_batch", transient=batch_transient(readings))


def correction_transient(w: World, new: rd.Reading, reason: str = "meter re-read",
                         batch_id: str | None = None) -> dict[str, bytes]:
    if batch_id is None:
        batch_id = w.ok("regulator-admin", "readings:locate", new.meter_id,
                        new.interval_start.isoformat())["batch_id"]
    return {"reading": rd.encode(new), "batch_id": batch_id.encode(), "reason": reason.encode(),
            "salt": SALT}


def totals(w: World, uscc: str = E1, who: str = "regulator-client",
           frm: str = "2023-11-13", to: str = "2023-11-13") -> dict:
    return w.ok(who, "account:totals", uscc, frm, to)


def test_batch_is_recorded_privately_with_one_salted_event(world: World) -> None:
    rs = day_of(count=8)
    t = batch_transient(rs)
    res = world.call("gateway", "readings:submit_batch", transient=t)
    assert res.status == 200, res.message
    out = res.json()
    root = notary.root_hash(rd.leaves(t["batch"]))
    sealed = "sha256:" + hashlib.sha256(SALT + root).hexdigest()
    # the answer is in every peer's block (the endorsed response): the commitment, no root
    assert out == {"batch_id": res.tx_id, "commitment": sealed, "count": 8, "recorded": 8,
                   "duplicate": False}
    assert root.hex().encode() not in res.payload and root not in res.payload
    assert {c for c, _k in res.writes} == {"privateReadings"}   # nothing public
    assert res.event is not None
    entry = json.loads(res.event[1])
    assert entry["entry"] == "readings.submit"
    assert entry["commitments"] == {"batch": "sha256:" + hashlib.sha256(SALT + root).hexdigest()}
    assert entry["keys"] == {"batch_id": res.tx_id, "count": 8, "recorded": 8,
                             "duplicate": False}
    assert root.hex().encode() not in res.event[1]
    for r in rs:   # no quantity, no leaf anywhere public
        assert rd.encode(r) not in res.event[1]
    public = b"".join(v for (c, _k), v in world.ledger.state.items() if c == "")
    assert b"electricity" not in public and rd.encode(rs[0]) not in public


def test_totals_sum_the_distinct_readings(world: World) -> None:
    submit(world, day_of(count=4))                      # 10+11+12+13 = 46
    submit(world, day_of(first=4, count=2))             # 14+15 = 29
    submit(world, [reading("M-2", E2, 0, "7")])
    assert totals(world) == {"uscc": E1, "from": "2023-11-13", "to": "2023-11-13",
                             "totals": {"electricity": {"quantity": "75", "unit": "kWh",
                                                        "readings": 6}}}
    assert totals(world, E2)["totals"]["electricity"]["quantity"] == "7"
    assert totals(world, frm="2023-11-14", to="2023-11-20")["totals"] == {}


def test_identical_batch_is_a_noop_returning_the_original_id(world: World) -> None:
    rs = day_of(count=5)
    first = submit(world, rs)
    res = world.call("gateway", "readings:submit_batch", transient=batch_transient(rs, b"x" * 32))
    again = res.json()
    assert again["duplicate"] is True and again["batch_id"] == first["batch_id"]
    assert again["recorded"] == 0 and again["commitment"] == "sha256:" + hashlib.sha256(
        b"x" * 32 + rd.batch_root(rd.encode_batch(rs))).hexdigest()
    assert rd.batch_root(rd.encode_batch(rs)).hex().encode() not in res.payload
    # the replay writes only a private note (so it commits under the collection's policy)
    assert [k.split("\x00")[1] for c, k in res.writes] == ["rreplay"]
    assert totals(world)["totals"]["electricity"]["readings"] == 5


def test_overlap_with_same_values_counts_only_new_readings(world: World) -> None:
    submit(world, day_of(count=4))
    out = submit(world, day_of(first=2, count=4))   # 2 known + 2 new
    assert (out["count"], out["recorded"], out["duplicate"]) == (4, 2, False)
    t = totals(world)["totals"]["electricity"]
    assert (t["quantity"], t["readings"]) == (str(sum(range(10, 16))), 6)


def test_overlap_with_other_values_is_refused_naming_the_first_clash(world: World) -> None:
    first = submit(world, day_of(count=4))
    clash = [reading(n=1, qty="11"), reading(n=2, qty="99"), reading(n=3, qty="98")]
    res = world.call("gateway", "readings:submit_batch", transient=batch_transient(clash))
    assert res.status == 409
    assert res.message.startswith("line 2: meter M-1 at 2023-11-12T16:30:00+00:00 is already "
                                  f"recorded with another value (batch {first['batch_id']}, "
                                  "index 2)"), res.message
    assert totals(world)["totals"]["electricity"]["readings"] == 4


@pytest.mark.parametrize(("rows", "status", "start"), [
    ([reading("M-9")], 404, "line 1: meter_id: unknown meter M-9"),
    ([reading("M-2", E1)], 400, "line 1: meter_id: expected a meter of " + E1),
    ([reading("M-1", "91110000600037341L")], 404,
     "line 1: uscc: unknown enterprise 91110000600037341L"),
])
def test_registry_refusals(world: World, rows: list, status: int, start: str) -> None:
    res = world.call("gateway", "readings:submit_batch", transient=batch_transient(rows))
    assert (res.status, res.message[:len(start)]) == (status, start), res.message


def test_registry_reads_do_not_grow_with_the_meters_of_a_batch(world: World) -> None:
    """One read of each enterprise answers for all its meters (docs/readings.md): a shim
    round trip costs each endorser more than a reading's checks."""
    for m in range(2, 31):
        world.ok("regulator-admin", "registry:add_meter", E1, f"M-1{m:02d}")
    public_reads = []
    for first, meters in ((0, ["M-1", "M-102"]), (8, ["M-1", *(f"M-1{m:02d}" for m in
                                                               range(2, 31))])):
        rows = [r for m in meters for r in day_of(m, first=first, count=4)]
        submit(world, rows)
        msgs = world.ledger.requests
        assert msgs.count((Msg.GET_STATE, "privateReadings")) == len(meters)   # the slots
        public_reads.append(msgs.count((Msg.GET_STATE, "")))
    assert public_reads[0] == public_reads[1] <= 3, public_reads


def test_future_interval_is_refused(world: World) -> None:
    now = datetime.datetime.fromtimestamp(world.ledger.clock + 7, datetime.UTC)
    late = rd.Reading("M-1", E1, now.replace(minute=now.minute // 15 * 15, second=0),
                      "electricity", Decimal(1), "kWh")
    res = world.call("gateway", "readings:submit_batch", transient=batch_transient([late]))
    assert res.status == 400 and res.message.startswith("line 1: interval_start: expected an "
                                                        "interval that ended before"), res.message


@pytest.mark.parametrize(("batch", "start"), [
    (b"M-1,914403001922038216,20231112T1600Z,electricity,-1,kWh,m",
     "transient.batch: line 1: quantity: negative quantity -1"),
    (b"M-1,914403001922038216,20231112T1600Z,electricity,1.50,kWh,m",
     "transient.batch: line 1: quantity: non-canonical decimal"),
    (b"M-1,914403001922038216,20231112T1600Z,electricity,1,MWh,m",
     "transient.batch: line 1: unit: electricity is in kWh"),
    (b"M-1,914403001922038216,20231112T1605Z,electricity,1,kWh,m",
     "transient.batch: line 1: interval_start: aligned to 15 minutes"),
    (b"M-1,914403001922038216,20231112T1615Z,electricity,1,kWh,m\n"
     b"M-1,914403001922038216,20231112T1600Z,electricity,1,kWh,m",
     "transient.batch: line 2: batch: non-canonical order"),
    (b"M-1,914403001922038216,20231112T1600Z,electricity,1,kWh,m\n",
     "transient.batch: line 2: leaf: non-canonical bytes"),
])
def test_non_canonical_or_invalid_batches_are_400(world: World, batch: bytes,
                                                   start: str) -> None:
    res = world.call("gateway", "readings:submit_batch", transient={"batch": batch,
                                                                     "salt": SALT})
    assert res.status == 400 and res.message.startswith(start), res.message


def test_missing_or_short_transient_is_400(world: World) -> None:
    res = world.call("gateway", "readings:submit_batch", transient={"salt": SALT})
    assert res.status == 400 and res.message.startswith("transient.batch:")
    t = batch_transient(day_of(count=1), salt=b"short")
    res = world.call("gateway", "readings:submit_batch", transient=t)
    assert res.status == 400 and res.message.startswith("transient.salt:")


def test_bank_is_refused_by_rule(world: World) -> None:
    for who in ("bank-client", "bank-admin", "power-admin", "ent1"):
        res = world.call(who, "readings:submit_batch", transient=batch_transient(day_of(count=1)))
        assert res.status == 403 and res.message.startswith(
            "refused by rule readings.submit: needs a PowerMSP meter-gateway identity"), who
    res = world.call("bank-client", "account:totals", E1, "2023-11-13", "2023-11-13")
    assert res.status == 403 and res.message.startswith("refused by rule account.totals:")


def test_private_values_carry_a_nonce_so_their_hashes_are_not_guessable(world: World) -> None:
    submit(world, [reading(n=0, qty="5")])
    for (coll, key), value in world.ledger.state.items():
        if coll == "privateReadings":
            doc = json.loads(value)
            assert len(doc["nonce"]) == 64, key


def test_locate_and_get_batch(world: World) -> None:
    rs = day_of(count=3)
    out = submit(world, rs)
    got = world.ok("ent1", "readings:locate", "M-1", rs[1].interval_start.isoformat())
    assert (got["batch_id"], got["index"], got["root"]) == (
        out["batch_id"], 1, rd.batch_root(rd.encode_batch(rs)).hex())
    assert got["leaf"].encode() == rd.encode(rs[1]) and got["corrections"] == []
    proof = rd.inclusion_proof(rd.encode_batch(rs), 1)
    notary.verify_inclusion(notary.leaf_hash(got["leaf"].encode()), 1, 3, proof,
                            bytes.fromhex(got["root"]))
    batch = world.ok("certifier-client", "readings:get_batch", out["batch_id"])
    assert batch["uscc"] == [E1] and batch["count"] == 3 and "salt" not in batch
    res = world.call("ent2", "readings:locate", "M-1", rs[1].interval_start.isoformat())
    assert res.status == 403 and res.message.startswith("refused by rule readings.read:")


def test_daily_source_interval_rule(world: World) -> None:
    world.ok("regulator-admin", "registry:add_meter", E1, "C-1")
    out = submit(world, [reading("C-1", source="coal", qty="3.25")])
    assert out["recorded"] == 1
    assert totals(world)["totals"]["coal"] == {"quantity": "3.25", "unit": "t", "readings": 1}
