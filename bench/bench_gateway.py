"""Benchmark the gateway client against the running network (a script, not a test).

Prints evaluate and submit (endorse + order + commit) throughput and p50/p99 latency at a
few concurrency levels, beside the network's batch settings. Bounded by counts, not time.

    .venv/bin/python bench/bench_gateway.py                       # async API, levels 1 4 16 64
    .venv/bin/python bench/bench_gateway.py --levels 1 8 --submit-count 100 --api blocking

Reads connection.json from $CARBONTRUST_RUN_DIR (default .run/network); when no network
runs there, brings up one of its own (.run/bench-gateway, port base 23000) and takes it down
afterwards (``--no-up`` to refuse instead). On a 2-core machine
the client shares the CPU with 4 peers, 3 orderers and 4 chaincode servers: the figures
measure the whole system, not the client alone.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import gateway as g  # noqa: E402
from bench._common import with_probe  # noqa: E402
from gateway import aio  # noqa: E402


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class Result:
    def __init__(self, op: str, level: int, latencies: list[float], errors: list[str],
                 wall: float, cpu: float) -> None:  # fmt: skip
        self.op, self.level, self.latencies, self.errors = op, level, latencies, errors
        self.wall, self.cpu = wall, cpu

    def row(self) -> str:
        n = len(self.latencies)
        rate = n / self.wall if self.wall else 0.0
        return (
            f"{self.op:<9}{self.level:>5}{n:>7}{len(self.errors):>7}{rate:>10.1f}"
            f"{_pct(self.latencies, 0.5) * 1e3:>10.1f}{_pct(self.latencies, 0.99) * 1e3:>10.1f}"
            f"{(self.cpu / max(n, 1)) * 1e3:>12.2f}"
        )

    def as_dict(self) -> dict:
        n = len(self.latencies)
        return {
            "op": self.op,
            "concurrency": self.level,
            "ok": n,
            "errors": len(self.errors),
            "tx_per_s": round(n / self.wall, 1) if self.wall else 0,
            "p50_ms": round(_pct(self.latencies, 0.5) * 1e3, 1),
            "p99_ms": round(_pct(self.latencies, 0.99) * 1e3, 1),
            "mean_ms": round(statistics.fmean(self.latencies) * 1e3, 1) if n else None,
            "client_cpu_ms_per_tx": round(self.cpu / max(n, 1) * 1e3, 2),
            "first_errors": self.errors[:3],
        }


async def _run_async(op: Callable[[int], Awaitable[bytes]], level: int, count: int) -> tuple:
    latencies: list[float] = []
    errors: list[str] = []
    next_index = iter(range(count))

    async def worker() -> None:
        for i in next_index:
            t0 = time.perf_counter()
            try:
                await op(i)
                latencies.append(time.perf_counter() - t0)
            except (g.GatewayError, g.CommitError) as err:
                errors.append(str(err).splitlines()[0])

    cpu0, t0 = _cpu(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(level)))
    return latencies, errors, time.perf_counter() - t0, _cpu() - cpu0


def _run_blocking(op: Callable[[int], bytes], level: int, count: int) -> tuple:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    next_index = iter(range(count))

    def worker() -> None:
        while True:
            with lock:
                i = next(next_index, None)
            if i is None:
                return
            t0 = time.perf_counter()
            try:
                op(i)
                latencies.append(time.perf_counter() - t0)
            except (g.GatewayError, g.CommitError) as err:
                errors.append(str(err).splitlines()[0])

    cpu0, t0 = _cpu(), time.perf_counter()
    with ThreadPoolExecutor(level) as pool:
        for f in [pool.submit(worker) for _ in range(level)]:
            f.result()
    return latencies, errors, time.perf_counter() - t0, _cpu() - cpu0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    run_dir = Path(os.environ.get("CARBONTRUST_RUN_DIR", REPO / ".run/network"))
    ap.add_argument("--run-dir", type=Path, default=run_dir)
    ap.add_argument("--org", default="PowerMSP")
    ap.add_argument("--levels", type=int, nargs="+", default=[1, 4, 16, 64])
    ap.add_argument("--evaluate-count", type=int, default=300)
    ap.add_argument(
        "--submit-count", type=int, default=600, help="cap per level (10 x level, at least 40)"
    )
    ap.add_argument("--api", choices=["async", "blocking"], default="async")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--no-up", action="store_true", help="fail if no network is running")
    ns = ap.parse_args()

    own = None
    if not (ns.run_dir / "connection.json").is_file():
        if ns.no_up:
            print(f"no network at {ns.run_dir}: run "
              "`CARBONTRUST_CC_TEST_CONTRACTS=1 python -m network up` "
              "(the probe contract serves what this times)", file=sys.stderr)
            return 2
        from network import Network, load_layout

        env = {**os.environ, "CARBONTRUST_PORT_BASE": "23000"}
        with_probe()
        own = Network(run_dir=REPO / ".run" / "bench-gateway", layout=load_layout(env=env))
        own.down(quiet=True)
        own.up()
        ns.run_dir = own.run_dir
    try:
        return _bench(ns)
    finally:
        if own is not None:
            own.down()


def _bench(ns: argparse.Namespace) -> int:
    info = json.loads((ns.run_dir / "connection.json").read_text())
    org = info["orgs"][ns.org]
    print(f"network: {ns.run_dir}  channel={info['channel']} chaincode={info['chaincode']}")
    print(
        f"batch settings: BatchTimeout={info.get('batch_timeout', '?')} "
        f"MaxMessageCount={info.get('max_message_count', '?')}  "
        f"endorsement: MAJORITY of {len(info['orgs'])} orgs; orderers: {len(info['orderers'])}"
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"client: {ns.api} API, {ns.org} via {org['peer_endpoint']}; host: {os.cpu_count()} cpus, "
        f"load average {load} before the run, Python {platform.python_version()}"
    )
    print(f"{'op':<9}{'conc':>5}{'ok':>7}{'err':>7}{'tx/s':>10}{'p50 ms':>10}{'p99 ms':>10}"
          f"{'cli cpu ms':>12}")  # fmt: skip
    run = uuid.uuid4().hex[:8]
    results: list[Result] = []

    identity, signer = g.profile_identity(info, ns.org)
    tls = Path(org["tls_ca"]).read_bytes()

    if ns.api == "async":

        async def amain() -> None:
            async with aio.connect(org["peer_endpoint"], identity, signer,
                                   tls_root_certificates=tls) as gw:  # fmt: skip
                contract = gw.get_network(info["channel"]).get_contract(info["chaincode"])
                await contract.submit("put", [f"bench-{run}", "x" * 64])
                for level in ns.levels:
                    n = min(ns.submit_count, max(40, 10 * level))

                    async def ev(i: int) -> bytes:
                        return await contract.evaluate("get", [f"bench-{run}"])

                    async def sub(i: int, level: int = level) -> bytes:
                        return await contract.submit("put", [f"bench-{run}-{level}-{i}", "v"])

                    for name, op, count in (("evaluate", ev, ns.evaluate_count),
                                            ("submit", sub, n)):  # fmt: skip
                        res = Result(name, level, *(await _run_async(op, level, count)))
                        results.append(res)
                        print(res.row(), flush=True)

        asyncio.run(amain())
    else:
        with g.connect(org["peer_endpoint"], identity, signer, tls_root_certificates=tls) as gw:
            contract = gw.get_network(info["channel"]).get_contract(info["chaincode"])
            contract.submit("put", [f"bench-{run}", "x" * 64])
            for level in ns.levels:
                n = min(ns.submit_count, max(40, 10 * level))
                ops = (
                    ("evaluate", lambda i: contract.evaluate("get", [f"bench-{run}"]),
                     ns.evaluate_count),
                    ("submit", lambda i, lv=level: contract.submit(
                        "put", [f"bench-{run}-{lv}-{i}", "v"]), n),
                )  # fmt: skip
                for name, op, count in ops:
                    res = Result(name, level, *_run_blocking(op, level, count))
                    results.append(res)
                    print(res.row(), flush=True)

    errors = [e for r in results for e in r.errors]
    if errors:
        print(f"{len(errors)} errors; first: {errors[0]}")
    if ns.json:
        ns.json.write_text(json.dumps({
            "batch_timeout": info.get("batch_timeout"),
            "max_message_count": info.get("max_message_count"),
            "api": ns.api, "org": ns.org, "results": [r.as_dict() for r in results],
        }, indent=2))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
