"""submit_batch over a scanned batch: refusals in the middle of a batch name the first
leaf at fault, as the Reading-per-leaf path did; totals are exact sums by (enterprise,
day, source) across meters, days and sources in one batch."""

from __future__ import annotations

import datetime
from decimal import Decimal

from accounting import readings as rd

from .conftest import E1, E2, World
from .test_readings import DAY0, batch_transient, day_of, reading, totals


def test_an_unknown_meter_after_known_ones_is_named_at_its_first_line(world: World) -> None:
    rows = day_of("M-1", count=96) + day_of("M-9", count=3)
    res = world.call("gateway", "readings:submit_batch", transient=batch_transient(rows))
    assert (res.status, res.message) == (404, "line 97: meter_id: unknown meter M-9")


def test_a_meter_of_another_enterprise_mid_batch(world: World) -> None:
    rows = day_of("M-1", count=5) + [reading("M-1", E2, 5, "3")] + day_of("M-1", first=6,
                                                                          count=3)
    res = world.call("gateway", "readings:submit_batch", transient=batch_transient(rows))
    assert res.status == 400
    assert res.message == (f"line 6: meter_id: expected a meter of {E2}, found 'M-1 (a "
                           f"meter of {E1})'"), res.message


def test_a_future_interval_after_past_ones_is_named(world: World) -> None:
    now = datetime.datetime.fromtimestamp(world.ledger.clock + 7, datetime.UTC)
    late = now.replace(minute=now.minute // 15 * 15, second=0)
    rows = [rd.Reading("M-1", E1, late - datetime.timedelta(minutes=15 * k), "electricity",
                       Decimal(k + 1), "kWh") for k in range(4, -1, -1)]
    res = world.call("gateway", "readings:submit_batch", transient=batch_transient(rows))
    assert res.status == 400
    assert res.message.startswith("line 5: interval_start: expected an interval that ended "
                                  "before the transaction's time"), res.message
    assert late.isoformat() in res.message


def test_totals_by_day_and_source_across_meters(world: World) -> None:
    # M-1 of E1 and M-2 of E2, electricity over the local midnight, and a day of coal
    start = DAY0 + datetime.timedelta(hours=23)
    rows = [rd.Reading(m, u, start + k * datetime.timedelta(minutes=15), "electricity",
                       Decimal(f"{k}.25"), "kWh") for m, u in (("M-1", E1), ("M-2", E2))
            for k in range(8)]
    rows.append(rd.Reading("M-1", E1, DAY0, "coal", Decimal("1.000001"), "t"))
    out = world.ok("gateway", "readings:submit_batch", transient=batch_transient(rows))
    assert out["recorded"] == 17
    d0, d1 = DAY0.date().isoformat(), (DAY0 + datetime.timedelta(days=1)).date().isoformat()
    assert totals(world, E1, frm=d0, to=d0)["totals"] == {
        "coal": {"quantity": "1.000001", "unit": "t", "readings": 1},
        "electricity": {"quantity": "7", "unit": "kWh", "readings": 4}}   # 0.25+..+3.25
    assert totals(world, E2, frm=d1, to=d1)["totals"] == {
        "electricity": {"quantity": "23", "unit": "kWh", "readings": 4}}  # 4.25+..+7.25
