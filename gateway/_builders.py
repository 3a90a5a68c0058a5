"""Pure builders and parsers of the Fabric messages the client sends and receives.

No IO here: bytes and values in, protobuf messages out. The transaction id is computed as
Fabric computes it: ``hex(SHA-256(nonce || serialized creator))``.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Mapping, Sequence

from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.orderer import ab_pb2
from fabric_protos.peer import chaincode_pb2, proposal_pb2, proposal_response_pb2, transaction_pb2
from google.protobuf import timestamp_pb2

__all__ = [
    "NONCE_SIZE",
    "build_block_events_envelope",
    "build_chaincode_events_request",
    "build_commit_status_request",
    "build_proposed_transaction",
    "channel_and_result",
    "new_nonce",
    "seek_position",
    "transaction_id",
]

NONCE_SIZE = 24
_MAX_BLOCK = 2**64 - 1


def new_nonce() -> bytes:
    return os.urandom(NONCE_SIZE)


def transaction_id(nonce: bytes, creator: bytes) -> str:
    """Fabric's transaction id: lower-case hex of SHA-256(nonce || serialized creator)."""
    return hashlib.sha256(nonce + creator).hexdigest()


def _now() -> timestamp_pb2.Timestamp:
    ns = time.time_ns()
    return timestamp_pb2.Timestamp(seconds=ns // 1_000_000_000, nanos=ns % 1_000_000_000)


def _as_bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


def build_proposed_transaction(
    *,
    creator: bytes,
    channel: str,
    chaincode: str,
    transaction_name: str,
    args: Sequence[bytes | str] = (),
    transient: Mapping[str, bytes | str] | None = None,
    endorsing_organizations: Sequence[str] = (),
    nonce: bytes | None = None,
) -> gateway_pb2.ProposedTransaction:
    """An unsigned ``gateway.ProposedTransaction`` (a SignedProposal without signature)."""
    nonce = new_nonce() if nonce is None else nonce
    txid = transaction_id(nonce, creator)
    extension = proposal_pb2.ChaincodeHeaderExtension(
        chaincode_id=chaincode_pb2.ChaincodeID(name=chaincode)
    )
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.ENDORSER_TRANSACTION,
        timestamp=_now(),
        channel_id=channel,
        tx_id=txid,
        epoch=0,
        extension=extension.SerializeToString(),
    )
    signature_header = common_pb2.SignatureHeader(creator=creator, nonce=nonce)
    header = common_pb2.Header(
        channel_header=channel_header.SerializeToString(),
        signature_header=signature_header.SerializeToString(),
    )
    invocation = chaincode_pb2.ChaincodeInvocationSpec(
        chaincode_spec=chaincode_pb2.ChaincodeSpec(
            chaincode_id=chaincode_pb2.ChaincodeID(name=chaincode),
            input=chaincode_pb2.ChaincodeInput(
                args=[transaction_name.encode(), *(_as_bytes(a) for a in args)]
            ),
        )
    )
    payload = proposal_pb2.ChaincodeProposalPayload(
        input=invocation.SerializeToString(),
        TransientMap={k: _as_bytes(v) for k, v in (transient or {}).items()},
    )
    proposal = proposal_pb2.Proposal(
        header=header.SerializeToString(), payload=payload.SerializeToString()
    )
    return gateway_pb2.ProposedTransaction(
        transaction_id=txid,
        proposal=proposal_pb2.SignedProposal(proposal_bytes=proposal.SerializeToString()),
        endorsing_organizations=list(endorsing_organizations),
    )


def build_commit_status_request(
    *, creator: bytes, channel: str, txid: str
) -> gateway_pb2.SignedCommitStatusRequest:
    request = gateway_pb2.CommitStatusRequest(
        transaction_id=txid, channel_id=channel, identity=creator
    )
    return gateway_pb2.SignedCommitStatusRequest(request=request.SerializeToString())


def seek_position(start_block: int | None) -> ab_pb2.SeekPosition:
    """``specified`` at ``start_block``, or ``next_commit`` when None."""
    if start_block is None:
        return ab_pb2.SeekPosition(next_commit=ab_pb2.SeekNextCommit())
    if not 0 <= start_block <= _MAX_BLOCK:
        raise ValueError(f"block number out of range: {start_block}")
    return ab_pb2.SeekPosition(specified=ab_pb2.SeekSpecified(number=start_block))


def build_chaincode_events_request(
    *,
    creator: bytes,
    channel: str,
    chaincode: str,
    start_block: int | None,
    after_transaction_id: str = "",
) -> gateway_pb2.SignedChaincodeEventsRequest:
    request = gateway_pb2.ChaincodeEventsRequest(
        channel_id=channel,
        chaincode_id=chaincode,
        identity=creator,
        start_position=seek_position(start_block),
        after_transaction_id=after_transaction_id,
    )
    return gateway_pb2.SignedChaincodeEventsRequest(request=request.SerializeToString())


def build_block_events_envelope(
    *,
    creator: bytes,
    channel: str,
    start_block: int | None,
    tls_cert_hash: bytes = b"",
) -> common_pb2.Envelope:
    """An unsigned Deliver request: an Envelope whose payload carries a ``SeekInfo``."""
    channel_header = common_pb2.ChannelHeader(
        type=common_pb2.DELIVER_SEEK_INFO,
        timestamp=_now(),
        channel_id=channel,
        epoch=0,
        tls_cert_hash=tls_cert_hash,
    )
    seek = ab_pb2.SeekInfo(
        start=seek_position(start_block),
        stop=ab_pb2.SeekPosition(specified=ab_pb2.SeekSpecified(number=_MAX_BLOCK)),
        behavior=ab_pb2.SeekInfo.BLOCK_UNTIL_READY,
    )
    payload = common_pb2.Payload(
        header=common_pb2.Header(
            channel_header=channel_header.SerializeToString(),
            signature_header=common_pb2.SignatureHeader(creator=creator).SerializeToString(),
        ),
        data=seek.SerializeToString(),
    )
    return common_pb2.Envelope(payload=payload.SerializeToString())


def channel_and_result(envelope: common_pb2.Envelope) -> tuple[str, bytes]:
    """Channel id and chaincode result of an endorsed transaction envelope (one parse)."""
    payload = common_pb2.Payload.FromString(envelope.payload)
    channel = common_pb2.ChannelHeader.FromString(payload.header.channel_header).channel_id
    tx = transaction_pb2.Transaction.FromString(payload.data)
    if not tx.actions:
        raise ValueError("prepared transaction has no actions")
    action_payload = transaction_pb2.ChaincodeActionPayload.FromString(tx.actions[0].payload)
    prp = proposal_response_pb2.ProposalResponsePayload.FromString(
        action_payload.action.proposal_response_payload
    )
    action = proposal_pb2.ChaincodeAction.FromString(prp.extension)
    return str(channel), bytes(action.response.payload)
