"""The shim's state API against FakePeer: key namespaces, composite keys, query iterators,
history, pagination, key-level endorsement, purge, the proposal and raw arguments."""

from __future__ import annotations

import asyncio
import hashlib
import json

import pytest
from fabric_protos.common import common_pb2
from fabric_protos.peer.chaincode_shim_pb2 import ChaincodeMessage as Msg

from chaincode.probe import CONTRACTS
from chaincode.shim import (
    CompositeKey,
    Contract,
    Dispatcher,
    InvalidKeyError,
    Stub,
    create_composite_key,
    key_endorsement_policy,
    policy_orgs,
    serve,
    split_composite_key,
    transaction,
)

from .fake_peer import FakePeer, make_cert, signed_proposal
from .test_shim import _free_port


class Early(Contract):
    """Written against the API both before and after iterators became closable."""

    @transaction
    async def first(self, stub: Stub, start: str, end: str) -> str:
        async for k, _v in stub.get_state_by_range(start, end):
            return k
        return ""


async def _with(body, contracts=CONTRACTS, page_size: int = 2) -> FakePeer:
    addr = f"127.0.0.1:{_free_port()}"
    ready, stop = asyncio.Event(), asyncio.Event()
    server = asyncio.create_task(serve(addr, "carbon_1.0:api", Dispatcher(*contracts),
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
    return asyncio.run(_with(body, **kw))


# -- item 2: iterators closed before COMPLETED ------------------------------------------
def test_range_loop_left_early_is_closed_before_completed() -> None:
    async def body(peer: FakePeer) -> None:
        for i in range(5):
            peer.state[("", f"r{i}")] = b"x"
        resp, _ = await peer.invoke("q1", "first", "r0", "r9")
        assert (resp.status, resp.payload) == (200, b"r0")
        await asyncio.sleep(0.2)  # give any finalizer its chance to send late
        kinds = [k for k, t in peer.requests if t == "q1"]
        assert kinds.index("QUERY_STATE_CLOSE") < kinds.index("COMPLETED"), kinds
        assert peer.late_requests == []
    run(body, contracts=(Early(),))


def test_every_open_iterator_is_closed_even_when_the_peer_refuses_one() -> None:
    class Two(Contract):
        @transaction
        async def go(self, stub: Stub) -> str:
            a, b = stub.get_state_by_range("r", "s"), stub.get_state_by_range("r", "s")
            await a.__anext__()
            await b.__anext__()
            return "ok"

    async def body(peer: FakePeer) -> None:
        for i in range(5):
            peer.state[("", f"r{i}")] = b"x"
        peer.refuse_types.add(Msg.QUERY_STATE_CLOSE)
        resp, _ = await peer.invoke("t2", "go")
        assert (resp.status, resp.payload) == (200, b"ok")
        kinds = [k for k, t in peer.requests if t == "t2"]
        assert kinds.count("QUERY_STATE_CLOSE") == 2
        assert kinds[-1] == "COMPLETED" and peer.late_requests == []
    run(body, contracts=(Two(),))


# -- item 3: namespaces and composite keys ----------------------------------------------
def test_open_range_skips_composite_keys_and_simple_keys_cannot_enter_them() -> None:
    async def body(peer: FakePeer) -> None:
        await peer.invoke("c1", "put_composite", "meter", '["m1", "2024"]', "7")
        await peer.invoke("s1", "put", "plain", "1")
        resp, _ = await peer.invoke("q", "range", "", "")
        assert json.loads(resp.payload) == [["plain", "1"]]
        resp, _ = await peer.invoke("w", "put", "\x00meter\x00m1\x002024\x00", "forged")
        assert resp.status == 400 and "U+0000" in resp.message
        assert peer.state[("", "\x00meter\x00m1\x002024\x00")] == b"7"
        resp, _ = await peer.invoke("r", "range", "\x00", "")
        assert resp.status == 400 and "range start key" in resp.message
    run(body)


def test_composite_key_create_split_and_validation() -> None:
    key = create_composite_key("meter", ["m1", "2024-01"])
    assert isinstance(key, CompositeKey) and key == "\x00meter\x00m1\x002024-01\x00"
    assert split_composite_key(key) == ("meter", ["m1", "2024-01"])
    assert key.parts() == ("meter", ["m1", "2024-01"])
    for bad, what in (("a\x00b", r"U\+0000"), ("a\U0010ffffb", r"U\+10FFFF"),
                      ("a\ud800", "UTF-8")):
        with pytest.raises(InvalidKeyError, match=what):
            create_composite_key("meter", [bad])
        with pytest.raises(InvalidKeyError):
            create_composite_key(bad, [])
    with pytest.raises(InvalidKeyError, match="non-empty object type"):
        create_composite_key("", ["x"])
    with pytest.raises(InvalidKeyError, match="not a composite key"):
        split_composite_key("plain")


def test_partial_composite_range_public_and_private() -> None:
    async def body(peer: FakePeer) -> None:
        for attrs, v in ((["m1", "01"], "a"), (["m1", "02"], "b"), (["m2", "01"], "c")):
            await peer.invoke(f"p{v}", "put_composite", "meter", json.dumps(attrs), v)
        await peer.invoke("x", "put_composite", "meterx", '["m1"]', "no")
        resp, _ = await peer.invoke("q1", "list_composite", "meter", '["m1"]')
        assert json.loads(resp.payload) == [[["meter", ["m1", "01"]], "a"],
                                            [["meter", ["m1", "02"]], "b"]]
        resp, _ = await peer.invoke("q2", "list_composite", "meter", "[]")
        assert len(json.loads(resp.payload)) == 3
        prop = signed_proposal("PowerMSP", make_cert(), {"value": b"9 kWh"})
        resp, _ = await peer.invoke("pp", "put_private_composite", "privateReadings", "meter",
                                    '["m1", "03"]', proposal=prop)
        assert resp.status == 200, resp.message
        assert peer.state[("privateReadings", "\x00meter\x00m1\x0003\x00")] == b"9 kWh"
        resp, _ = await peer.invoke("pq", "list_private_composite", "privateReadings",
                                    "meter", '["m1"]')
        assert json.loads(resp.payload) == [[["meter", ["m1", "03"]], "9 kWh"]]
        peer.state[("privateReadings", "k1")] = b"v"
        resp, _ = await peer.invoke("pr", "private_range", "privateReadings", "", "")
        assert json.loads(resp.payload) == [["k1", "v"]]
    run(body)


def test_history_of_a_key() -> None:
    async def body(peer: FakePeer) -> None:
        await peer.invoke("h1", "put", "k", "1")
        await peer.invoke("h2", "put", "k", "2")
        await peer.invoke("h3", "delete", "k")
        resp, _ = await peer.invoke("q", "history", "k")
        hist = json.loads(resp.payload)
        assert [(h["tx_id"], h["value"], h["is_delete"]) for h in hist] == [
            ("h3", "", True), ("h2", "2", False), ("h1", "1", False)]
        assert hist[0]["seconds"] == 1_700_000_000
    run(body)


def test_pagination_with_bookmark() -> None:
    async def body(peer: FakePeer) -> None:
        for i in range(5):
            peer.state[("", f"p{i}")] = str(i).encode()
        resp, _ = await peer.invoke("q1", "page", "p", "q", "2", "")
        first = json.loads(resp.payload)
        assert first == {"rows": [["p0", "0"], ["p1", "1"]], "fetched": 2, "bookmark": "p2"}
        resp, _ = await peer.invoke("q2", "page", "p", "q", "2", first["bookmark"])
        assert json.loads(resp.payload)["rows"] == [["p2", "2"], ["p3", "3"]]
        resp, _ = await peer.invoke("q3", "page", "p", "q", "0", "")
        assert resp.status == 500 and "page size" in resp.message
    run(body)


def test_key_level_endorsement_policy_round_trip() -> None:
    async def body(peer: FakePeer) -> None:
        resp, _ = await peer.invoke("m1", "set_key_policy", "k", '["PowerMSP"]')
        assert resp.status == 200, resp.message
        assert peer.metadata[("", "k")]["VALIDATION_PARAMETER"] == \
            key_endorsement_policy("PowerMSP")
        resp, _ = await peer.invoke("m2", "get_key_policy", "k")
        assert json.loads(resp.payload) == ["PowerMSP"]
        resp, _ = await peer.invoke("m3", "get_key_policy", "other")
        assert json.loads(resp.payload) == []
    run(body)
    assert policy_orgs(key_endorsement_policy("B", "A", "B")) == ["A", "B"]


def test_private_metadata_and_purge() -> None:
    class Priv(Contract):
        @transaction
        async def go(self, stub: Stub) -> str:
            await stub.set_private_data_validation_parameter(
                "privateReadings", "k", key_endorsement_policy("CertifierMSP"))
            vp = await stub.get_private_data_validation_parameter("privateReadings", "k")
            await stub.purge_private_data("privateReadings", "k")
            return ",".join(policy_orgs(vp))

    async def body(peer: FakePeer) -> None:
        peer.state[("privateReadings", "k")] = b"v"
        resp, _ = await peer.invoke("t", "go")
        assert (resp.status, resp.payload) == (200, b"CertifierMSP")
        assert peer.purged == [("privateReadings", "k")]
        assert ("privateReadings", "k") not in peer.state
        assert ("PURGE_PRIVATE_DATA", "t") in peer.requests
    run(body, contracts=(Priv(),))


# -- item 4: protocol strictness, proposal, arguments ------------------------------------
def test_unexpected_message_ends_the_stream() -> None:
    async def body(peer: FakePeer) -> None:
        await peer.send_raw(Msg(type=Msg.GET_STATE, txid="odd", channel_id="carbon"))
        await asyncio.wait_for(peer.ended.wait(), 5)
        assert ("ERROR", "odd") in peer.requests
    run(body)


def test_proposal_header_type_is_checked() -> None:
    async def body(peer: FakePeer) -> None:
        prop = signed_proposal("PowerMSP", make_cert(), header_type=common_pb2.CONFIG_UPDATE)
        done = await peer.invoke_raw("bad", "put", "k", "v", proposal=prop)
        assert done.type == Msg.ERROR
        assert b"CONFIG_UPDATE" in done.payload and b"ENDORSER_TRANSACTION" in done.payload
        assert ("", "k") not in peer.state
    run(body)


def test_proposal_fields_and_decorations_are_exposed() -> None:
    async def body(peer: FakePeer) -> None:
        cert = make_cert()
        prop = signed_proposal("PowerMSP", cert, {"secret": b"s"}, epoch=3)
        resp, _ = await peer.invoke("info", "tx_info", proposal=prop,
                                    decorations={"trace": b"1"})
        info = json.loads(resp.payload)
        from fabric_protos.msp import identities_pb2
        creator = identities_pb2.SerializedIdentity(mspid="PowerMSP",
                                                    id_bytes=cert).SerializeToString()
        want = hashlib.sha256(b"n" * 24 + creator + (3).to_bytes(8, "little")).hexdigest()
        assert info == {"channel": "carbon", "tx_id": "info", "binding": want,
                        "timestamp": [1_700_000_123, 456], "signed": True,
                        "decorations": ["trace"], "transient": ["secret"]}
    run(body)


def test_non_utf8_argument_is_a_400_naming_it_and_bytes_parameters_get_raw() -> None:
    async def body(peer: FakePeer) -> None:
        resp, _ = await peer.invoke("u1", "put", "k", b"\xff\xfe")
        assert resp.status == 400 and "argument 2" in resp.message
        assert "UTF-8" in resp.message and "UnicodeDecodeError" not in resp.message
        resp, _ = await peer.invoke("u2", "byte_length", b"\xff\xfe\x00")
        assert (resp.status, resp.payload) == (200, b"3")
        resp, _ = await peer.invoke("u3", b"\xc3")
        assert resp.status == 400 and "argument 0" in resp.message
    run(body)


def test_probe_touch_makes_the_calls_it_names_and_refuses_out_of_range() -> None:
    """bench/bench_shim_calls.py counts on ``touch`` making exactly these requests."""
    async def body(peer: FakePeer) -> None:
        resp, _ = await peer.invoke("t1", "touch", "privateReadings", "k", "3", "sgp", "5")
        assert (resp.status, resp.payload) == (200, b"3")
        asked = [m for m, t in peer.requests if t == "t1" and m != "COMPLETED"]
        # per key a public read, a private read, a private write; then the public write
        assert asked == ["GET_STATE", "GET_STATE", "PUT_STATE"] * 3 + ["PUT_STATE"], asked
        assert peer.state[("privateReadings", "k-2")] == b"xxxxx"
        assert peer.state[("", "k")] == b"1"
        for bad in (("1001", "s", "0"), ("1", "sx", "0"), ("1", "p", "70000")):
            resp, _ = await peer.invoke("t2", "touch", "privateReadings", "j", *bad)
            assert resp.status == 400 and "touch: count 0-1000" in resp.message, resp
    run(body)
