"""The shim against FakePeer: the behaviours the pinned Python package got wrong."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import pytest

from chaincode.probe import CONTRACTS
from chaincode.shim import Dispatcher, serve

from .fake_peer import FakePeer, make_cert, signed_proposal


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _with_peer(body, page_size: int = 2) -> FakePeer:
    addr = f"127.0.0.1:{_free_port()}"
    ready, stop = asyncio.Event(), asyncio.Event()
    server = asyncio.create_task(serve(addr, "carbon_1.0:abc", Dispatcher(*CONTRACTS),
                                       ready=ready, stop=stop))
    await asyncio.wait_for(ready.wait(), 5)
    peer = FakePeer(addr, page_size=page_size)
    await peer.run()
    try:
        await body(peer)
    finally:
        await peer.close()
        stop.set()
        await server
    return peer


def run(body, **kw) -> FakePeer:
    return asyncio.run(_with_peer(body, **kw))


def test_registers_with_its_package_id() -> None:
    async def body(peer: FakePeer) -> None:
        assert peer.registered_as == "carbon_1.0:abc"
    run(body)


def test_put_then_get_and_event_attached() -> None:
    async def body(peer: FakePeer) -> None:
        resp, msg = await peer.invoke("tx1", "put", "k", "v1")
        assert resp.status == 200 and resp.payload == b"v1"
        assert msg.chaincode_event.event_name == "put"
        assert json.loads(msg.chaincode_event.payload) == {"key": "k", "value": "v1"}
        assert peer.state[("", "k")] == b"v1"
        resp, _ = await peer.invoke("tx2", "get", "k")
        assert (resp.status, resp.payload) == (200, b"v1")
    run(body)


def test_concurrent_transactions_all_complete_with_their_own_results() -> None:
    async def body(peer: FakePeer) -> None:
        results = await asyncio.gather(
            *(peer.invoke(f"tx{i}", "put", f"k{i}", f"v{i}") for i in range(40)))
        assert [r.payload for r, _ in results] == [f"v{i}".encode() for i in range(40)]
        assert len({m.txid for _, m in results}) == 40
        # requests of different transactions really interleave on the one stream:
        # tx "c1" asks for its state before tx "c0" has written its own.
        await asyncio.gather(*(peer.invoke(f"c{i}", "increment", f"n{i}") for i in range(2)))
        assert peer.requests.index(("GET_STATE", "c1")) < peer.requests.index(("PUT_STATE", "c0"))
        assert peer.state[("", "n0")] == peer.state[("", "n1")] == b"1"
    run(body)


def test_peer_error_is_raised_not_taken_as_success() -> None:
    async def body(peer: FakePeer) -> None:
        peer.refuse.add("secret")
        resp, msg = await peer.invoke("tx1", "get_private", "privateReadings", "secret")
        assert resp.status == 500
        assert "access denied to secret" in resp.message
        assert "GET_STATE" in resp.message and not msg.chaincode_event.event_name
    run(body)


def test_exception_answered_at_once_with_its_message() -> None:
    async def body(peer: FakePeer) -> None:
        t0 = time.monotonic()
        resp, _ = await peer.invoke("tx1", "fail", "meter 17 offline")
        assert time.monotonic() - t0 < 1.0
        assert resp.status == 500 and "meter 17 offline" in resp.message
    run(body)


def test_failure_message_goes_to_the_client_not_the_warning_log(
        caplog: pytest.LogCaptureFixture) -> None:
    async def body(peer: FakePeer) -> None:
        resp, _ = await peer.invoke("tx-log-1", "fail", "meter 17 reading 4711 kWh")
        assert "meter 17 reading 4711 kWh" in resp.message
    with caplog.at_level("WARNING", logger="chaincode"):
        run(body)
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("tx-log-1" in m and "RuntimeError" in m for m in warned), warned
    assert not any("4711" in m for m in warned), warned


def test_unknown_function_and_wrong_arity_are_client_errors() -> None:
    async def body(peer: FakePeer) -> None:
        resp, _ = await peer.invoke("tx1", "transfer", "a")
        assert resp.status == 404 and "transfer" in resp.message and "put" in resp.message
        resp, _ = await peer.invoke("tx2", "put", "only-key")
        assert resp.status == 400 and "takes 2 argument" in resp.message
    run(body)


def test_empty_key_refused_before_reaching_the_peer() -> None:
    async def body(peer: FakePeer) -> None:
        resp, _ = await peer.invoke("tx1", "put", "", "v")
        assert resp.status == 400 and "non-empty" in resp.message
        assert not any(k == "PUT_STATE" for k, _ in peer.requests)
    run(body)


def test_range_follows_pages_and_closes_iterator() -> None:
    async def body(peer: FakePeer) -> None:
        for i in range(5):
            await peer.invoke(f"p{i}", "put", f"r{i}", str(i))
        resp, _ = await peer.invoke("q", "range", "r1", "r4")
        assert json.loads(resp.payload) == [["r1", "1"], ["r2", "2"], ["r3", "3"]]
        kinds = [k for k, t in peer.requests if t == "q"]
        assert kinds.count("QUERY_STATE_NEXT") == 1 and kinds[-2] == "QUERY_STATE_CLOSE"
    run(body, page_size=2)


def test_creator_identity_and_attributes() -> None:
    async def body(peer: FakePeer) -> None:
        cert = make_cert({"role": "meter-gateway"})
        resp, _ = await peer.invoke("tx1", "whoami",
                                    proposal=signed_proposal("PowerMSP", cert))
        who = json.loads(resp.payload)
        assert who["mspid"] == "PowerMSP"
        assert who["attributes"] == {"role": "meter-gateway"}
        assert who["ous"] == ["client"] and "User1@power.test" in who["subject"]
    run(body)


def test_transient_data_and_private_data_round_trip() -> None:
    async def body(peer: FakePeer) -> None:
        prop = signed_proposal("PowerMSP", make_cert(), {"value": b"42 kWh"})
        resp, _ = await peer.invoke("tx1", "put_private", "privateReadings", "m1", proposal=prop)
        assert resp.status == 200, resp.message
        assert peer.state[("privateReadings", "m1")] == b"42 kWh"
        assert ("", "m1") not in peer.state
        resp, _ = await peer.invoke("tx2", "get_private", "privateReadings", "m1")
        assert resp.payload == b"42 kWh"
        import hashlib
        resp, _ = await peer.invoke("tx3", "get_private_hash", "privateReadings", "m1")
        assert resp.payload.decode() == hashlib.sha256(b"42 kWh").hexdigest()
        resp, _ = await peer.invoke("tx4", "put_private", "privateReadings", "m2",
                                    proposal=signed_proposal("PowerMSP", make_cert()))
        assert resp.status == 400 and "transient" in resp.message
    run(body)


def test_keepalive_is_echoed() -> None:
    async def body(peer: FakePeer) -> None:
        await peer.keepalive()
        for _ in range(100):
            if peer.keepalives:
                break
            await asyncio.sleep(0.01)
        assert peer.keepalives == 1
    run(body)


def test_transaction_must_be_async() -> None:
    from chaincode.shim import transaction
    with pytest.raises(TypeError, match="async"):
        @transaction
        def sync_tx(self, stub):  # type: ignore[no-untyped-def]
            return None
