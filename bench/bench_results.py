"""results:compute in-process: what one endorser spends on a period's result.

Runs the real carbon contract and shim on the MemoryLedger seam (no peer, no gRPC), with
M meters of one enterprise, each with a day of 96 fifteen-minute electricity readings on
every one of D days (one batch per day for all meters), and times ``results:compute`` over
the D days: slot and delta reads (one per meter-day, one per batch), ``accounting`` for the
period and each month, canonical JSON.  A real peer adds a gRPC round trip per read; Fabric
stops a chaincode call after ``chaincode.executetimeout`` (30 s by default).

    .venv/bin/python bench/bench_results.py [--meters 1,10] [--days 31,365] [--rounds 3]
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from accounting import readings as rd  # noqa: E402
from tests.unit.chaincode.carbon import results_world as rw  # noqa: E402
from tests.unit.chaincode.carbon.conftest import E1, build_world  # noqa: E402


def world_with(meters: int, days: int) -> tuple[Any, str]:
    w = build_world()
    w.ledger.clock = 1_710_000_000   # 2024-03-09: every day of 2023 has ended
    rw.in_force(w, "factor_set", rw.FACTOR_SET)
    ids = ["M-1"] + [f"M-B{n}" for n in range(1, meters)]
    for m in ids[1:]:
        w.ok("regulator-admin", "registry:add_meter", E1, m)
    start = datetime.date(2023, 1, 1)
    for d in range(days):
        day = (start + datetime.timedelta(days=d)).isoformat()
        batch = [rd.Reading(m, E1, rw._at(day, n), "electricity", Decimal(f"{10 + n}.25"),
                            "kWh", "measured") for m in sorted(ids) for n in range(96)]
        rw.submit(w, batch)
    end = (start + datetime.timedelta(days=days - 1)).isoformat()
    rw.declare(w, start=start.isoformat(), end=end)
    return w, end


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--meters", default="1,10")
    ap.add_argument("--days", default="31,365")
    ap.add_argument("--rounds", type=int, default=3)
    ns = ap.parse_args()
    print(f"{'meters':>6} {'days':>5} {'readings':>9} {'slot+delta reads':>17} "
          f"{'compute ms (best)':>18} {'record KiB':>11}")
    for meters in (int(x) for x in ns.meters.split(",")):
        for days in (int(x) for x in ns.days.split(",")):
            w, end = world_with(meters, days)
            best, size = float("inf"), 0
            for _ in range(ns.rounds):
                # each round a fresh copy of the state: compute refuses identical inputs
                saved = dict(w.ledger.state)
                t0 = time.process_time()
                res = w.call("regulator-client", "results:compute", E1, "2023-01-01", end, "",
                             transient={"salt": rw.RESULT_SALT})
                best = min(best, time.process_time() - t0)
                assert res.status == 200, res.message
                # the record as stored (the answer names it by digest only)
                size = max(len(v) for (c, k), v in w.ledger.state.items()
                           if c == "privateReadings" and k.startswith("\x00result\x00"))
                w.ledger.state = saved
            reads = meters * days + days
            print(f"{meters:>6} {days:>5} {meters * days * 96:>9} {reads:>17} "
                  f"{best * 1000:>18.1f} {size / 1024:>11.1f}")
            w.ledger.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
