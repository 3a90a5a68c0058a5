"""account:totals: an enterprise's metered totals per source over a range of days.

Totals are never kept in one key per enterprise (Fabric invalidates the second of two
transactions in a block that write the same key).  Every readings transaction writes one
delta key per (enterprise, UTC+08:00 day) it touches, named by its own transaction id
(_readings.total_key), and totals are summed here at read time: one partial-composite
range per day, exact Decimal sums, no rounding.  Days are calendar days in UTC+08:00
(China Standard Time, the only offset of the provinces this serves), inclusive.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from accounting import readings as rd
from chaincode.shim import Contract, Stub, transaction

from . import _args, _enterprise
from ._codec import load
from ._readings import COLLECTION
from ._rules import require

MAX_DAYS = 366


def day_range(from_date: str, to_date: str) -> list[str]:
    start = datetime.date.fromisoformat(_args.date("from_date", from_date))
    end = datetime.date.fromisoformat(_args.date("to_date", to_date))
    if end < start:
        raise _args.bad("to_date", f"a date on or after from_date {from_date}", to_date)
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise _args.bad("to_date", f"at most {MAX_DAYS} days after from_date", to_date)
    return [(start + datetime.timedelta(days=n)).isoformat() for n in range(days)]


class Account(Contract):
    name = "account"

    @transaction
    async def totals(self, stub: Stub, uscc: str, from_date: str,
                     to_date: str) -> dict[str, Any]:
        _enterprise.uscc("uscc", uscc)
        days = day_range(from_date, to_date)
        await require(stub, "account.totals", uscc=uscc)
        sums: dict[str, dict[str, Any]] = {}
        for day in days:
            rows = await stub.get_private_data_by_partial_composite_key(
                COLLECTION, "rtotal", [uscc, day]).to_list()
            for _key, raw in rows:
                for source, d in load(raw)["sources"].items():
                    t = sums.setdefault(source, {"quantity": Decimal(0), "unit": d["unit"],
                                                 "readings": 0})
                    t["quantity"] += Decimal(d["quantity"])
                    t["readings"] += d["readings"]
        totals = {s: {"quantity": rd.quantity_text(v["quantity"]), "unit": v["unit"],
                      "readings": v["readings"]} for s, v in sorted(sums.items())}
        return {"uscc": uscc, "from": from_date, "to": to_date, "totals": totals}
