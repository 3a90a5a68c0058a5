"""How long ``carbontrust --help`` takes to start, beside what it would cost eagerly.

Prints wall-clock medians (fresh interpreter per run) of: a bare ``python -c pass``;
``python -m gateway.cli --help`` (lazily loaded groups, no grpc); ``enterprise register
--help`` (one group module loaded); and ``import gateway.cli`` plus the Fabric client and
Rich, which is what every ``--help`` would pay if the groups imported them at start-up.
Figures only; nothing is asserted.

    python bench/bench_cli.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CASES = [
    ("python -c pass", ["-c", "pass"]),
    ("carbontrust --help", ["-m", "gateway.cli", "--help"]),
    ("carbontrust enterprise register --help",
     ["-m", "gateway.cli", "enterprise", "register", "--help"]),
    ("eager: gateway.cli + client + rich",
     ["-c", "import gateway.cli, gateway._sync._gateway, gateway._profile, rich.console"]),
]


def measure(args: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, *args], cwd=REPO, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    ns = parser.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} cpus, load {load}; Python {sys.version.split()[0]}; "
          f"{ns.runs} runs each, a fresh interpreter per run")
    print(f"{'command':42} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for label, args in CASES:
        times = measure(args, ns.runs)
        print(f"{label:42} {statistics.median(times):10.1f} {min(times):8.1f} {max(times):8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
