"""The blocking API end to end against the in-process fake peer."""

from __future__ import annotations

import asyncio
import json
import threading

import grpc
import grpc.aio
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fabric_protos.peer import transaction_pb2

import gateway as g
from gateway import aio
from tests.unit.gateway.fake_gateway import FakePeer, parse_signed_proposal


@pytest.fixture()
def gw(fake_peer: FakePeer, identity: g.Identity, private_key: ec.EllipticCurvePrivateKey):
    with g.connect(
        fake_peer.endpoint, identity, g.new_private_key_signer(private_key), insecure=True
    ) as gateway:
        yield gateway


def test_submit_then_evaluate(gw: g.Gateway, fake_peer: FakePeer):
    contract = gw.get_network("carbon").get_contract("carbon")
    assert contract.submit("put", ["k", "v"]) == b"v"
    assert contract.evaluate_transaction("get", "k") == b"v"
    assert fake_peer.bad_signatures == 0
    assert {"endorse", "submit", "commit_status", "evaluate"} <= set(fake_peer.received)


def test_submit_async_gives_result_and_commit_handle(gw: g.Gateway):
    contract = gw.get_network("carbon").get_contract("carbon")
    commit = contract.submit_async("put", ["a", "1"])
    assert commit.result == b"1" and len(commit.transaction_id) == 64
    assert commit.block_number is None  # not known before the commit status, as in aio
    status = commit.status()
    assert status.successful and status.code_name == "VALID"
    assert commit.block_number == status.block_number == 1


def test_contract_name_transient_and_endorsing_orgs(gw: g.Gateway, fake_peer: FakePeer):
    contract = gw.get_network("carbon").get_contract("carbon")
    out = contract.evaluate(
        "echo_transient", transient={"value": b"secret"}, endorsing_organizations=["PowerMSP"]
    )
    assert json.loads(out) == {"value": "secret"}
    request = fake_peer.received["evaluate"][-1]
    assert list(request.target_organizations) == ["PowerMSP"]
    named = gw.get_network("carbon").get_contract("carbon", "Readings")
    with pytest.raises(g.EvaluateError):
        named.evaluate("get", ["x"])
    assert parse_signed_proposal(fake_peer.received["evaluate"][-1].proposed_transaction).fn == (
        "Readings:get"
    )


def test_chaincode_failure_names_each_endorsing_peer(gw: g.Gateway):
    contract = gw.get_network("carbon").get_contract("carbon")
    with pytest.raises(g.EndorseError) as info:
        contract.submit("fail", ["boom"])
    err = info.value
    assert err.code == grpc.StatusCode.ABORTED and len(err.transaction_id or "") == 64
    assert [d.msp_id for d in err.details] == ["PowerMSP", "CertifierMSP", "RegulatorMSP"]
    assert all("boom" in d.message for d in err.details)
    assert "peer0.certifier:7051 (CertifierMSP): chaincode response 500, boom" in str(err)


def test_evaluate_error_detail(gw: g.Gateway):
    with pytest.raises(g.EvaluateError) as info:
        gw.get_network("carbon").get_contract("carbon").evaluate("get", ["missing"])
    assert info.value.details[0].message == "chaincode response 404, key not found: missing"


def test_invalid_commit_raises_commit_error_with_code_name(gw: g.Gateway, fake_peer: FakePeer):
    fake_peer.next_codes = [transaction_pb2.MVCC_READ_CONFLICT]
    with pytest.raises(g.CommitError) as info:
        gw.get_network("carbon").get_contract("carbon").submit("put", ["k", "v"])
    err = info.value
    assert err.code_name == "MVCC_READ_CONFLICT" and err.block_number == 1
    assert err.transaction_id in str(err) and "MVCC_READ_CONFLICT" in str(err)


def test_per_call_deadline(gw: g.Gateway, fake_peer: FakePeer):
    fake_peer.state["k"] = b"v"
    fake_peer.evaluate_delay = 0.5
    contract = gw.get_network("carbon").get_contract("carbon")
    with pytest.raises(g.EvaluateError) as info:
        contract.evaluate("get", ["k"], timeout=0.1)
    assert info.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert contract.evaluate("get", ["k"], timeout=5) == b"v"


def test_default_timeouts_apply(fake_peer: FakePeer, identity, private_key):
    fake_peer.state["k"] = b"v"
    fake_peer.evaluate_delay = 0.4
    with (
        g.connect(
            fake_peer.endpoint,
            identity,
            g.new_private_key_signer(private_key),
            insecure=True,
            timeouts=g.Timeouts(evaluate=0.1),
        ) as gw,
        pytest.raises(g.EvaluateError, match="DEADLINE_EXCEEDED"),
    ):
        gw.get_network("carbon").get_contract("carbon").evaluate("get", ["k"])


def test_one_channel_shared_by_many_gateways(fake_peer: FakePeer, identity, private_key):
    channel = g.dial(fake_peer.endpoint, insecure=True)
    signer = g.new_private_key_signer(private_key)
    try:
        for i in range(3):
            with g.connect(channel, identity, signer) as gw:
                contract = gw.get_network("carbon").get_contract("carbon")
                assert contract.submit("put", [f"k{i}", "v"]) == b"v"
        # closing the gateways left the shared channel usable
        with g.connect(channel, identity, signer) as gw:
            assert gw.get_network("carbon").get_contract("carbon").evaluate("get", ["k2"]) == b"v"
    finally:
        g.close_channel(channel)


def test_blocking_api_is_thread_safe(gw: g.Gateway, fake_peer: FakePeer):
    contract = gw.get_network("carbon").get_contract("carbon")
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for j in range(5):
                assert contract.submit("put", [f"t{n}-{j}", str(j)]) == str(j).encode()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(fake_peer.blocks) == 21


def test_each_api_refuses_the_other_flavour_of_channel(identity):
    with grpc.insecure_channel("127.0.0.1:1") as ch, pytest.raises(TypeError, match="aio"):
        aio.connect(ch, identity)

    async def main() -> None:
        async with grpc.aio.insecure_channel("127.0.0.1:1") as ch:
            with pytest.raises(TypeError, match="gateway.dial"):
                g.connect(ch, identity)

    asyncio.run(main())
