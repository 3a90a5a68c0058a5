"""What a request asks its signer to sign, decoded from its bytes (never from what a sender says).

A key holder signing for a service must know what it signs: ``describe`` decodes the wire
bytes into the facts that matter (channel, chaincode, function and arguments, the creator,
the time; for an endorsed transaction also who endorsed it and the chaincode's answer) and
checks what can be checked without the network: the transaction id is the creator's
(SHA-256 of nonce and creator, as Fabric derives it), and the ids inside agree. Transient
values are never shown (they are private): only their names, sizes and SHA-256.

Fabric binds an endorsed transaction to its proposal: validation recomputes the proposal
hash from the transaction's header and proposal payload and compares it with the one the
endorsers signed, so the function and arguments shown for a transaction are the ones that
ran.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.msp import identities_pb2
from fabric_protos.peer import chaincode_pb2, proposal_pb2, proposal_response_pb2, transaction_pb2
from google.protobuf.message import DecodeError

from gateway.offline._document import OfflineRequest
from gateway.offline._errors import OfflineFormatError, OfflineIdentityError

__all__ = ["creator_of", "describe"]


def _arg(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(value).decode("ascii")


def _identity(data: bytes) -> dict[str, Any]:
    try:
        ser = identities_pb2.SerializedIdentity.FromString(data)
        cert = x509.load_pem_x509_certificate(ser.id_bytes)
    except (DecodeError, ValueError) as exc:
        raise OfflineIdentityError("creator", "an MSP id and an X.509 certificate",
                                   str(exc)) from None
    der = cert.public_bytes(serialization.Encoding.DER)
    return {"mspid": ser.mspid, "subject": cert.subject.rfc4514_string(),
            "fingerprint": hashlib.sha256(der).hexdigest(), "pem": bytes(ser.id_bytes)}


def _time(ts: Any) -> str:
    base = datetime.datetime.fromtimestamp(ts.seconds, datetime.UTC)
    return f"{base.year:04d}-{base:%m-%dT%H:%M:%S}.{ts.nanos:09d}Z"   # %Y is unpadded


def _header(header_bytes: bytes, txid: str) -> tuple[dict[str, Any], bytes]:
    header = common_pb2.Header.FromString(header_bytes)
    channel = common_pb2.ChannelHeader.FromString(header.channel_header)
    signature = common_pb2.SignatureHeader.FromString(header.signature_header)
    if channel.tx_id != txid:
        raise OfflineFormatError("bytes", f"a header of transaction {txid}", channel.tx_id)
    want = hashlib.sha256(signature.nonce + signature.creator).hexdigest()
    if channel.tx_id != want:
        raise OfflineFormatError("transaction_id", f"SHA-256 of nonce and creator ({want})",
                                 channel.tx_id)
    return ({"channel": channel.channel_id, "timestamp": _time(channel.timestamp)},
            bytes(signature.creator))


def _invocation(payload: proposal_pb2.ChaincodeProposalPayload) -> dict[str, Any]:
    spec = chaincode_pb2.ChaincodeInvocationSpec.FromString(payload.input).chaincode_spec
    args = list(spec.input.args)
    if not args:
        raise OfflineFormatError("bytes", "a chaincode invocation naming a function", "none")
    return {"chaincode": spec.chaincode_id.name, "function": _arg(args[0]),
            "args": [_arg(a) for a in args[1:]]}


def _proposal(proposed: gateway_pb2.ProposedTransaction) -> tuple[dict[str, Any], bytes]:
    proposal = proposal_pb2.Proposal.FromString(proposed.proposal.proposal_bytes)
    out, creator = _header(proposal.header, proposed.transaction_id)
    payload = proposal_pb2.ChaincodeProposalPayload.FromString(proposal.payload)
    out.update(_invocation(payload))
    out["transient"] = {k: {"bytes": len(v), "sha256": hashlib.sha256(v).hexdigest()}
                        for k, v in sorted(payload.TransientMap.items())}
    out["endorsing_organizations"] = list(proposed.endorsing_organizations)
    return out, creator


def _transaction(prepared: gateway_pb2.PreparedTransaction) -> tuple[dict[str, Any], bytes]:
    payload = common_pb2.Payload.FromString(prepared.envelope.payload)
    out, creator = _header(payload.header.SerializeToString(), prepared.transaction_id)
    tx = transaction_pb2.Transaction.FromString(payload.data)
    if len(tx.actions) != 1:
        raise OfflineFormatError("bytes", "an endorsed transaction with one action",
                                 f"{len(tx.actions)} actions")
    action = transaction_pb2.ChaincodeActionPayload.FromString(tx.actions[0].payload)
    out.update(_invocation(proposal_pb2.ChaincodeProposalPayload.FromString(
        action.chaincode_proposal_payload)))
    prp = proposal_response_pb2.ProposalResponsePayload.FromString(
        action.action.proposal_response_payload)
    cc_action = proposal_pb2.ChaincodeAction.FromString(prp.extension)
    out["endorsed_by"] = sorted({_identity(e.endorser)["mspid"]
                                 for e in action.action.endorsements})
    response = cc_action.response
    out["response"] = {"status": response.status, "message": response.message,
                       "payload_sha256": hashlib.sha256(response.payload).hexdigest(),
                       "payload": _arg(response.payload)}
    return out, creator


def _commit(signed: gateway_pb2.SignedCommitStatusRequest) -> tuple[dict[str, Any], bytes]:
    request = gateway_pb2.CommitStatusRequest.FromString(signed.request)
    return {"channel": request.channel_id}, bytes(request.identity)


def _decode(request: OfflineRequest) -> tuple[dict[str, Any], bytes]:
    try:
        if request.kind == "proposal":
            return _proposal(gateway_pb2.ProposedTransaction.FromString(request.message))
        if request.kind == "transaction":
            return _transaction(gateway_pb2.PreparedTransaction.FromString(request.message))
        return _commit(gateway_pb2.SignedCommitStatusRequest.FromString(request.message))
    except DecodeError as exc:
        raise OfflineFormatError("bytes", f"a {request.kind} request", str(exc)) from None


def creator_of(request: OfflineRequest) -> tuple[str, x509.Certificate]:
    """The MSP id and certificate of the identity that must sign ``request``."""
    _facts, creator = _decode(request)
    ident = _identity(creator)
    return str(ident["mspid"]), x509.load_pem_x509_certificate(ident["pem"])


def describe(request: OfflineRequest) -> dict[str, Any]:
    """The request's facts as a JSON-able dict (see the module docstring)."""
    facts, creator = _decode(request)
    ident = _identity(creator)
    del ident["pem"]
    return {"kind": request.kind, "transaction_id": request.transaction_id,
            "digest": request.digest.hex(), "creator": ident, **facts}
