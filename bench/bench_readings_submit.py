"""Readings/s committed end to end through ``carbontrust readings submit`` on a real network.

The console script as a user runs it (a CSV file, the meter gateway Meter1, the journal and
the raw batch store on disk), at several batch sizes, for a file in meter order (each meter's
days contiguous) and one in time order (every meter at each interval). Prints readings/s
(wall clock of the whole command, start-up included), the submitter's CPU seconds and the
peers' and chaincode servers' CPU seconds. Its own network (run directory .run/h-ing,
CARBONTRUST_PORT_BASE or 27500), brought up and taken down here.

    .venv/bin/python -m bench.bench_readings_submit
"""

from __future__ import annotations

import datetime
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from accounting import readings as rd
from bench.bench_readings_ledger import cpu_seconds
from tests.integration.carbon_world import World, carbon_network

REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).parent / "carbontrust"
COMMAND = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "gateway.cli"]
METERS = 40
DAYS = 8
HEADER = "meter_id,uscc,interval_start,source,quantity,unit\n"


def write_csv(path: Path, uscc: str, meters: list[str], day0: datetime.datetime,
              meter_major: bool) -> int:
    starts = [day0 + datetime.timedelta(minutes=15 * i) for i in range(96 * DAYS)]
    pairs = ([(m, s) for m in meters for s in starts] if meter_major
             else [(m, s) for s in starts for m in meters])
    with open(path, "w") as f:
        f.write(HEADER)
        for n, (m, s) in enumerate(pairs):
            f.write(f"{m},{uscc},{s.isoformat()},electricity,{Decimal(n % 997) / 4},kWh\n")
    return len(pairs)


def children_cpu() -> float:
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def main() -> None:
    base = int(os.environ.get("CARBONTRUST_PORT_BASE", "27500"))
    for net in carbon_network("h-ing", base):
        w = World(net)
        meters = [f"S-{i:03d}" for i in range(METERS)]
        for m in meters:
            w.submit("regulator-admin", "registry:add_meter", w.e1, m)
        procs = [n for n in net.sup.names() if n.startswith(("peer0.", "ccserver."))]
        pids = [p for p in (net.sup.pid(n) for n in procs) if p]
        env = {**os.environ, "CARBONTRUST_RUN_DIR": str(net.run_dir)}
        env.pop("CARBONTRUST_PROFILE", None)
        print(f"{os.cpu_count()} cpus; {METERS} meters x {DAYS} days x 96 intervals per run; "
              "8 batches in flight")
        print(f"{'order':>6} {'batch':>6} {'readings':>9} {'seconds':>8} {'readings/s':>11} "
              f"{'submitter CPU s':>16} {'peers+cc CPU s':>15}")
        day = datetime.datetime(2025, 3, 1, tzinfo=rd.CHINA)
        with tempfile.TemporaryDirectory() as tmp:
            for meter_major in (True, False):
                for size in (768, 3072, 12288):
                    path = Path(tmp) / f"run-{meter_major}-{size}.csv"
                    n = write_csv(path, w.e1, meters, day, meter_major)
                    day += datetime.timedelta(days=DAYS)
                    env["CARBONTRUST_INGEST_DIR"] = str(Path(tmp) / "ingest")
                    cpu0, peers0, t0 = children_cpu(), cpu_seconds(pids), time.perf_counter()
                    proc = subprocess.run([*COMMAND, "-q", "readings", "submit", str(path),
                                           "--batch-size", str(size)], env=env, cwd=REPO,
                                          capture_output=True, text=True, check=False)
                    took = time.perf_counter() - t0
                    if proc.returncode != 0:
                        print(f"exit {proc.returncode}: {proc.stderr.strip()[:300]}")
                        continue
                    print(f"{'meter' if meter_major else 'time':>6} {size:>6} {n:>9} "
                          f"{took:>8.2f} {n / took:>11,.0f} {children_cpu() - cpu0:>16.2f} "
                          f"{cpu_seconds(pids) - peers0:>15.2f}")
        w.s.close()


if __name__ == "__main__":
    main()
