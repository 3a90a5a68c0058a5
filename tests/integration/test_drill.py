"""The drill: under a steady submit load, kill -9 a chaincode server, a peer and an orderer
(the Raft leader), each twice; the supervisor restarts them, every transaction submitted after
each restart's readiness commits VALID, and `network status` shows the restart counts.

Runs on a network of its own (ports 22000+).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

from network import Network
from network._drill import run_drill

from .conftest import REPO

PORT_BASE = 22000
# the load goes through PowerMSP's peer: its own peer and chaincode server are the hard cases
TARGETS = ["ccserver.power", "peer0.power", "leader"] * 2


def test_killed_nodes_are_restarted_and_later_transactions_are_valid(
        isolated_network: Network) -> None:
    net = isolated_network
    report = run_drill(net, TARGETS)
    killed = Counter(r.node for r in report.recoveries)
    assert len(report.recoveries) == 6 and killed["ccserver.power"] == 2
    orderers = sum(n.startswith("orderer") for n in killed.elements())
    assert killed["peer0.power"] == 2 and orderers == 2
    healthy = report.after_ready()
    assert len(healthy) >= 6 * 5
    bad = [t for t in healthy if t.outcome != "VALID"]
    assert bad == [], f"after readiness, not VALID: {bad}"
    outage = Counter(t.outcome for t in report.outage())
    print(f"\ndrill: {len(report.txs)} transactions, {len(healthy)} after readiness (all VALID), "
          f"during outages: {dict(outage) or 'none failed'}")
    for r in report.recoveries:
        print(f"  {r.node:16} restarted {r.restarted - r.killed:5.2f} s, ready "
              f"{r.ready - r.killed:5.2f} s, first VALID tx "
              f"{(r.first_valid or float('nan')) - r.killed:5.2f} s after the kill")
    # the supervisor counted every restart, and `network status` prints the counts
    for node, n in killed.items():
        assert report.restarts[node] == n, (node, report.restarts)
    env = {"CARBONTRUST_RUN_DIR": str(net.run_dir), "CARBONTRUST_PORT_BASE": str(PORT_BASE),
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "network", "status"], cwd=REPO, env=env,
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    lines = {ln.split()[0]: ln for ln in out.stdout.splitlines()}
    for node, n in killed.items():
        assert f"restarts={n} " in lines[node] and "last_exit=signal 9" in lines[node]
    untouched = [n for n in net.node_names() if n not in killed]
    assert all("restarts=0 " in lines[n] for n in untouched)
