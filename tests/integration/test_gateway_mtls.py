"""Mutual TLS on a network whose peers require client certificates (own network, port base 23000).

Without a client certificate the TLS handshake is refused; with one, submit, evaluate,
chaincode events and block events work, and block events carry the SHA-256 of the client's
TLS certificate, which the peer checks against the certificate of the TLS session.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

import gateway as g
from network import Network, load_layout

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PORT_BASE = 23000


@pytest.fixture(scope="module")
def mtls_info() -> Iterator[dict]:
    env = {**os.environ, "CARBONTRUST_PORT_BASE": str(PORT_BASE),
           "CARBONTRUST_PEER_CLIENT_AUTH": "1"}
    net = Network(run_dir=REPO / ".run" / "it-test_gateway_mtls", layout=load_layout(env=env))
    net.down(quiet=True)
    net.up()
    try:
        yield json.loads((net.run_dir / "connection.json").read_text())
    finally:
        net.down()


def _connect(info: dict, msp_id: str, *, client_tls: bool, **kw: object) -> g.Gateway:
    identity, signer = g.profile_identity(info, msp_id)
    org = info["orgs"][msp_id]
    user = org["users"]["User1"]
    tls = (
        {"client_certificate": Path(user["tls_cert"]).read_bytes(),
         "client_key": Path(user["tls_key"]).read_bytes()}
        if client_tls else {}
    )
    return g.connect(org["peer_endpoint"], identity, signer,
                     tls_root_certificates=Path(org["tls_ca"]).read_bytes(), **tls, **kw)


def test_without_a_client_certificate_the_peer_refuses(mtls_info: dict):
    with _connect(mtls_info, "PowerMSP", client_tls=False) as gw:
        contract = gw.get_network(mtls_info["channel"]).get_contract(mtls_info["chaincode"])
        with pytest.raises(g.EvaluateError) as err:
            contract.evaluate("get", ["anything"], timeout=10)
    assert err.value.code == grpc.StatusCode.UNAVAILABLE
    assert "requires a TLS client certificate" in str(err.value)


def test_with_a_client_certificate_submit_and_events_work(mtls_info: dict):
    with _connect(mtls_info, "CertifierMSP", client_tls=True) as gw:
        user = mtls_info["orgs"]["CertifierMSP"]["users"]["User1"]
        assert gw.tls_cert_hash == g.tls_certificate_hash(Path(user["tls_cert"]).read_bytes())
        network = gw.get_network(mtls_info["channel"])
        contract = network.get_contract(mtls_info["chaincode"])
        key = f"mtls-{uuid.uuid4().hex[:8]}"
        commit = contract.submit_async("put", [key, "v"])
        block = commit.status().raise_for_status().block_number
        assert contract.evaluate("get", [key]) == b"v"
        with network.chaincode_events(mtls_info["chaincode"], start_block=block,
                                      timeout=30) as events:
            assert next(events).transaction_id == commit.transaction_id
        # Deliver checks the request's TLS cert hash against the session's certificate
        with network.block_events(start_block=block, timeout=30) as blocks:
            assert next(blocks).header.number == block
        with network.filtered_block_events(start_block=block, timeout=30) as fblocks:
            txids = [t.txid for t in next(fblocks).filtered_transactions]
        assert commit.transaction_id in txids


def test_block_events_without_the_tls_cert_hash_are_refused(mtls_info: dict):
    """What the client did before it sent the hash: the peer ends the stream."""
    with _connect(mtls_info, "CertifierMSP", client_tls=True) as gw:
        network = gw.get_network(mtls_info["channel"])
        request = network.new_block_events_request("filtered", start_block=0, tls_cert_hash=b"")
        with pytest.raises(g.BlockEventsError) as err, request.events(timeout=30) as blocks:
            next(blocks)
    assert "BAD_REQUEST" in str(err.value) or "FORBIDDEN" in str(err.value)


def test_closing_a_gateway_on_a_shared_channel_ends_its_stream(mtls_info: dict):
    import time

    org = mtls_info["orgs"]["PowerMSP"]
    user = org["users"]["User1"]
    tls_cert = Path(user["tls_cert"]).read_bytes()
    channel = g.dial(org["peer_endpoint"], tls_root_certificates=Path(org["tls_ca"]).read_bytes(),
                     client_certificate=tls_cert, client_key=Path(user["tls_key"]).read_bytes())
    identity, signer = g.profile_identity(mtls_info, "PowerMSP")
    try:
        mine = g.connect(channel, identity, signer,
                         tls_client_certificate_hash=g.tls_certificate_hash(tls_cert))
        other = g.connect(channel, identity, signer)
        name = mtls_info["chaincode"]
        network = mine.get_network(mtls_info["channel"])
        events = network.chaincode_events(name, timeout=30)  # from the next commit
        mine.close()
        theirs = other.get_network(mtls_info["channel"]).get_contract(name)
        theirs.submit("put", [f"after-close-{uuid.uuid4().hex[:8]}", "v"])  # still works
        started = time.monotonic()
        assert list(events) == []  # ended at close: the later commit is not delivered
        assert time.monotonic() - started < 5
        with pytest.raises(g.GatewayClosedError):
            network.get_contract(name).evaluate("get", ["k"])
        other.close()
    finally:
        g.close_channel(channel)
