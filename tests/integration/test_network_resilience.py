"""Nodes stopped and restarted, an orderer lost, the whole network restarted with its data.

These run on a network of their own (ports 27000+), never on the shared one.
"""

from __future__ import annotations

import time

import pytest

from network import Network

from .peer_cli import invoke, query

PORT_BASE = 27000


def _height(net: Network, org: str, at_least: int = 0, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            h = net.ledger_height(org)
            if h >= at_least:
                return h
        except Exception:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            return h
        time.sleep(0.25)


def test_peer_killed_and_restarted_keeps_its_ledger(isolated_network: Network) -> None:
    net = isolated_network
    for i in range(3):
        invoke(net, "power", "put", f"before-kill-{i}", str(i))
    before = _height(net, "bank")
    assert before >= 4  # genesis + lifecycle + 3 puts
    assert net.stop_node("peer0.bank", kill=True)
    assert net.status()["peer0.bank"]["pid"] is None
    # the network goes on without the bank: the other three still make a majority
    invoke(net, "power", "put", "while-bank-down", "x",
           endorsers=("power", "certifier", "regulator"))
    net.start_node("peer0.bank")
    after = _height(net, "bank", at_least=before + 1)
    assert after >= before + 1, f"bank peer height {after} after restart, was {before}"
    # and it caught up with the block committed while it was down
    assert query(net, "bank", "get", "while-bank-down") == "x"


def test_one_orderer_killed_transactions_keep_committing(isolated_network: Network) -> None:
    net = isolated_network
    start = _height(net, "power")
    assert net.stop_node("orderer1", kill=True)
    try:
        for i in range(5):
            invoke(net, "certifier", "put", f"one-orderer-down-{i}", str(i))
        assert _height(net, "power", at_least=start + 5) >= start + 5
        assert _height(net, "regulator", at_least=start + 5) >= start + 5
        assert query(net, "regulator", "get", "one-orderer-down-4") == "4"
    finally:
        net.start_node("orderer1")


def test_down_then_up_with_data_kept(isolated_network: Network) -> None:
    net = isolated_network
    invoke(net, "regulator", "put", "survives-restart", "yes")
    heights = {g.key: _height(net, g.key) for g in net.layout.orgs}
    net.down(keep_data=True)
    assert all(s["pid"] is None for s in net.status().values())
    secs = net.up()
    assert secs < 120
    for g in net.layout.orgs:
        assert _height(net, g.key, at_least=heights[g.key]) >= heights[g.key]
    assert query(net, "bank", "get", "survives-restart") == "yes"
    # chaincode still installed and committed: a new transaction goes through
    invoke(net, "power", "put", "after-restart", "ok")
    assert query(net, "certifier", "get", "after-restart") == "ok"


def test_down_leaves_no_process_behind(isolated_network: Network) -> None:
    net = isolated_network
    pids = [s["pid"] for s in net.status().values() if s["pid"]]
    assert len(pids) == len(net.node_names())
    net.down(keep_data=True)
    import os
    alive = []
    for pid in pids:
        try:
            os.kill(pid, 0)
            alive.append(pid)
        except ProcessLookupError:
            pass
    assert alive == []
    net.up()  # leave it up for the module's teardown, as the fixture expects


@pytest.mark.parametrize("node", ["peer0.nowhere", "orderer9"])
def test_unknown_node_is_a_clear_error(isolated_network: Network, node: str) -> None:
    from network import NetworkError
    with pytest.raises(NetworkError, match="nodes: orderer1"):
        isolated_network.stop_node(node)
