"""Readings committed per second on a real network through readings:submit_batch.

Meter-major batches (a day of 96 readings for each of N meters; distinct meter-days, so no
MVCC conflicts), each batch sent as transient data to the three privateReadings members,
W batches in flight, committed VALID; prints readings/s end to end at several batch sizes
and the peers' CPU seconds over each run; the last row is endorsed by two members only
(the collection's policy needs any two).  Uses its own network (CARBONTRUST_RUN_DIR name
h-rd, CARBONTRUST_PORT_BASE or 26000), brought up and taken down here.

    .venv/bin/python bench/bench_readings_ledger.py
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import network  # noqa: E402
from accounting import readings as rd  # noqa: E402
from bench._common import proc_cpu  # noqa: E402
from tests.integration.carbon_world import Who, World, carbon_network  # noqa: E402

MEMBERS = ["PowerMSP", "CertifierMSP", "RegulatorMSP"]
TWO = ["PowerMSP", "RegulatorMSP"]   # the collection's OutOf(2) is met by any two members
DAY0 = datetime.datetime(2025, 1, 1, tzinfo=rd.CHINA)
IN_FLIGHT = 8


def cpu_seconds(pids: list[int]) -> float:
    return sum(proc_cpu(pid) for pid in pids)


def main() -> None:
    base = int(os.environ.get("CARBONTRUST_PORT_BASE", "26000"))
    for net in carbon_network("h-rd", base):
        w = World(net)
        e = network.enrol_meter_gateway(net, "gw-bench")
        gw = Who("gw", "PowerMSP", e.cert_pem, e.key_pem, "PowerMSP")
        meters = [f"B-{i:03d}" for i in range(52)]
        for m in meters:
            w.submit("regulator-admin", "registry:add_meter", w.e1, m)
        contract = w.s.contract(gw)
        procs = [n for n in net.sup.names() if n.startswith(("peer0.", "ccserver."))]
        pids = [p for p in (net.sup.pid(n) for n in procs) if p]
        day_n = 0
        print(f"{'meters x 96':>12} {'readings/batch':>15} {'endorsers':>10} {'batches':>8} "
              f"{'readings/s':>11} {'peer+cc CPU s':>14}")
        for n_meters, batches, endorsers in ((10, 24, MEMBERS), (52, 16, MEMBERS),
                                             (52, 16, TWO)):
            payloads = []
            for _ in range(batches):
                start = DAY0 + datetime.timedelta(days=day_n)
                day_n += 1
                rs = [rd.Reading(m, w.e1, start + i * datetime.timedelta(minutes=15),
                                 "electricity", Decimal(i + 1) / 4, "kWh")
                      for m in meters[:n_meters] for i in range(96)]
                payloads.append({"batch": rd.encode_batch(rs), "salt": os.urandom(32)})

            def one(t: dict[str, bytes], contract: Any = contract,
                    endorsers: list[str] = endorsers) -> str:
                sub = contract.submit_async("readings:submit_batch", [], transient=t,
                                            endorsing_organizations=endorsers)
                return str(sub.status().code_name)

            cpu0, t0 = cpu_seconds(pids), time.perf_counter()
            with ThreadPoolExecutor(IN_FLIGHT) as pool:
                codes = list(pool.map(one, payloads))
            dt = time.perf_counter() - t0
            valid = codes.count("VALID")
            print(f"{n_meters:>12} {n_meters * 96:>15} {len(endorsers):>10} "
                  f"{valid:>4}/{batches:<3} "
                  f"{valid * n_meters * 96 / dt:>11.0f} {cpu_seconds(pids) - cpu0:>14.1f}")
        w.s.close()


if __name__ == "__main__":
    main()
