"""Issue 12's bench: follower lag and anchoring cadence while ingestion runs at full rate.

One network (own run dir and ports), the same ingestion run twice side by side:

* baseline: the four notary followers stopped; meter-major reading batches (4,992 readings,
  transient data to the three privateReadings members, 8 in flight) for a fixed count;
* with followers: the followers started again (caught up first), then the same ingestion.

While the second run goes, a poller reads each organisation's follower store (read-only
SQLite, every 50 ms) and notes when each submitted transaction's entry first appears; the lag
is that moment minus the moment the client saw the transaction commit (negative: the
follower logged it before the client's commit status returned). It prints lag p50/p99/max per
organisation, the followers' CPU beside the ingestion's CPU (peers, orderers, chaincode
servers, client), the ingestion rate of both runs, and the anchors made (sizes, spacing,
time from an entry's commit to its first anchor). Goals (issue 12): lag p99 <= 2 s, followers
< 10 % of the ingestion CPU. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_audit.py [--batches N] [--cadence S,N]

Network: $CARBONTRUST_RUN_DIR (default .run/bench-audit) on $CARBONTRUST_PORT_BASE (default
30000), brought up and taken down here.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import network  # noqa: E402
from accounting import readings as rd  # noqa: E402
from bench._common import percentile, proc_cpu  # noqa: E402
from bench.bench_ingest import USCC, Meter, day_slots  # noqa: E402
from tests.integration.carbon_world import Who, World, carbon_layout  # noqa: E402

MEMBERS = ["PowerMSP", "CertifierMSP", "RegulatorMSP"]
METERS = 52
IN_FLIGHT = 8
POLL_S = 0.05


class StorePoller(threading.Thread):
    """First time each tx id appears in each organisation's audit.db (read-only)."""

    def __init__(self, stores: dict[str, Path]) -> None:
        super().__init__(daemon=True)
        self.stores = stores
        self.seen: dict[str, dict[str, float]] = {org: {} for org in stores}
        self.stop = threading.Event()

    def run(self) -> None:
        conns = {org: sqlite3.connect(f"file:{p}?mode=ro", uri=True, check_same_thread=False)
                 for org, p in self.stores.items()}
        after = {org: -1 for org in self.stores}
        try:
            while not self.stop.is_set():
                for org, conn in conns.items():
                    try:
                        rows = conn.execute("SELECT idx, tx_id FROM audit_entries WHERE idx > ? "
                                            "ORDER BY idx", (after[org],)).fetchall()
                    except sqlite3.OperationalError:
                        continue  # the follower holds a write lock this instant
                    now = time.monotonic()
                    for idx, tx_id in rows:
                        self.seen[org].setdefault(tx_id, now)
                        after[org] = idx
                self.stop.wait(POLL_S)
        finally:
            for conn in conns.values():
                conn.close()


def follower_names(net: network.Network) -> list[str]:
    return [n for n in net.node_names() if n.startswith("notary.")]


def ingest(meter: Meter, contract: Any, meters: list[str], day: int, batches: int,
           extra_pids: dict[str, int]) -> dict[str, Any]:
    """Submit `batches` batches (8 in flight); commit time per tx id; CPU per group."""
    jobs = [day_slots(day + b, meters, 1) for b in range(batches)]
    committed: dict[str, float] = {}

    def one(rs: list[rd.Reading]) -> str:
        t = {"batch": rd.encode_batch(rs), "salt": os.urandom(32)}
        sub = contract.submit_async("readings:submit_batch", [], transient=t,
                                    endorsing_organizations=MEMBERS)
        code = str(sub.status().code_name)
        committed[sub.transaction_id] = time.monotonic()
        return code

    extra0 = {n: proc_cpu(p) for n, p in extra_pids.items()}
    before, t0 = meter.sample(), time.perf_counter()
    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        codes = list(pool.map(one, jobs))
    dt = time.perf_counter() - t0
    groups, _ = meter.delta(before)
    extra = {n: proc_cpu(p) - extra0[n] for n, p in extra_pids.items()}
    readings = codes.count("VALID") * METERS * 96
    return {"rate": readings / dt, "valid": codes.count("VALID"), "n": batches, "seconds": dt,
            "cpu": groups, "followers": extra, "committed": committed}


def anchors_of(store: Path) -> list[tuple[int, str]]:
    """(size, anchoring tx id) of every anchor the store recorded, ascending."""
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT size, tx_id FROM audit_anchors ORDER BY size").fetchall()


def wait_caught_up(stores: dict[str, Path], timeout: float = 120.0) -> float:
    """Until every store holds the same number of entries twice in a row; seconds taken."""
    t0, last = time.monotonic(), None
    while time.monotonic() - t0 < timeout:
        sizes = []
        for p in stores.values():
            try:
                with sqlite3.connect(f"file:{p}?mode=ro", uri=True) as conn:
                    sizes.append(conn.execute("SELECT count(*) FROM audit_entries").fetchone()[0])
            except sqlite3.Error:
                sizes.append(-1)
        if len(set(sizes)) == 1 and sizes[0] >= 0 and sizes == last:
            return time.monotonic() - t0
        last = sizes
        time.sleep(1.0)
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batches", type=int, default=60, help="batches per run (default 60)")
    ap.add_argument("--cadence", default="10,1000",
                    help="followers' anchoring cadence seconds,entries (default 10,1000)")
    ns = ap.parse_args(argv)
    os.environ["CARBONTRUST_AUDIT_CADENCE"] = ns.cadence
    os.environ.pop("CARBONTRUST_NOTARY_FOLLOWERS", None)
    base = int(os.environ.get("CARBONTRUST_PORT_BASE", "30000"))
    run_dir = Path(os.environ.get("CARBONTRUST_RUN_DIR") or REPO / ".run" / "bench-audit")
    net = network.Network(run_dir=run_dir, layout=carbon_layout(base))
    net.down(quiet=True)
    t0 = time.perf_counter()
    net.up()
    print(f"network up in {time.perf_counter() - t0:.0f} s ({run_dir}, port base {base}); "
          f"cadence {ns.cadence}; {ns.batches} batches of {METERS * 96} readings per run, "
          f"{IN_FLIGHT} in flight")
    try:
        return run(net, ns)
    finally:
        net.down(quiet=True)


