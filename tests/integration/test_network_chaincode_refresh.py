"""A reused network serves the current contract: servers that run older sources are restarted.

Runs on a network of its own (ports 22500+).  The contract's package is copied to a
directory the servers import it from, then edited there, as a developer edits chaincode/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from network import Network

from .conftest import reuse_running
from .peer_cli import query

PORT_BASE = 22500
NEW_FN = '''class Probe(Contract):
    @transaction
    async def drill_version(self, stub: Stub) -> str:
        return "edited"

'''


def test_an_edited_contract_is_detected_and_its_servers_restarted(
        isolated_network: Network, tmp_path: Path) -> None:
    net = isolated_network
    servers = [n for n in net.node_names() if n.startswith("ccserver.")]
    assert net.stale_chaincode() == []
    # servers import the contract from a copy of the package (same sources, same digest) ...
    shutil.copytree(net.cc_sources[0], tmp_path / "chaincode",
                    ignore=shutil.ignore_patterns("__pycache__"))
    net.cc_root = tmp_path
    assert reuse_running(net) is True and net.stale_chaincode() == []
    old_pids = {n: net.sup.pid(n) for n in servers}
    # ... then the contract is edited: a new transaction function
    probe = tmp_path / "chaincode" / "probe.py"
    probe.write_text(probe.read_text().replace("class Probe(Contract):\n", NEW_FN, 1))
    with pytest.raises(RuntimeError, match="drill_version"):
        query(net, "bank", "drill_version")  # the running servers do not know it yet
    assert sorted(net.stale_chaincode()) == sorted(servers)
    assert reuse_running(net) is True  # what the fixtures and `make demo` do
    assert all(net.sup.pid(n) not in (None, old_pids[n]) for n in servers)
    assert net.stale_chaincode() == []
    assert query(net, "bank", "drill_version") == "edited"
    assert all(net.status()[n]["restarts"] == 0 for n in servers)  # deliberate, not crashes
