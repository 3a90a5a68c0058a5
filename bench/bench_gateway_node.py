"""Our gateway client beside the official Node client on the same peer and chaincode.

Runs the same load through carbontrust's async client (in this process) and through
@hyperledger/fabric-gateway + @grpc/grpc-js (bench/node/bench.js, a child process), one
after the other and alternating for ``--rounds``, then prints per operation and
concurrency: throughput of each, the ratio ours / Node, and each client's CPU per
transaction (its own process only: ``time.process_time`` here, ``process.cpuUsage`` there).
Goals it prints against (never asserts): submit ratio >= 1.5, evaluate ratio >= 2,
ours <= 1.2 ms CPU per submit.

    .venv/bin/python bench/bench_gateway_node.py                  # levels 16 64, 2 rounds
    .venv/bin/python bench/bench_gateway_node.py --levels 16 --rounds 3 --json out.json

Installs the Node client into bench/node/ (``npm ci`` from the committed package-lock.json)
when it is missing. Network: as bench_gateway.py ($CARBONTRUST_RUN_DIR, else one of its own).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import gateway as g  # noqa: E402
from bench._common import with_probe  # noqa: E402
from gateway import aio  # noqa: E402

NODE_DIR = REPO / "bench" / "node"
GOALS = {"submit": 1.5, "evaluate": 2.0}
CPU_GOAL_MS = 1.2


def install_node_client() -> str | None:
    """``npm ci`` into bench/node when needed; the error text (verbatim) when it fails."""
    if (NODE_DIR / "node_modules" / "@hyperledger" / "fabric-gateway").is_dir():
        return None
    cmd = ["npm", "ci", "--omit=optional", "--ignore-scripts", "--no-audit", "--no-fund"]
    print(f"installing the Node client: (cd bench/node && {' '.join(cmd)})", flush=True)
    try:
        done = subprocess.run(cmd, cwd=NODE_DIR, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{' '.join(cmd)}: {exc}"
    if done.returncode != 0:
        return f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return None


class Sample:
    """One run of one client: ``n`` ok transactions in ``wall`` s using ``cpu`` s of CPU."""

    def __init__(self, n: int, errors: int, wall: float, cpu: float, lat: list[float]) -> None:
        self.n, self.errors, self.wall, self.cpu, self.lat = n, errors, wall, cpu, lat

    @property
    def rate(self) -> float:
        return self.n / self.wall if self.wall else 0.0

    @property
    def cpu_ms(self) -> float:
        return self.cpu / max(self.n, 1) * 1e3


async def run_ours(contract: Any, op: str, count: int, level: int, prefix: str) -> Sample:
    latencies: list[float] = []
    errors: list[str] = []
    indexes = iter(range(count))

    async def worker() -> None:
        for i in indexes:
            t0 = time.perf_counter()
            try:
                if op == "submit":
                    await contract.submit("put", [f"{prefix}-{i}", "v"])
                else:
                    await contract.evaluate("get", [f"{prefix}-read"])
                latencies.append((time.perf_counter() - t0) * 1e3)
            except (g.GatewayError, g.CommitError) as err:
                errors.append(str(err).splitlines()[0])

    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(level)))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    if errors:
        print(f"  ours: {len(errors)} errors, first: {errors[0]}", flush=True)
    return Sample(len(latencies), len(errors), wall, cpu, latencies)


def run_node(connection: Path, org: str, op: str, count: int, level: int, prefix: str) -> Sample:
    cmd = ["node", str(NODE_DIR / "bench.js"), str(connection), org, op, str(count), str(level),
           prefix]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"node client failed ({done.returncode}): {done.stderr.strip()}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if out["errors"]:
        print(f"  node: {out['errors']} errors, first: {out['first_errors'][0]}", flush=True)
    return Sample(out["ok"], out["errors"], out["wall_s"], out["cpu_s"], out["latencies_ms"])


def _median(samples: list[Sample], attr: str) -> float:
    return statistics.median(getattr(s, attr) for s in samples)


def _p50(samples: list[Sample]) -> float:
    values = sorted(v for s in samples for v in s.lat)
    return values[len(values) // 2] if values else float("nan")


async def bench(ns: argparse.Namespace, info: dict[str, Any], connection: Path) -> list[dict]:
    org = info["orgs"][ns.org]
    identity, signer = g.profile_identity(info, ns.org)
    tls = Path(org["tls_ca"]).read_bytes()
    run = uuid.uuid4().hex[:8]
    rows: list[dict] = []
    header = (f"{'op':<9}{'conc':>5}{'ours tx/s':>11}{'node tx/s':>11}{'ratio':>7}{'goal':>6}"
              f"{'ours cpu ms':>13}{'node cpu ms':>13}{'ours p50':>10}{'node p50':>10}")
    print(header, flush=True)
    async with aio.connect(org["peer_endpoint"], identity, signer,
                           tls_root_certificates=tls) as gw:  # fmt: skip
        contract = gw.get_network(info["channel"]).get_contract(info["chaincode"])
        for prefix in (f"py-{run}", f"node-{run}"):  # the key each client reads
            await contract.submit("put", [f"{prefix}-read", "x" * 64])
        for level in ns.levels:
            for op, count in (("evaluate", ns.evaluate_count), ("submit", ns.submit_count)):
                ours: list[Sample] = []
                node: list[Sample] = []
                for r in range(ns.rounds):
                    tag = f"{level}-{r}"
                    ours.append(await run_ours(contract, op, count, level, f"py-{run}-{tag}"
                                               if op == "submit" else f"py-{run}"))  # fmt: skip
                    node.append(await asyncio.to_thread(
                        run_node, connection, ns.org, op, count, level,
                        f"node-{run}-{tag}" if op == "submit" else f"node-{run}"))  # fmt: skip
                row = {
                    "op": op, "concurrency": level, "count": count, "rounds": ns.rounds,
                    "ours_tx_per_s": round(_median(ours, "rate"), 1),
                    "node_tx_per_s": round(_median(node, "rate"), 1),
                    "ours_cpu_ms_per_tx": round(_median(ours, "cpu_ms"), 3),
                    "node_cpu_ms_per_tx": round(_median(node, "cpu_ms"), 3),
                    "ours_p50_ms": round(_p50(ours), 1), "node_p50_ms": round(_p50(node), 1),
                    "errors": {"ours": sum(s.errors for s in ours),
                               "node": sum(s.errors for s in node)},
                }  # fmt: skip
                ratio = row["ours_tx_per_s"] / row["node_tx_per_s"] if row["node_tx_per_s"] else 0
                row["ratio"] = round(ratio, 2)
                rows.append(row)
                print(f"{op:<9}{level:>5}{row['ours_tx_per_s']:>11.1f}{row['node_tx_per_s']:>11.1f}"
                      f"{ratio:>7.2f}{GOALS[op]:>6.1f}{row['ours_cpu_ms_per_tx']:>13.3f}"
                      f"{row['node_cpu_ms_per_tx']:>13.3f}{row['ours_p50_ms']:>10.1f}"
                      f"{row['node_p50_ms']:>10.1f}", flush=True)  # fmt: skip
    return rows


def summary(rows: list[dict]) -> None:
    for op in ("evaluate", "submit"):
        mine = [r for r in rows if r["op"] == op]
        ratios = ", ".join(f"{r['ratio']:.2f}x at {r['concurrency']}" for r in mine)
        met = all(r["ratio"] >= GOALS[op] for r in mine)
        print(f"{op}: ours / node throughput {ratios}  (goal >= {GOALS[op]}x: "
              f"{'met' if met else 'NOT met'})")  # fmt: skip
    cpu = ", ".join(f"{r['ours_cpu_ms_per_tx']:.2f} ms at {r['concurrency']}"
                    for r in rows if r["op"] == "submit")  # fmt: skip
    met = all(r["ours_cpu_ms_per_tx"] <= CPU_GOAL_MS for r in rows if r["op"] == "submit")
    print(f"ours client CPU per submit: {cpu}  (goal <= {CPU_GOAL_MS} ms: "
          f"{'met' if met else 'NOT met'})")  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    run_dir = Path(os.environ.get("CARBONTRUST_RUN_DIR", REPO / ".run/network"))
    ap.add_argument("--run-dir", type=Path, default=run_dir)
    ap.add_argument("--org", default="PowerMSP")
    ap.add_argument("--levels", type=int, nargs="+", default=[16, 64])
    ap.add_argument("--evaluate-count", type=int, default=1000)
    ap.add_argument("--submit-count", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=2, help="alternating runs per client (median)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--no-up", action="store_true", help="fail if no network is running")
    ns = ap.parse_args()

    error = install_node_client()
    if error:
        print(f"the Node client could not be installed; nothing compared:\n{error}",
              file=sys.stderr)  # fmt: skip
        return 1
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
        connection = ns.run_dir / "connection.json"
        info = json.loads(connection.read_text())
        node_version = subprocess.run(["node", "--version"], capture_output=True, text=True)
        pkg = json.loads((NODE_DIR / "node_modules/@hyperledger/fabric-gateway/package.json")
                         .read_text())  # fmt: skip
        print(f"network: {ns.run_dir}  channel={info['channel']} chaincode={info['chaincode']} "
              f"peer {info['orgs'][ns.org]['peer_endpoint']} ({ns.org}); "
              f"BatchTimeout={info.get('batch_timeout', '?')}")  # fmt: skip
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"ours: Python {platform.python_version()} async API | node: "
              f"@hyperledger/fabric-gateway {pkg['version']} on Node "
              f"{node_version.stdout.strip()} | {os.cpu_count()} cpus, load {load}; "
              f"medians of {ns.rounds} alternating rounds")  # fmt: skip
        rows = asyncio.run(bench(ns, info, connection))
        summary(rows)
        if ns.json:
            ns.json.write_text(json.dumps({"rows": rows}, indent=2))
        return 0
    finally:
        if own is not None:
            own.down()


if __name__ == "__main__":
    raise SystemExit(main())
