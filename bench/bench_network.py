"""Network benchmark: bring-up time (cached binaries, kept data, cold), RSS of every process,
and submit throughput/latency at BatchTimeout 2 s and at a low value.

    python bench/bench_network.py [--skip-cold] [--tx 300] [--concurrency 1,10,50]

Each measurement runs on a network of its own (ports 11000-14404, below the ephemeral
range; run dirs under .run/bench-*), taken down afterwards.  Figures are printed, never
asserted.  "Cold" builds the Fabric binaries into an empty cache with an empty Go build
cache (the Go module download cache is kept, so a first-ever run adds the module
downloads, ~20 s here).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._common import percentile, rss_mb, with_probe  # noqa: E402
from network import Network, load_layout  # noqa: E402


def make(name: str, base: int, batch: str | None = None) -> Network:
    env = {**os.environ, "CARBONTRUST_PORT_BASE": str(base)}
    if batch:
        env["CARBONTRUST_BATCH_TIMEOUT"] = batch
    with_probe()
    return Network(run_dir=REPO / ".run" / f"bench-{name}", layout=load_layout(env=env),
                   log=lambda *_: None)


def bring_up() -> None:
    net = make("up", 11000)
    net.down(quiet=True)
    t = net.up()
    print(f"bring-up, binaries cached, fresh network:      {t:6.1f} s")
    rows = []
    for name in net.node_names():
        pid = net.sup.pid(name)
        if pid:
            rows.append((name, rss_mb(pid)))
    fabric = sum(r for n, r in rows if not n.startswith("ccserver"))
    cc = sum(r for n, r in rows if n.startswith("ccserver"))
    print("RSS after bring-up (MB): " + ", ".join(f"{n} {r:.0f}" for n, r in rows))
    print(f"RSS total: Fabric processes {fabric:.0f} MB, chaincode servers {cc:.0f} MB, "
          f"all {fabric + cc:.0f} MB")
    net.down(keep_data=True, quiet=True)
    t = net.up()
    print(f"bring-up, restart with kept data:               {t:6.1f} s")
    net.down(quiet=True)


def cold() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="carbontrust-cold-"))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp / "cache"), "GOCACHE": str(tmp / "go-build"),
           "CARBONTRUST_RUN_DIR": str(REPO / ".run" / "bench-cold"),
           "CARBONTRUST_PORT_BASE": "12000"}
    t0 = time.monotonic()
    build = subprocess.run([sys.executable, "-m", "network", "build"], cwd=REPO, env=env,
                           capture_output=True, text=True, check=False)
    t_build = time.monotonic() - t0
    up = subprocess.run([sys.executable, "-m", "network", "up"], cwd=REPO, env=env,
                        capture_output=True, text=True, check=False)
    t_total = time.monotonic() - t0
    subprocess.run([sys.executable, "-m", "network", "down"], cwd=REPO, env=env,
                   capture_output=True, check=False)
    shutil.rmtree(tmp, ignore_errors=True)
    if build.returncode or up.returncode:
        print(f"cold bring-up FAILED: {build.stderr[-500:]} {up.stderr[-500:]}")
        return
    print(f"bring-up from cold (build {t_build:.0f} s + up):      {t_total:6.1f} s")


async def _submit_load(net: Network, n: int, concurrency: int) -> tuple[float, list[float], int]:
    from gateway import aio, profile_identity  # the project's Gateway client

    info = net.connection_info()
    org = info["orgs"]["PowerMSP"]
    channel = aio.dial(org["peer_endpoint"], tls_root_certificates=Path(org["tls_ca"]).read_bytes())
    async with aio.connect(channel, *profile_identity(info, "PowerMSP", "User1")) as gw:
        contract = gw.get_network(info["channel"]).get_contract(info["chaincode"])
        lat: list[float] = []
        failed = 0
        sem = asyncio.Semaphore(concurrency)
        run_id = f"{time.time_ns()}"

        async def one(i: int) -> None:
            nonlocal failed
            async with sem:
                t = time.perf_counter()
                try:
                    await contract.submit("put", [f"bench-{run_id}-{i}", str(i)])
                    lat.append((time.perf_counter() - t) * 1000)
                except Exception:
                    failed += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        secs = time.perf_counter() - t0
    await channel.close()
    return secs, lat, failed


def throughput(batch: str, base: int, n: int, levels: list[int]) -> None:
    net = make(f"tx-{batch}", base, batch)
    net.down(quiet=True)
    net.up()
    try:
        lay = net.layout
        print(f"\nsubmit+commit through the Gateway (PowerMSP client, MAJORITY = 3 endorsers), "
              f"BatchTimeout {lay.batch_timeout}, MaxMessageCount {lay.max_message_count}, "
              f"PreferredMaxBytes {lay.preferred_max_bytes}")
        for c in levels:
            count = max(c * 2, min(n, c * 20))
            secs, lat, failed = asyncio.run(_submit_load(net, count, c))
            print(f"  concurrency {c:3d}: {count:4d} tx in {secs:6.2f} s = "
                  f"{len(lat) / secs:6.1f} tx/s; latency p50 {percentile(lat, 50):7.1f} ms "
                  f"p99 {percentile(lat, 99):7.1f} ms; failed {failed}")
    finally:
        net.down(quiet=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-cold", action="store_true")
    ap.add_argument("--tx", type=int, default=300, help="transactions per concurrency level (max)")
    ap.add_argument("--concurrency", default="1,10,50")
    args = ap.parse_args()
    levels = [int(x) for x in args.concurrency.split(",")]
    print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}")
    bring_up()
    if not args.skip_cold:
        cold()
    throughput("2s", 13000, args.tx, levels)
    throughput("100ms", 14000, args.tx, levels)


if __name__ == "__main__":
    main()
