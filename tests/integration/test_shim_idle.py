"""An idle network endorses its next transaction on the connections it already had.

Each peer pings its chaincode server every 60 s; with gRPC's default server
policy the server answered GOAWAY too_many_pings about 4 minutes after the last
transaction and the peer silently re-dialled on the next one.  Here a network
of its own (own ports) sits idle for 6 minutes between two transactions that
every organisation endorses.  Evidence of no reconnect: each chaincode server
logs every peer stream that registers and every one that closes (INFO); after
the idle period the registrations are as many as before and none closed.

The peer itself logs nothing when it loses the connection (at its INFO level):
a control network idle over the same minutes with gRPC's default server keepalive
(CARBONTRUST_CC_KEEPALIVE_MIN_PING_MS=300000: one peer ping per 5 min;
CARBONTRUST_CC_KEEPALIVE_TIME_MS=7200000: the server pings nobody for 2 hours) shows
each server's stream closed about 4 min after registration and re-registered by the
next transaction, with no peer log line between the two.  So the servers' logs are
the evidence, and the control (always run, in the same idle window) shows that
evidence can fail.

The control must keep both defaults.  With only the first, its servers still pinged
the peers every 60 s, and a peer (grpc-go) skips its own keepalive ping when it has
read anything within the interval, a server's ping included: whichever side's timer
fired first each minute decided whether the peer's ping (a strike) was sent, so in
two CI runs one control server of four (the bank's, then the power company's) saw
too few strikes and kept its stream.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from collections.abc import Iterator

import pytest

import gateway as g
from chaincode.shim._server import GRPC_CORE_DEFAULT
from network import Network

from .conftest import make_isolated

PORT_BASE = 30500
IDLE_SECONDS = 6 * 60
REGISTERED = re.compile(r"peer stream registered")
CLOSED = re.compile(r"peer stream closed")
# gRPC core's server defaults, for the control's servers (ours override both)
GRPC_DEFAULT_SERVER = {
    "CARBONTRUST_CC_KEEPALIVE_MIN_PING_MS": str(GRPC_CORE_DEFAULT.min_ping_interval_ms),
    "CARBONTRUST_CC_KEEPALIVE_TIME_MS": str(GRPC_CORE_DEFAULT.time_ms)}


@contextlib.contextmanager
def _network(name: str, port_base: int, keepalive: dict[str, str]) -> Iterator[Network]:
    """A network whose servers log at INFO, with the given keepalive settings (none: ours),
    and no notary followers: their audit transactions (anchoring after the first
    transaction) would be chaincode traffic inside the idle window."""
    keys = ("CARBONTRUST_CC_LOG", "CARBONTRUST_NOTARY_FOLLOWERS", *GRPC_DEFAULT_SERVER)
    saved = {k: os.environ.get(k) for k in keys}
    os.environ["CARBONTRUST_CC_LOG"] = "INFO"  # the servers log each peer stream
    os.environ["CARBONTRUST_NOTARY_FOLLOWERS"] = "0"   # no transaction but the test's own
    for k in GRPC_DEFAULT_SERVER:
        os.environ.pop(k, None)
    os.environ.update(keepalive)
    net = make_isolated(name, port_base)
    net.down(quiet=True)
    try:
        net.up()
        yield net
    finally:
        net.down()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def idle_networks() -> Iterator[tuple[Network, Network]]:
    """Ours, and a control whose servers keep gRPC's default keepalive (accept a ping per
    5 min, send none)."""
    with _network("it-test_shim_idle", PORT_BASE, {}) as ours, \
            _network("it-test_shim_idle-control", PORT_BASE + 500,
                     GRPC_DEFAULT_SERVER) as control:
        yield ours, control


def _log_text(net: Network, name: str) -> str:
    path = net.sup.log_path(name)
    return "".join(p.read_text(errors="replace")
                   for p in sorted(path.parent.glob(path.name + "*")))


def _count_lines(net: Network, pattern: re.Pattern = REGISTERED) -> dict[str, int]:
    """Per organisation, the lines of its chaincode server's log that match pattern."""
    return {g_.key: len(pattern.findall(_log_text(net, f"ccserver.{g_.key}")))
            for g_ in net.layout.orgs}


def _submit_everyone_endorses(net: Network, info: dict, key: str) -> str:
    orgs = [o.mspid for o in net.layout.orgs]
    with g.connect_with_profile(info, "PowerMSP") as gw:
        contract = gw.get_network(info["channel"]).get_contract(info["chaincode"])
        sub = contract.submit_async("put", [key, "idle"], endorsing_organizations=orgs)
        return sub.status().code_name


def _idle_between_two_transactions(nets: tuple[Network, ...]) -> list[tuple[dict, dict, dict]]:
    """Per network: (registrations before, registrations after, streams closed) around one
    idle period of 6 minutes that all the networks share."""
    infos = [json.loads((n.run_dir / "connection.json").read_text()) for n in nets]
    key = f"idle-{uuid.uuid4().hex[:8]}"
    for net, info in zip(nets, infos, strict=True):
        assert _submit_everyone_endorses(net, info, key + "-a") == "VALID"
    before = [_count_lines(net) for net in nets]
    for b in before:
        assert all(n >= 1 for n in b.values()), f"every server should have a peer: {b}"
    time.sleep(IDLE_SECONDS)
    for net, info in zip(nets, infos, strict=True):
        assert _submit_everyone_endorses(net, info, key + "-b") == "VALID"
    return [(b, _count_lines(net), _count_lines(net, CLOSED))
            for b, net in zip(before, nets, strict=True)]


@pytest.mark.slow
def test_idle_network_endorses_without_reconnecting(
        idle_networks: tuple[Network, Network]) -> None:
    """Ours keeps every peer stream; the control, idle over the same minutes with gRPC's
    default policy, loses each one once (so the evidence can fail)."""
    (before, after, closed), (c_before, c_after, c_closed) = \
        _idle_between_two_transactions(idle_networks)
    assert after == before, f"peers re-dialled their chaincode servers: {before} -> {after}"
    assert not any(closed.values()), f"peer streams closed while idle: {closed}"
    assert all(c_after[k] == c_before[k] + 1 for k in c_before), (c_before, c_after)
    assert all(n == 1 for n in c_closed.values()), c_closed
