"""Offline signing for identities whose key never reaches the service that submits for them.

The official fabric-gateway clients let an application build a request, hand its digest to
whoever holds the key, and continue with the signature (``newSignedProposal``,
``newSignedTransaction``, ``newSignedCommit``); ``gateway`` has the same calls
(docs/gateway.md, "Offline signing"). This package is what a service and an enterprise need
around them (docs/consent.md):

* the service: ``Relay(gateway, channel, chaincode)`` (blocking) or ``AsyncRelay`` (asyncio),
  with the service's own identity: ``prepare(creator, function, args)`` -> an
  :class:`OfflineRequest` for the enterprise; ``endorse(signed)`` -> the transaction to sign;
  ``submit(signed)`` -> the commit handle (status asked with the service's identity);
  ``evaluate(signed)`` for a read as the enterprise. Each checks the signature first
  (:func:`verify_signature`).
* the enterprise: :func:`describe` (what it is asked to sign, decoded from the bytes) and
  :func:`sign_request` (only its own requests, only what it expects); on the command line
  ``carbontrust offline show`` / ``carbontrust offline sign``.
* consent (issue 14): :func:`grant_text`, :func:`prepare_grant`, :func:`prepare_revoke`.
* between them: JSON documents (:meth:`OfflineRequest.to_json`, :meth:`SignedRequest.to_json`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway.offline._consent import grant_text, prepare_grant, prepare_revoke
from gateway.offline._document import REQUEST_FORMAT, SIGNED_FORMAT, OfflineRequest, SignedRequest
from gateway.offline._errors import (
    OfflineError,
    OfflineExpectationError,
    OfflineFormatError,
    OfflineIdentityError,
    OfflineSignatureError,
)
from gateway.offline._inspect import creator_of, describe
from gateway.offline._prepare import prepare_proposal
from gateway.offline._sign import sign_request, verify_signature

if TYPE_CHECKING:
    from gateway._relay import Relay as AsyncRelay
    from gateway._sync._relay import Relay

__all__ = ["REQUEST_FORMAT", "SIGNED_FORMAT", "AsyncRelay", "OfflineError",
           "OfflineExpectationError", "OfflineFormatError", "OfflineIdentityError",
           "OfflineRequest", "OfflineSignatureError", "Relay", "SignedRequest", "creator_of",
           "describe", "grant_text", "prepare_grant", "prepare_proposal", "prepare_revoke",
           "sign_request", "verify_signature"]


def __getattr__(name: str) -> Any:
    # the relays import the transport (grpc); importing them here at package import would
    # also be circular (gateway._relay imports this package's modules)
    if name == "Relay":
        from gateway._sync._relay import Relay
        return Relay
    if name == "AsyncRelay":
        from gateway._relay import Relay as AsyncRelay
        return AsyncRelay
    raise AttributeError(f"module 'gateway.offline' has no attribute {name!r}")
