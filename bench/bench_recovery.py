"""Recovery benchmark: how long after a kill -9 each kind of node serves again.

    python bench/bench_recovery.py [--rounds 2] [--rate 4]

On a network of its own (ports 15500+, below the ephemeral range; run dir
.run/bench-recovery), a steady submit load
(the project's Gateway client, PowerMSP's peer, `--rate` transactions a second started on
schedule whatever earlier ones are doing) runs while the
chaincode server, the peer and the Raft leader orderer are each killed with SIGKILL
`--rounds` times; the supervisor restarts them.  Printed per kind: kill -> new process,
kill -> ready (as `Network.wait_ready` judges: listening / healthz + gossip / healthz + one
Raft leader followed by all), kill -> first VALID transaction submitted after the kill, and
the load's outcomes during the outages.  Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from network import Network, load_layout  # noqa: E402
from network._drill import run_drill  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--rate", type=float, default=4.0, help="transactions started a second")
    args = ap.parse_args()
    env = {**os.environ, "CARBONTRUST_PORT_BASE": "15500"}
    net = Network(run_dir=REPO / ".run" / "bench-recovery", layout=load_layout(env=env),
                  log=lambda *_: None)
    print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}; "
          f"{args.rate:g} transactions a second started through PowerMSP's peer")
    net.down(quiet=True)
    net.up()
    try:
        report = run_drill(net, ["ccserver.power", "peer0.power", "leader"] * args.rounds,
                           rate=args.rate)
    finally:
        net.down(quiet=True)
    by_kind = defaultdict(list)
    for r in report.recoveries:
        by_kind[r.kind].append(r)
    print(f"{'kind':17} {'n':>2} {'kill->restarted':>16} {'kill->ready':>12} "
          f"{'kill->first VALID':>18}   (mean; each)")
    for kind, rs in by_kind.items():
        cols = []
        for attr in ("restarted", "ready", "first_valid"):
            vals = [getattr(r, attr) - r.killed for r in rs if getattr(r, attr) is not None]
            each = "/".join(f"{v:.2f}" for v in vals)
            cols.append(f"{statistics.fmean(vals):6.2f} s ({each})" if vals else "n/a")
        print(f"{kind:17} {len(rs):2d} {cols[0]:>16} {cols[1]:>12} {cols[2]:>18}")
    healthy = report.after_ready()
    outage = Counter(t.outcome for t in report.outage())
    print(f"load: {len(report.txs)} transactions; {len(healthy)} submitted after a readiness, "
          f"{sum(t.outcome == 'VALID' for t in healthy)} of them VALID; during outages: "
          f"{dict(outage)}")
    print("restart counts (network status): " + ", ".join(
        f"{n}={c}" for n, c in report.restarts.items() if c))


if __name__ == "__main__":
    main()
