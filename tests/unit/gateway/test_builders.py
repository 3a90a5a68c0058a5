from __future__ import annotations

import hashlib

from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.orderer import ab_pb2
from fabric_protos.peer import chaincode_pb2, proposal_pb2
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway import Identity
from gateway._builders import (
    NONCE_SIZE,
    build_block_events_envelope,
    build_chaincode_events_request,
    build_commit_status_request,
    build_proposed_transaction,
    new_nonce,
    transaction_id,
)
from tests.unit.gateway.fake_gateway import parse_signed_proposal


def test_transaction_id_is_sha256_of_nonce_and_creator(identity: Identity):
    nonce = bytes(range(NONCE_SIZE))
    creator = identity.serialize()
    expected = hashlib.sha256(nonce + creator).hexdigest()
    assert transaction_id(nonce, creator) == expected
    assert len(expected) == 64 and expected == expected.lower()


def test_nonce_is_random_24_bytes():
    a, b = new_nonce(), new_nonce()
    assert len(a) == NONCE_SIZE and a != b


def test_proposal_round_trips_through_protobuf_types(identity: Identity):
    creator = identity.serialize()
    nonce = b"\x01" * NONCE_SIZE
    proposed = build_proposed_transaction(
        creator=creator,
        channel="carbon",
        chaincode="carbon",
        transaction_name="Readings:put",
        args=["k", b"\x00\xffv"],
        transient={"value": b"secret", "s": "text"},
        endorsing_organizations=["PowerMSP", "RegulatorMSP"],
        nonce=nonce,
    )
    again = gateway_pb2.ProposedTransaction.FromString(proposed.SerializeToString())
    assert again == proposed
    assert again.transaction_id == transaction_id(nonce, creator)
    assert list(again.endorsing_organizations) == ["PowerMSP", "RegulatorMSP"]
    assert again.proposal.signature == b""

    proposal = proposal_pb2.Proposal.FromString(again.proposal.proposal_bytes)
    header = common_pb2.Header.FromString(proposal.header)
    ch = common_pb2.ChannelHeader.FromString(header.channel_header)
    assert ch.type == common_pb2.ENDORSER_TRANSACTION
    assert ch.channel_id == "carbon" and ch.tx_id == again.transaction_id and ch.epoch == 0
    assert ch.timestamp.seconds > 1_600_000_000
    ext = proposal_pb2.ChaincodeHeaderExtension.FromString(ch.extension)
    assert ext.chaincode_id.name == "carbon"
    sh = common_pb2.SignatureHeader.FromString(header.signature_header)
    assert sh.creator == creator and sh.nonce == nonce

    payload = proposal_pb2.ChaincodeProposalPayload.FromString(proposal.payload)
    assert dict(payload.TransientMap) == {"value": b"secret", "s": b"text"}
    cis = chaincode_pb2.ChaincodeInvocationSpec.FromString(payload.input)
    assert cis.chaincode_spec.chaincode_id.name == "carbon"
    assert list(cis.chaincode_spec.input.args) == [b"Readings:put", b"k", b"\x00\xffv"]

    parsed = parse_signed_proposal(again.proposal)  # the fake peer's independent reading
    assert parsed.fn == "Readings:put" and parsed.creator == creator


def test_commit_status_request(identity: Identity):
    signed = build_commit_status_request(creator=identity.serialize(), channel="c", txid="ab")
    req = gateway_pb2.CommitStatusRequest.FromString(signed.request)
    assert (req.transaction_id, req.channel_id, req.identity) == ("ab", "c", identity.serialize())


def test_chaincode_events_request_positions(identity: Identity):
    signed = build_chaincode_events_request(
        creator=identity.serialize(),
        channel="carbon",
        chaincode="cc",
        start_block=7,
        after_transaction_id="tx1",
    )
    req = gateway_pb2.ChaincodeEventsRequest.FromString(signed.request)
    assert req.start_position.specified.number == 7
    assert req.after_transaction_id == "tx1" and req.chaincode_id == "cc"
    signed = build_chaincode_events_request(
        creator=identity.serialize(), channel="carbon", chaincode="cc", start_block=None
    )
    req = gateway_pb2.ChaincodeEventsRequest.FromString(signed.request)
    assert req.start_position.WhichOneof("Type") == "next_commit"


def test_block_events_envelope(identity: Identity):
    env = build_block_events_envelope(creator=identity.serialize(), channel="carbon", start_block=3)
    assert env.signature == b""
    payload = common_pb2.Payload.FromString(env.payload)
    ch = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
    assert ch.type == common_pb2.DELIVER_SEEK_INFO and ch.channel_id == "carbon"
    sh = common_pb2.SignatureHeader.FromString(payload.header.signature_header)
    assert sh.creator == identity.serialize()
    seek = ab_pb2.SeekInfo.FromString(payload.data)
    assert seek.start.specified.number == 3
    assert seek.stop.specified.number == 2**64 - 1
    assert seek.behavior == ab_pb2.SeekInfo.BLOCK_UNTIL_READY


@settings(max_examples=50, deadline=None)
@given(
    args=st.lists(st.binary(max_size=40), max_size=6),
    transient=st.dictionaries(st.text(min_size=1, max_size=8), st.binary(max_size=20), max_size=4),
    name=st.text(min_size=1, max_size=20),
)
def test_any_arguments_round_trip(identity: Identity, args, transient, name):
    proposed = build_proposed_transaction(
        creator=identity.serialize(),
        channel="carbon",
        chaincode="carbon",
        transaction_name=name,
        args=args,
        transient=transient,
    )
    parsed = parse_signed_proposal(
        gateway_pb2.ProposedTransaction.FromString(proposed.SerializeToString()).proposal
    )
    assert parsed.fn == name and parsed.args == args and parsed.transient == transient
    assert parsed.txid == proposed.transaction_id
