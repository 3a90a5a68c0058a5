"""Closing ends everything: streams, in-flight calls, a gateway on a shared channel."""

from __future__ import annotations

import asyncio
import gc
import threading
import time

import pytest
from fabric_protos.common import common_pb2

import gateway as g
from gateway import aio
from tests.unit.gateway.fake_gateway import FakePeer


def _signer(private_key):  # noqa: ANN001, ANN202
    return g.new_private_key_signer(private_key)


def test_blocking_stream_dropped_without_close_is_cancelled(fake_peer: FakePeer, identity,
                                                            private_key):
    with g.connect(fake_peer.endpoint, identity, _signer(private_key), insecure=True) as gw:
        events = gw.get_network("carbon").chaincode_events("carbon", start_block=0)
        assert fake_peer.wait_streams(1) == 1
        del events  # no with, no close(): the caller forgot it
        gc.collect()
        assert fake_peer.wait_streams(0) == 0, "the peer still serves a dropped stream"


def test_close_racing_an_opening_stream_leaves_no_call_open(fake_peer: FakePeer, identity,
                                                            private_key):
    """close() while the stream is still being signed: the call opened afterwards is cancelled."""
    sign = _signer(private_key)

    async def main() -> None:
        release = asyncio.Event()

        async def slow_signer(digest: bytes) -> bytes:
            await release.wait()
            return sign(digest)

        async with aio.connect(fake_peer.endpoint, identity, slow_signer, insecure=True) as gw:
            stream = gw.get_network("carbon").chaincode_events("carbon", start_block=0)
            opening = asyncio.ensure_future(stream.start())
            await asyncio.sleep(0.05)  # the stream is waiting for its signature
            await stream.close()
            release.set()
            await opening
            assert [e async for e in stream] == []
            # the call that the opening created must not be left open: give the peer time
            # to start serving it (it would, within milliseconds), then none may be open
            await asyncio.sleep(0.5)
            assert await asyncio.to_thread(fake_peer.wait_streams, 0, 2.0) == 0

    asyncio.run(main())


def test_gateway_close_on_shared_channel_ends_its_streams_and_contracts(
    fake_peer: FakePeer, identity, private_key
):
    channel = g.dial(fake_peer.endpoint, insecure=True)
    try:
        mine = g.connect(channel, identity, _signer(private_key))
        other = g.connect(channel, identity, _signer(private_key))
        contract = mine.get_network("carbon").get_contract("carbon")
        contract.submit("put", ["k", "v"])
        events = mine.get_network("carbon").chaincode_events("carbon", start_block=1)
        assert next(events).transaction_id
        assert fake_peer.wait_streams(1) == 1

        mine.close()
        assert mine.closed
        assert fake_peer.wait_streams(0) == 0, "the closed gateway's stream still delivers"
        assert list(events) == []  # ended, not failed
        with pytest.raises(g.GatewayClosedError, match="gateway is closed"):
            contract.evaluate("get", ["k"])
        with pytest.raises(g.GatewayClosedError):
            mine.get_network("carbon").chaincode_events("carbon", start_block=0)
        # the other gateway on the same channel is untouched
        assert other.get_network("carbon").get_contract("carbon").evaluate("get", ["k"]) == b"v"
        other.close()
    finally:
        g.close_channel(channel)


def test_calls_in_flight_are_cancelled_by_close(fake_peer: FakePeer, identity, private_key):
    fake_peer.evaluate_delay = 3.0
    gw = g.connect(fake_peer.endpoint, identity, _signer(private_key), insecure=True)
    contract = gw.get_network("carbon").get_contract("carbon")
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            contract.evaluate("get", ["k"], timeout=10)
        except BaseException as err:  # noqa: BLE001 - recorded for the assertion
            outcome.append(err)

    worker = threading.Thread(target=call)
    worker.start()
    time.sleep(0.3)
    started = time.monotonic()
    gw.close()
    worker.join(5)
    assert time.monotonic() - started < 2.0
    assert len(outcome) == 1 and isinstance(outcome[0], g.GatewayClosedError), outcome
    assert "during the evaluate call" in str(outcome[0])


def test_using_a_closed_gateway_raises_gateway_error_not_usage_error(fake_peer: FakePeer,
                                                                      identity, private_key):
    gw = g.connect(fake_peer.endpoint, identity, _signer(private_key), insecure=True)
    contract = gw.get_network("carbon").get_contract("carbon")
    gw.close()  # it dialled the channel: the channel is closed too
    with pytest.raises(g.GatewayClosedError) as err:
        contract.submit("put", ["k", "v"])
    assert isinstance(err.value, g.GatewayError)
    with pytest.raises(g.GatewayClosedError):
        gw.get_network("carbon").block_events(start_block=0)


def test_block_events_carry_the_tls_client_certificate_hash(fake_peer: FakePeer, identity,
                                                            private_key):
    from tests.unit.gateway.conftest import make_cert

    tls_cert = make_cert(private_key, cn="tls-client")
    expected = g.tls_certificate_hash(tls_cert)
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    der = x509.load_pem_x509_certificate(tls_cert).public_bytes(serialization.Encoding.DER)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    assert expected == digest.finalize() == g.tls_certificate_hash(der)

    channel = g.dial(fake_peer.endpoint, insecure=True)
    try:
        with g.connect(channel, identity, _signer(private_key),
                       tls_client_certificate_hash=expected) as gw:
            assert gw.tls_cert_hash == expected
            with gw.get_network("carbon").filtered_block_events(start_block=0) as blocks:
                assert next(blocks).number == 0
    finally:
        g.close_channel(channel)
    envelope = fake_peer.received["deliver"][-1]
    payload = common_pb2.Payload.FromString(envelope.payload)
    header = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
    assert header.tls_cert_hash == expected


def test_client_certificate_needs_its_key(identity):
    with pytest.raises(ValueError, match="both client_certificate and client_key"):
        aio.connect("127.0.0.1:1", identity, client_certificate=b"pem")