def run(net: network.Network, ns: argparse.Namespace) -> int:
    followers = follower_names(net)
    if len(followers) != 4:
        print(f"expected 4 notary followers, found {followers}: nothing to measure")
        return 1
    stores = {n.split(".", 1)[1]: net.run_dir / "notary" / n.split(".", 1)[1] / "audit.db"
              for n in followers}
    w = World(net)
    USCC[0] = w.e1
    e = network.enrol_meter_gateway(net, "gw-bench-audit")
    gw = Who("gw", "PowerMSP", e.cert_pem, e.key_pem, "PowerMSP")
    meters = [f"A-{i:03d}" for i in range(METERS)]
    for m in meters:
        w.submit("regulator-admin", "registry:add_meter", w.e1, m)
    contract = w.s.contract(gw)
    print(f"followers caught up with the set-up in {wait_caught_up(stores):.1f} s")

    for name in followers:
        net.stop_node(name)
    meter = Meter(net)
    base = ingest(meter, contract, meters, 0, ns.batches, {})
    for name in followers:
        net.start_node(name)
    print(f"followers restarted, caught up in {wait_caught_up(stores):.1f} s")

    meter = Meter(net)
    pids = {n: net.sup.pid(n) or 0 for n in followers}
    poller = StorePoller(stores)
    poller.start()
    loaded = ingest(meter, contract, meters, ns.batches, ns.batches, pids)
    settle = wait_caught_up(stores)
    time.sleep(float(ns.cadence.split(",")[0]) * 2 + 2)   # let the last anchor happen
    poller.stop.set()
    poller.join()
    w.s.close()

    def cpu_line(label: str, r: dict[str, Any]) -> str:
        cpu = r["cpu"]
        return (f"{label:<16} {r['rate']:>11,.0f} {r['valid']:>4}/{r['n']:<4} "
                + " ".join(f"{cpu[g]:>10.2f}" for g in cpu) + f" {sum(cpu.values()):>8.2f}")

    print("\ningestion         readings/s  VALID  " + " ".join(f"{g:>10}" for g in
                                                              base["cpu"]) + "    total")
    print(cpu_line("followers off", base))
    print(cpu_line("followers on", loaded))
    fcpu = sum(loaded["followers"].values())
    icpu = sum(loaded["cpu"].values())
    print(f"followers' CPU during the second run: {fcpu:.2f} s ("
          + ", ".join(f"{n} {s:.2f}" for n, s in loaded["followers"].items())
          + f") = {100 * fcpu / icpu:.1f} % of the ingestion's {icpu:.2f} s (goal < 10 %); "
          f"rate with followers / without: {loaded['rate'] / base['rate']:.2f}x")
    print(f"all four stores equal in size {settle:.1f} s after the last commit")

    print("\nfollower lag, commit seen by the client -> entry in the store (ms)")
    worst = 0.0
    for org, seen in poller.seen.items():
        lags = [1000 * (seen[tx] - t) for tx, t in loaded["committed"].items() if tx in seen]
        missing = len(loaded["committed"]) - len(lags)
        if not lags:
            print(f"  {org:<10} no entry seen")
            continue
        p99 = percentile(lags, 99)
        worst = max(worst, p99)
        print(f"  {org:<10} n={len(lags):<4} p50 {percentile(lags, 50):7.0f}  p99 {p99:7.0f}  "
              f"max {max(lags):7.0f}" + (f"  ({missing} never seen)" if missing else ""))
    print(f"worst p99 {worst:.0f} ms (goal <= 2000 ms; poll interval {POLL_S * 1000:.0f} ms)")

    any_store = next(iter(stores.values()))
    anchors = anchors_of(any_store)
    seen = poller.seen[next(iter(stores))]
    print(f"\nanchors: {len(anchors)} in all; sizes {[s for s, _ in anchors][-12:]}")
    times = sorted(seen[tx] for _, tx in anchors if tx in seen)
    if len(times) > 1:
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        print(f"anchor spacing during the run: p50 {percentile(gaps, 50):.1f} s, "
              f"max {max(gaps):.1f} s (cadence {ns.cadence})")
    with sqlite3.connect(f"file:{any_store}?mode=ro", uri=True) as conn:
        index = dict(conn.execute("SELECT tx_id, idx FROM audit_entries").fetchall())
    anchored_at = [(s, seen.get(tx)) for s, tx in anchors]
    waits = []
    for tx, t in loaded["committed"].items():
        i = index.get(tx)
        first = next((at for size, at in anchored_at if i is not None and size > i and at), None)
        if first is not None:
            waits.append(first - t)
    if waits:
        print(f"commit -> first anchor covering it: p50 {percentile(waits, 50):.1f} s, "
              f"p99 {percentile(waits, 99):.1f} s ({len(waits)}/{len(loaded['committed'])} "
              f"anchored)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
