"""An idle network endorses its next transaction on the connections it already had.

Each peer pings its chaincode server every 60 s; with gRPC's default server
policy the server answered GOAWAY too_many_pings about 4 minutes after the last
transaction and the peer silently re-dialled on the next one.  Here a network
of its own (own ports) sits idle for 6 minutes between two transactions that
every organisation endorses.  Evidence of no reconnect: each chaincode server
logs every peer stream that registers (INFO), and the count is the same after
the idle period as before; no peer logs a GOAWAY or too_many_pings.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator

import pytest

import gateway as g
from network import Network

from .conftest import make_isolated

PORT_BASE = 30500
IDLE_SECONDS = 6 * 60
REGISTERED = re.compile(r"peer stream registered")
CLOSED = re.compile(r"peer stream closed")
DROPPED = re.compile(r"too_many_pings|GoAway|GOAWAY|ENHANCE_YOUR_CALM", re.IGNORECASE)


@pytest.fixture(scope="module")
def idle_network() -> Iterator[Network]:
    saved = os.environ.get("CARBONTRUST_CC_LOG")
    os.environ["CARBONTRUST_CC_LOG"] = "INFO"  # the servers log each peer registration
    net = make_isolated("it-test_shim_idle", PORT_BASE)
    net.down(quiet=True)
    try:
        net.up()
        yield net
    finally:
        net.down()
        if saved is None:
            os.environ.pop("CARBONTRUST_CC_LOG", None)
        else:
            os.environ["CARBONTRUST_CC_LOG"] = saved


def _log_text(net: Network, name: str) -> str:
    path = net.sup.log_path(name)
    return "".join(p.read_text(errors="replace")
                   for p in sorted(path.parent.glob(path.name + "*")))


def _registrations(net: Network, pattern: re.Pattern = REGISTERED) -> dict[str, int]:
    return {g_.key: len(pattern.findall(_log_text(net, f"ccserver.{g_.key}")))
            for g_ in net.layout.orgs}


def _submit_everyone_endorses(net: Network, info: dict, key: str) -> str:
    orgs = [o.mspid for o in net.layout.orgs]
    with g.connect_with_profile(info, "PowerMSP") as gw:
        contract = gw.get_network(info["channel"]).get_contract(info["chaincode"])
        sub = contract.submit_async("put", [key, "idle"], endorsing_organizations=orgs)
        return sub.status().code_name


@pytest.mark.slow
def test_idle_network_endorses_without_reconnecting(idle_network: Network) -> None:
    import json
    info = json.loads((idle_network.run_dir / "connection.json").read_text())
    key = f"idle-{uuid.uuid4().hex[:8]}"
    assert _submit_everyone_endorses(idle_network, info, key + "-a") == "VALID"
    before = _registrations(idle_network)
    assert all(n >= 1 for n in before.values()), f"every server should have a peer: {before}"
    peer_logs_before = {o.key: len(_log_text(idle_network, f"peer0.{o.key}"))
                        for o in idle_network.layout.orgs}
    time.sleep(IDLE_SECONDS)
    assert _submit_everyone_endorses(idle_network, info, key + "-b") == "VALID"
    after = _registrations(idle_network)
    assert after == before, f"peers re-dialled their chaincode servers: {before} -> {after}"
    closed = _registrations(idle_network, CLOSED)
    assert not any(closed.values()), f"peer streams closed while idle: {closed}"
    for org in idle_network.layout.orgs:
        tail = _log_text(idle_network, f"peer0.{org.key}")[peer_logs_before[org.key]:]
        dropped = [ln for ln in tail.splitlines() if DROPPED.search(ln)]
        assert not dropped, f"peer0.{org.key} logged a dropped connection: {dropped[:3]}"
