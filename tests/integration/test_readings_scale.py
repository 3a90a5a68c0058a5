"""100 concurrent reading batches for one enterprise all commit VALID (issue 11), and the
totals equal the sum of the distinct readings exactly on every peer that may read them.

100 meters of one enterprise, a day of 96 readings each, one batch per meter: all 100
proposals are endorsed first (so none saw another's writes), then all are sent to ordering
together and land in a few blocks.  Each writes its own (meter, day) slot and its own
totals delta key (rtotal / uscc / day / tx id), so no two share a key.  Then the case that
does share a key: two batches with disjoint halves of one meter-day, endorsed together,
collide on that meter-day's slot (the second is MVCC_READ_CONFLICT, nothing of it written);
sent again (what the submitter does) it commits, and nothing is counted twice.

Its own network (PORT_BASE), fresh each run.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from decimal import Decimal

import pytest

from accounting import readings as rd

from .carbon_world import World, carbon_network, next_number

PORT_BASE = 19000
MEMBERS = ("PowerMSP", "CertifierMSP", "RegulatorMSP")
DAY0 = datetime.datetime(2026, 9, 15, tzinfo=rd.CHINA)   # in the past
METERS = 100


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    for net in carbon_network("it-test_readings_scale", PORT_BASE):
        w = World(net)
        yield w
        w.s.close()


def day_of(meter: str, uscc: str, day: datetime.datetime, m: int) -> list[rd.Reading]:
    return [rd.Reading(meter, uscc, day + n * datetime.timedelta(minutes=15), "electricity",
                       Decimal(m * 1000 + n) / 1000 + Decimal("0.000001") * m, "kWh")
            for n in range(96)]


def batch(readings: list[rd.Reading]) -> dict[str, bytes]:
    return {"batch": rd.encode_batch(readings), "salt": bytes(range(32))}


def totals_on_every_member_peer(w: World, whos: tuple[str, ...], uscc: str, day: str
                                ) -> dict[tuple[str, str], dict]:
    """account:totals evaluated by each identity on each member's peer (targeted)."""
    out = {}
    for who in whos:
        c = w.s.contract(w.who[who])
        for org in MEMBERS:
            raw = c.evaluate("account:totals", [uscc, day, day], endorsing_organizations=(org,))
            out[(who, org)] = json.loads(raw)["totals"]
    return out


def test_100_concurrent_batches_for_one_enterprise_all_commit_valid(world: World) -> None:
    meters = [f"S-{next_number()}-{m}" for m in range(METERS)]
    for m in meters:   # one by one, each on every peer: add_meter rewrites the enterprise
        world.submit("regulator-admin", "registry:add_meter", world.e1, m)
    days = [day_of(m, world.e1, DAY0, i) for i, m in enumerate(meters)]
    c = world.s.contract(world.who["gateway"])
    endorsed = [c.new_proposal("readings:submit_batch", [], transient=batch(rs),
                               endorsing_organizations=MEMBERS).endorse() for rs in days]
    subs = [t.submit() for t in endorsed]          # all 100 in flight at once
    statuses = [s.status() for s in subs]
    codes = [s.code_name for s in statuses]
    assert codes == ["VALID"] * METERS, {k: codes.count(k) for k in set(codes)}
    blocks = {s.block_number for s in statuses}
    assert len(blocks) < METERS / 4, sorted(blocks)   # they did share blocks
    world.wait_everywhere(max(blocks))
    want = sum((r.quantity for rs in days for r in rs), Decimal(0))
    day = DAY0.date().isoformat()
    got = totals_on_every_member_peer(world, ("regulator-client", "ent-own"), world.e1, day)
    expected = {"electricity": {"quantity": rd.quantity_text(want), "unit": "kWh",
                                "readings": 96 * METERS}}
    assert got == {k: expected for k in got}, got
    assert len(got) == 2 * len(MEMBERS)


def test_two_concurrent_batches_sharing_a_meter_day_conflict_and_the_resend_commits(
        world: World) -> None:
    meter = f"S-{next_number()}-half"
    world.submit("regulator-admin", "registry:add_meter", world.e1, meter)
    day = DAY0 + datetime.timedelta(days=1)
    rs = day_of(meter, world.e1, day, 7)
    c = world.s.contract(world.who["gateway"])
    halves = [rs[:48], rs[48:]]                      # disjoint intervals, one meter-day
    endorsed = [c.new_proposal("readings:submit_batch", [], transient=batch(h),
                               endorsing_organizations=MEMBERS).endorse() for h in halves]
    statuses = [t.submit().status() for t in endorsed]
    assert [s.code_name for s in statuses] == ["VALID", "MVCC_READ_CONFLICT"]
    world.wait_everywhere(statuses[0].block_number)
    again = c.submit_async("readings:submit_batch", [], transient=batch(halves[1]),
                           endorsing_organizations=MEMBERS)
    assert again.status().code_name == "VALID"
    world.wait_everywhere(again.status().block_number)
    want = {"electricity": {"quantity": rd.quantity_text(sum((r.quantity for r in rs), Decimal(0))),
                            "unit": "kWh", "readings": 96}}
    got = totals_on_every_member_peer(world, ("certifier-client",), world.e1,
                                      day.date().isoformat())
    assert got == {k: want for k in got} and len(got) == len(MEMBERS), got



def test_a_member_that_did_not_endorse_holds_the_batch_at_commit(world: World) -> None:
    """privateReadings disseminates nothing at endorsement (required and max peer count 0,
    docs/readings.md): a batch endorsed by two members only reaches the third's peer when it
    commits the block (it pulls the private data from the endorsers)."""
    meter = f"S-{next_number()}-two"
    world.submit("regulator-admin", "registry:add_meter", world.e1, meter)
    day = DAY0 + datetime.timedelta(days=2)
    rs = day_of(meter, world.e1, day, 11)
    sub = world.s.contract(world.who["gateway"]).submit_async(
        "readings:submit_batch", [], transient=batch(rs),
        endorsing_organizations=("PowerMSP", "RegulatorMSP"))
    status = sub.status()
    assert status.code_name == "VALID"
    world.wait_everywhere(status.block_number)
    c = world.s.contract(world.who["certifier-client"])
    got = json.loads(c.evaluate("readings:locate", [meter, rs[7].interval_start.isoformat()],
                                endorsing_organizations=("CertifierMSP",)))
    assert got["leaf"].encode() == rd.encode(rs[7])
    totals = totals_on_every_member_peer(world, ("certifier-client",), world.e1,
                                         day.date().isoformat())
    want = {"electricity": {"quantity": rd.quantity_text(sum((r.quantity for r in rs), Decimal(0))),
                            "unit": "kWh", "readings": 96}}
    assert totals == {k: want for k in totals} and len(totals) == len(MEMBERS), totals
