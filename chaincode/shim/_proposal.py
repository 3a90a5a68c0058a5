"""The proposal behind a transaction: what Fabric's Go shim reads out of it, checked.

The peer sends the client's SignedProposal with each TRANSACTION.  As the Go
shim does, we refuse a proposal whose channel header type is neither
ENDORSER_TRANSACTION nor CONFIG, and expose the creator, transient map,
binding (SHA-256 of nonce, creator and little-endian epoch), timestamp and
channel id; decorations come from the ChaincodeInput.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from fabric_protos.common import common_pb2
from fabric_protos.peer import proposal_pb2
from google.protobuf.message import DecodeError

ALLOWED_TYPES = (common_pb2.ENDORSER_TRANSACTION, common_pb2.CONFIG)


class ProposalError(ValueError):
    """The proposal the peer forwarded cannot be used; names the transaction and the fault."""

    def __init__(self, txid: str, fault: str) -> None:
        super().__init__(f"transaction {txid}: {fault}")
        self.txid, self.fault = txid, fault


@dataclass(frozen=True)
class ProposalInfo:
    signed_proposal: proposal_pb2.SignedProposal | None = None
    creator: bytes = b""
    transient: dict[str, bytes] = field(default_factory=dict)
    binding: bytes = b""
    timestamp: tuple[int, int] | None = None  # (seconds, nanos) from the channel header


def parse(txid: str, signed: proposal_pb2.SignedProposal | None) -> ProposalInfo:
    """The proposal's fields; an absent proposal gives empty ones (as Go's shim allows)."""
    if signed is None or not signed.proposal_bytes:
        return ProposalInfo()
    try:
        prop = proposal_pb2.Proposal.FromString(signed.proposal_bytes)
        if not prop.header:
            raise ProposalError(txid, "proposal header is empty")
        header = common_pb2.Header.FromString(prop.header)
        chdr = common_pb2.ChannelHeader.FromString(header.channel_header)
        if chdr.type not in ALLOWED_TYPES:
            name = common_pb2.HeaderType.Name(chdr.type) if chdr.type in \
                common_pb2.HeaderType.values() else str(chdr.type)
            raise ProposalError(txid, f"invalid channel header type: expected "
                                f"ENDORSER_TRANSACTION or CONFIG, found {name}")
        shdr = common_pb2.SignatureHeader.FromString(header.signature_header)
        payload = proposal_pb2.ChaincodeProposalPayload.FromString(prop.payload)
    except DecodeError as exc:
        raise ProposalError(txid, f"proposal does not parse: {exc}") from exc
    binding = hashlib.sha256(shdr.nonce + shdr.creator
                             + chdr.epoch.to_bytes(8, "little")).digest()
    return ProposalInfo(signed_proposal=signed, creator=bytes(shdr.creator),
                        transient=dict(payload.TransientMap), binding=binding,
                        timestamp=(chdr.timestamp.seconds, chdr.timestamp.nanos))
