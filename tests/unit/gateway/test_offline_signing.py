"""Offline signing: the same bytes on the wire as in-process signing (deterministic signer)."""

from __future__ import annotations

import grpc
import pytest

import gateway as g
from tests.unit.gateway.fake_gateway import FakePeer


@pytest.fixture()
def signer(key_pem: bytes) -> g.Signer:
    return g.new_private_key_signer(key_pem, deterministic=True)


def test_offline_flow_matches_in_process_bytes(fake_peer: FakePeer, identity, signer):
    with (
        g.connect(fake_peer.endpoint, identity, insecure=True) as offline,  # no signer at all
        g.connect(fake_peer.endpoint, identity, signer, insecure=True) as online,
    ):
        contract = offline.get_network("carbon").get_contract("carbon")
        unsigned = contract.new_proposal("put", ["k", "v"])
        with pytest.raises(g.MissingSignerError):
            unsigned.endorse()

        proposal = offline.new_signed_proposal(unsigned.bytes, signer(unsigned.digest))
        assert proposal.transaction_id == unsigned.transaction_id
        # the same proposal signed in process (through the other gateway) is byte-identical
        twin = online.new_signed_proposal(unsigned.bytes, b"")
        twin._proposed.proposal.signature = b""
        twin._sign()
        assert twin.bytes == proposal.bytes

        transaction = proposal.endorse()
        assert transaction.result == b"v"
        signed_tx = offline.new_signed_transaction(transaction.bytes, signer(transaction.digest))
        commit = signed_tx.submit()
        sent = fake_peer.received["submit"][-1].prepared_transaction
        assert sent.signature == signer(transaction.digest)
        signed_commit = offline.new_signed_commit(commit.bytes, signer(commit.digest))
        status = signed_commit.status()
        assert status.successful and status.transaction_id == unsigned.transaction_id
    assert fake_peer.bad_signatures == 0


def test_digests_are_sha256_of_the_signed_bytes(fake_peer: FakePeer, identity, signer):
    from fabric_protos.gateway import gateway_pb2

    with g.connect(fake_peer.endpoint, identity, signer, insecure=True) as gw:
        contract = gw.get_network("carbon").get_contract("carbon")
        proposal = contract.new_proposal("put", ["k", "v"])
        proposed = gateway_pb2.ProposedTransaction.FromString(proposal.bytes)
        assert proposal.digest == g.sha256(proposed.proposal.proposal_bytes)
        transaction = proposal.endorse()
        prepared = gateway_pb2.PreparedTransaction.FromString(transaction.bytes)
        assert transaction.digest == g.sha256(prepared.envelope.payload)
        commit = transaction.submit()
        signed = gateway_pb2.SignedCommitStatusRequest.FromString(commit.bytes)
        assert commit.digest == g.sha256(signed.request)


def test_async_signer_is_awaited(fake_peer: FakePeer, identity, signer):
    async def remote_signer(digest: bytes) -> bytes:  # e.g. an HSM behind a socket
        return signer(digest)

    with g.connect(fake_peer.endpoint, identity, remote_signer, insecure=True) as gw:
        assert gw.get_network("carbon").get_contract("carbon").submit("put", ["a", "b"]) == b"b"
    assert fake_peer.bad_signatures == 0


def test_bad_signature_is_refused(fake_peer: FakePeer, identity):
    with (
        g.connect(fake_peer.endpoint, identity, lambda d: b"\x30\x00", insecure=True) as gw,
        pytest.raises(g.EvaluateError) as info,
    ):
        gw.get_network("carbon").get_contract("carbon").evaluate("get", ["k"])
    assert info.value.code == grpc.StatusCode.PERMISSION_DENIED
