"""The services under load on a real network: readings/s through the power service's bulk
endpoint beside ``carbontrust readings submit``, and p50/p99 of the main read routes at
concurrency 16.

Its own network (run directory .run/h-svc-bench, CARBONTRUST_PORT_BASE or 28000) brought up
with its services (CARBONTRUST_SERVICES=1, as ``make up``) and taken down here. The same
shape of file both ways (40 meters x 8 days of 15-minute readings, meter order, 30,720
readings, batches of 5,000, 8 in flight: the service's and the command's defaults), on
different days so neither finds the other's readings. The service's figure is from the
first byte of the upload to the job's ``done`` (polled every 50 ms); the command's is the
whole command, start-up included. Reads: 400 requests per route, 16 threads with a
keep-alive connection each, wall clock per request. Prints figures; asserts nothing.

    .venv/bin/python -m bench.bench_services
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

from accounting import readings as rd
from tests.integration.carbon_world import World, carbon_network

REPO = Path(__file__).resolve().parents[1]
SCRIPT = Path(sys.executable).parent / "carbontrust"
COMMAND = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "gateway.cli"]
METERS, DAYS, READS, CONCURRENCY = 40, 8, 400, 16


def write_csv(path: Path, uscc: str, meters: list[str], day0: datetime.datetime) -> int:
    starts = [day0 + datetime.timedelta(minutes=15 * i) for i in range(96 * DAYS)]
    with open(path, "w") as f:
        f.write("meter_id,uscc,interval_start,source,quantity,unit\n")
        n = 0
        for m in meters:
            for s in starts:
                f.write(f"{m},{uscc},{s.isoformat()},electricity,{Decimal(n % 997) / 4},kWh\n")
                n += 1
    return n


class Client:
    def __init__(self, port: int, password: str) -> None:
        self.port = port
        form = urllib.parse.urlencode({"grant_type": "password", "username": "admin",
                                       "password": password})
        answer = self.call("POST", "/v1/token", form.encode(),
                           {"Content-Type": "application/x-www-form-urlencoded"}, token=False)
        self.token = answer["access_token"]

    def call(self, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None, token: bool = True,
             conn: http.client.HTTPConnection | None = None) -> Any:
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        if own:
            conn.close()
        if r.status >= 300:
            raise RuntimeError(f"{method} {path}: {r.status} {data[:300]!r}")
        return json.loads(data)


def through_service(power: Client, path: Path) -> tuple[float, dict[str, Any]]:
    t0 = time.perf_counter()
    job = power.call("POST", "/v1/ingest/jobs", path.read_bytes(),
                     {"Content-Type": "text/csv"})
    while job["state"] not in ("done", "failed"):
        time.sleep(0.05)
        job = power.call("GET", f"/v1/ingest/jobs/{job['id']}")
    return time.perf_counter() - t0, job


def through_command(run_dir: Path, path: Path, ingest: Path) -> float:
    env = {**os.environ, "CARBONTRUST_RUN_DIR": str(run_dir),
           "CARBONTRUST_INGEST_DIR": str(ingest)}
    env.pop("CARBONTRUST_PROFILE", None)
    t0 = time.perf_counter()
    proc = subprocess.run([*COMMAND, "-q", "readings", "submit", str(path)], env=env,
                          cwd=REPO, capture_output=True, text=True, check=False)
    took = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"readings submit exit {proc.returncode}: {proc.stderr[-500:]}")
    return took


def latencies(client: Client, path: str) -> tuple[list[float], float]:
    def worker(count: int) -> list[float]:
        conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=60)
        out = []
        for _ in range(count):
            t0 = time.perf_counter()
            client.call("GET", path, conn=conn)
            out.append((time.perf_counter() - t0) * 1000)
        conn.close()
        return out

    t0 = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        parts = list(pool.map(worker, [READS // CONCURRENCY] * CONCURRENCY))
    return [x for p in parts for x in p], time.perf_counter() - t0


def main() -> None:
    base = int(os.environ.get("CARBONTRUST_PORT_BASE", "28000"))
    os.environ["CARBONTRUST_SERVICES"] = "1"
    for net in carbon_network("h-svc-bench", base):
        w = World(net)
        meters = [f"B-{i:03d}" for i in range(METERS)]
        for m in meters:
            w.submit("regulator-admin", "registry:add_meter", w.e1, m)
        secrets = net.run_dir / "services"
        port = {g.key: g.service_port for g in net.layout.orgs}
        power = Client(port["power"], (secrets / "power.password").read_text().strip())
        regulator = Client(port["regulator"],
                           (secrets / "regulator.password").read_text().strip())
        print(f"{os.cpu_count()} cpus, load {os.getloadavg()[0]:.1f}; {METERS} meters x "
              f"{DAYS} days x 96 = {METERS * DAYS * 96} readings per file, batches of 5000, "
              "8 in flight")
        print(f"{'path':<34} {'readings':>9} {'seconds':>8} {'readings/s':>11}")
        with tempfile.TemporaryDirectory() as tmp:
            a, b = Path(tmp) / "a.csv", Path(tmp) / "b.csv"
            day = datetime.datetime(2025, 3, 1, tzinfo=rd.CHINA)
            n = write_csv(a, w.e1, meters, day)
            write_csv(b, w.e1, meters, day + datetime.timedelta(days=DAYS))
            took, job = through_service(power, a)
            assert job["state"] == "done" and job["readings_committed"] == n, job
            print(f"{'power service POST /v1/ingest/jobs':<34} {n:>9} {took:>8.2f} "
                  f"{n / took:>11,.0f}")
            took = through_command(net.run_dir, b, Path(tmp) / "ingest")
            print(f"{'carbontrust readings submit':<34} {n:>9} {took:>8.2f} "
                  f"{n / took:>11,.0f}")
        print(f"\n{READS} requests per route, {CONCURRENCY} concurrent keep-alive clients")
        print(f"{'route':<58} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}")
        routes = [(regulator, f"/v1/enterprises/{w.e1}", "regulator (ledger evaluate)"),
                  (regulator, "/v1/enterprises?limit=50", "regulator (ledger, paged)"),
                  (regulator, "/v1/events?limit=50", "regulator (store)"),
                  (power, "/v1/ingest/jobs?limit=50", "power (store)")]
        for client, path, what in routes:
            times, wall = latencies(client, path)
            q = statistics.quantiles(times, n=100)
            label = f"GET {path.split('?')[0].replace(w.e1, '{uscc}')} {what}"
            print(f"{label:<58} {len(times) / wall:>7.0f} {q[49]:>7.1f} {q[98]:>7.1f}")


if __name__ == "__main__":
    main()
