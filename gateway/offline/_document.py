"""The JSON documents that carry a request to its signer and the signature back.

A service builds a request for an identity whose key it does not hold; the request travels
to the key holder (a file, an HTTP body) and comes back signed. Both forms are JSON objects,
so they pass through any transport and can be read by a person::

    {"format": "carbontrust.offline-request/1", "kind": "proposal" | "transaction" | "commit",
     "transaction_id": "...", "bytes": "<base64>", "digest": "<hex SHA-256>"}

    {"format": "carbontrust.offline-signed/1", ... the same ..., "signature": "<base64 DER>"}

``bytes`` are the official fabric-gateway clients' wire forms (``gateway.ProposedTransaction``,
``gateway.PreparedTransaction``, ``gateway.SignedCommitStatusRequest``), so the Go, Node and
Java clients' ``newSignedProposal``/``newSignedTransaction``/``newSignedCommit`` accept them
as well. ``digest`` is what gets signed: SHA-256 of the signed part (the proposal bytes, the
envelope payload, the commit status request). It is a convenience for signers that take a
digest (an HSM); it is never trusted: loading a document recomputes it from ``bytes`` and
refuses a document whose ``digest`` differs. Only SHA-256: a Fabric 2.5 MSP verifies
SHA-256 signatures only (docs/gateway.md, "Identity and signing").
"""

from __future__ import annotations

import base64
import binascii
import builtins
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import DecodeError

from gateway.offline._errors import OfflineFormatError

__all__ = ["KINDS", "REQUEST_FORMAT", "SIGNED_FORMAT", "OfflineRequest", "SignedRequest"]

REQUEST_FORMAT = "carbontrust.offline-request/1"
SIGNED_FORMAT = "carbontrust.offline-signed/1"
KINDS = ("proposal", "transaction", "commit")
_FIELDS = frozenset({"format", "kind", "transaction_id", "bytes", "digest"})


def signed_part(kind: str, message: builtins.bytes) -> tuple[builtins.bytes, str]:
    """(the bytes a signature covers, the transaction id) of a request's wire form."""
    from fabric_protos.gateway import gateway_pb2

    try:
        if kind == "proposal":
            proposed = gateway_pb2.ProposedTransaction.FromString(message)
            return bytes(proposed.proposal.proposal_bytes), str(proposed.transaction_id)
        if kind == "transaction":
            prepared = gateway_pb2.PreparedTransaction.FromString(message)
            return bytes(prepared.envelope.payload), str(prepared.transaction_id)
        if kind == "commit":
            signed = gateway_pb2.SignedCommitStatusRequest.FromString(message)
            txid = gateway_pb2.CommitStatusRequest.FromString(signed.request).transaction_id
            return bytes(signed.request), str(txid)
    except DecodeError as exc:
        raise OfflineFormatError("bytes", f"a serialized {kind} request", str(exc)) from None
    raise OfflineFormatError("kind", "one of " + ", ".join(KINDS), kind)


@dataclass(frozen=True)
class OfflineRequest:
    """A request to be signed: its kind and its wire bytes (digest and id derived)."""

    kind: str
    message: builtins.bytes
    _part: builtins.bytes = field(init=False, repr=False, compare=False)
    _txid: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        part, txid = signed_part(self.kind, self.message)
        if not part:
            raise OfflineFormatError("bytes", f"a {self.kind} request with content", "empty")
        object.__setattr__(self, "_part", part)
        object.__setattr__(self, "_txid", txid)

    @property
    def signed_bytes(self) -> builtins.bytes:
        """What the signature covers (hashed with SHA-256 by the signer)."""
        return self._part

    @property
    def digest(self) -> builtins.bytes:
        return hashlib.sha256(self.signed_bytes).digest()

    @property
    def transaction_id(self) -> str:
        return self._txid

    def document(self) -> dict[str, Any]:
        return {"format": REQUEST_FORMAT, "kind": self.kind,
                "transaction_id": self.transaction_id,
                "bytes": base64.b64encode(self.message).decode("ascii"),
                "digest": self.digest.hex()}

    def to_json(self) -> str:
        return json.dumps(self.document(), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | builtins.bytes) -> OfflineRequest:
        doc = _load(text, REQUEST_FORMAT, _FIELDS)
        return _request(doc)

    def with_signature(self, signature: builtins.bytes) -> SignedRequest:
        return SignedRequest(self, signature)


@dataclass(frozen=True)
class SignedRequest:
    """A request and its signature, made where the key is."""

    request: OfflineRequest
    signature: builtins.bytes

    def __post_init__(self) -> None:
        if not self.signature:
            raise OfflineFormatError("signature", "a signature", "empty")

    @property
    def kind(self) -> str:
        return self.request.kind

    @property
    def transaction_id(self) -> str:
        return self.request.transaction_id

    def document(self) -> dict[str, Any]:
        return {**self.request.document(), "format": SIGNED_FORMAT,
                "signature": base64.b64encode(self.signature).decode("ascii")}

    def to_json(self) -> str:
        return json.dumps(self.document(), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str | builtins.bytes) -> SignedRequest:
        doc = _load(text, SIGNED_FORMAT, _FIELDS | {"signature"})
        return cls(_request(doc), _b64("signature", doc["signature"]))


def _load(text: str | builtins.bytes, fmt: str, fields: frozenset[str]) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:   # UnicodeDecodeError is a ValueError
        raise OfflineFormatError("document", "a JSON object", f"unreadable ({exc})") from None
    if not isinstance(doc, dict):
        raise OfflineFormatError("document", "a JSON object", type(doc).__name__)
    if doc.get("format") != fmt:
        raise OfflineFormatError("format", fmt, doc.get("format"))
    for name in sorted(set(doc) - fields):
        raise OfflineFormatError(name, "no such field (allowed: " + ", ".join(sorted(fields))
                                 + ")", name)
    for name in sorted(fields - set(doc)):
        raise OfflineFormatError(name, "a value (required)", None)
    return doc


def _b64(field: str, value: Any) -> builtins.bytes:
    if not isinstance(value, str):
        raise OfflineFormatError(field, "base64 text", type(value).__name__)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise OfflineFormatError(field, "base64 text", value[:40]) from None


def _request(doc: dict[str, Any]) -> OfflineRequest:
    if doc["kind"] not in KINDS:
        raise OfflineFormatError("kind", "one of " + ", ".join(KINDS), doc["kind"])
    request = OfflineRequest(doc["kind"], _b64("bytes", doc["bytes"]))
    if doc["digest"] != request.digest.hex():
        raise OfflineFormatError("digest", f"SHA-256 of the signed part of bytes "
                                 f"({request.digest.hex()})", doc["digest"])
    if doc["transaction_id"] != request.transaction_id:
        raise OfflineFormatError("transaction_id", f"the id in bytes ({request.transaction_id})",
                                 doc["transaction_id"])
    return request
