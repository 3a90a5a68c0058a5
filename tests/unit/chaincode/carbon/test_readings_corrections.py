"""readings:correct: its own transaction, never overwriting; totals follow; history keeps
both values."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from accounting import readings as rd

from .conftest import E1, World
from .test_readings import correction_transient, day_of, reading, submit, totals


def test_correction_moves_totals_and_keeps_both_values(world: World) -> None:
    out = submit(world, day_of(count=4))                  # 10+11+12+13 = 46
    new = reading(n=2, qty="20")                          # was 12
    t = correction_transient(world, new, "meter replaced")
    res = world.call("gateway", "readings:correct", transient=t)
    assert res.status == 200, res.message
    assert {c for c, _k in res.writes} == {"privateReadings"}   # nothing public
    got = res.json()
    assert got == {"batch_id": out["batch_id"], "correction": res.tx_id, "corrections": 1}
    t_ = totals(world)["totals"]["electricity"]
    assert (t_["quantity"], t_["readings"]) == ("54", 4)
    loc = world.ok("regulator-client", "readings:locate", "M-1",
                   new.interval_start.isoformat())
    assert loc["leaf"].encode() == rd.encode(reading(n=2, qty="12"))   # the original stays
    assert [c["leaf"].encode() for c in loc["corrections"]] == [rd.encode(new)]
    assert loc["corrections"][0]["reason"] == "meter replaced"
    assert res.event is not None
    entry = json.loads(res.event[1])
    assert entry["entry"] == "readings.correct" and b"20" not in json.dumps(
        entry["keys"]).encode()
    assert rd.encode(new) not in res.event[1] and b"meter replaced" not in res.event[1]
    # a second correction follows the latest value
    world.ok("power-admin", "readings:correct",
             transient=correction_transient(world, reading(n=2, qty="0.5")))
    assert totals(world)["totals"]["electricity"]["quantity"] == "34.5"


def test_replaying_the_original_batch_after_a_correction_is_a_noop(world: World) -> None:
    rs = day_of(count=3)
    out = submit(world, rs)
    world.ok("gateway", "readings:correct",
             transient=correction_transient(world, reading(n=0, qty="1")))
    again = submit(world, rs)
    assert again["duplicate"] is True and again["batch_id"] == out["batch_id"]
    assert totals(world)["totals"]["electricity"]["quantity"] == str(1 + 11 + 12)


def test_correction_refusals(world: World) -> None:
    out = submit(world, day_of(count=2))
    cases = [
        (correction_transient(world, reading(n=5, qty="1"), batch_id=out["batch_id"]), 404,
         "reading "),
        (correction_transient(world, reading(n=0, qty="1"), batch_id="tx9999"), 409,
         f"meter M-1 at 2023-11-12T16:00:00+00:00 is recorded in batch {out['batch_id']}"),
        (correction_transient(world, reading(n=0, qty="10")), 409, "meter M-1 at "),
        (correction_transient(world, reading(n=0, qty="5", source="heat")), 400,
         "transient.reading: expected a electricity reading"),
        ({**correction_transient(world, reading(n=0, qty="1")), "reading": b"M-1,x"}, 400,
         "transient.reading: leaf: non-canonical bytes"),
        ({**correction_transient(world, reading(n=0, qty="1")), "reason": b""}, 400,
         "transient.reason:"),
    ]
    for t, status, start in cases:
        res = world.call("gateway", "readings:correct", transient=t)
        assert (res.status, res.message[:len(start)]) == (status, start), res.message
    for who in ("bank-admin", "certifier-admin", "power-client", "ent1"):
        res = world.call(who, "readings:correct",
                         transient=correction_transient(world, reading(n=0, qty="1")))
        assert res.status == 403 and res.message.startswith("refused by rule "
                                                            "readings.correct:"), who
    assert totals(world)["totals"]["electricity"]["quantity"] == "21"


def test_totals_span_days_and_sources(world: World) -> None:
    world.ok("regulator-admin", "registry:add_meter", E1, "G-1")
    submit(world, day_of(count=96))      # all of 2023-11-13
    prev = [rd.Reading("M-1", E1, reading().interval_start - n * datetime.timedelta(minutes=15),
                       "electricity", Decimal(1), "kWh")
            for n in (1, 2)]             # 2023-11-12 23:45 and 23:30 (+08:00)
    submit(world, prev)
    gas = rd.Reading("G-1", E1, reading().interval_start, "natural_gas", Decimal("2.125"),
                     "Nm3")
    submit(world, [gas])
    both = totals(world, frm="2023-11-12", to="2023-11-13")["totals"]
    assert both["electricity"]["readings"] == 98
    assert both["natural_gas"] == {"quantity": "2.125", "unit": "Nm3", "readings": 1}
    assert totals(world, frm="2023-11-12", to="2023-11-12")["totals"] == {
        "electricity": {"quantity": "2", "unit": "kWh", "readings": 2}}
    res = world.call("regulator-client", "account:totals", E1, "2023-01-01", "2024-12-31")
    assert res.status == 400 and res.message.startswith("to_date:")
