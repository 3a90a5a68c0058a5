"""The totals deltas of an enterprise's period, found with point reads only.

``account:totals`` finds an enterprise-day's deltas with a range query over
``rtotal / uscc / day / *``.  A transaction that writes may not do that on Fabric: the peer
refuses any write after a range query on private data ("Transaction has already performed
queries on pvt data. Writes are not allowed"), because such reads cannot be re-validated at
commit.  ``results:compute`` writes its record, so it finds the deltas another way: every
reading of a meter-day is in that meter's slot (``rslot / meter / day``, _readings_slot.py)
with the transaction that recorded it and each correction's transaction, so the slots of
the enterprise's meters (the registry lists them) name every (day, transaction) that wrote a
delta.  Each of those delta keys is then read by its exact key and summed, as
``account:totals`` sums them; the slots' own figures must agree with each delta (an
inconsistent ledger is a bug, raised as such, never a silently different total).

A point read per (meter, day) and per delta: a year of one meter is some 365 + batches reads;
the key-read set is recorded in the transaction, so a batch committed meanwhile for one of
those meter-days invalidates the result at commit (MVCC) instead of being left out.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from chaincode.shim import Stub

from ._codec import load
from ._readings import COLLECTION, batch_key, get_private, total_key
from ._readings_slot import slot_key

Sums = dict[str, dict[str, Any]]


def _bump(into: dict[tuple[str, str], Sums], day: str, tx_id: str, tail: str,
          quantity: Decimal, count: int) -> None:
    source, _q, unit, _quality = tail.split(",")
    per = into.setdefault((day, tx_id), {})
    t = per.setdefault(source, {"quantity": Decimal(0), "unit": unit, "readings": 0})
    t["quantity"] += quantity
    t["readings"] += count


async def expected_deltas(stub: Stub, meters: list[str], days: list[str]
                          ) -> dict[tuple[str, str], Sums]:
    """(day, tx id) -> per-source sums, as the readings transactions wrote them, from the
    meters' slots: a batch adds its readings (count 1 each), a correction new - previous."""
    found: dict[tuple[str, str], Sums] = {}
    for day in days:
        for meter in meters:
            raw = await stub.get_private_data(COLLECTION, slot_key(meter, day))
            if not raw:
                continue
            doc = load(raw)
            for hhmm, (pos, _index, tail) in sorted(doc["entries"].items()):
                previous = Decimal(tail.split(",")[1])
                _bump(found, day, doc["batches"][pos], tail, previous, 1)
                for tx_id, fixed, _why, _ts in doc["corrections"].get(hhmm, ()):
                    value = Decimal(fixed.split(",")[1])
                    _bump(found, day, tx_id, fixed, value - previous, 0)
                    previous = value
    return found


async def period_deltas(stub: Stub, uscc: str, meters: list[str],
                        days: list[str]) -> list[dict[str, Any]]:
    """The stored deltas of the period, ordered by (day, tx id), each with its kind and the
    batch root: ``{"tx_id", "day", "kind", "root", "sources"}``."""
    out: list[dict[str, Any]] = []
    roots: dict[str, str | None] = {}
    for (day, tx_id), want in sorted((await expected_deltas(stub, meters, days)).items()):
        raw = await stub.get_private_data(COLLECTION, total_key(uscc, day, tx_id))
        if not raw:
            raise RuntimeError(f"the totals delta of {uscc} {day} tx {tx_id} is missing "
                               "though the slots record its readings")
        sources = load(raw)["sources"]
        seen = {s: (Decimal(d["quantity"]), d["readings"]) for s, d in sources.items()}
        if seen != {s: (d["quantity"], d["readings"]) for s, d in want.items()}:
            raise RuntimeError(f"the totals delta of {uscc} {day} tx {tx_id} ({seen}) differs "
                               f"from its readings in the slots ({want})")
        if tx_id not in roots:
            batch = await get_private(stub, batch_key(tx_id))
            roots[tx_id] = batch["root"] if batch else None
        out.append({"tx_id": tx_id, "day": day,
                    "kind": "batch" if roots[tx_id] else "correction",
                    "root": roots[tx_id], "sources": sources})
    return out
