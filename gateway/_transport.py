"""What the async and the blocking transports share: deadlines, tracking, TLS hints.

The client has two transports, one per flavour: :mod:`gateway._client` (``grpc.aio``, the
async API) and :mod:`gateway._sync._client` (grpc's blocking stubs, the blocking API).
Everything above them is written once, async, and generated for the blocking API (see
:mod:`gateway._codegen`). This module holds the parts of a transport that do not depend on
the flavour, so that both behave the same: default deadlines, what a closed gateway
refuses, and how a refused TLS session is explained.
"""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass
from typing import Any

import grpc

from gateway._errors import GatewayClosedError, GatewayError

__all__ = [
    "DELIVER_KINDS",
    "UNSET",
    "ClientBase",
    "Timeouts",
    "tls_certificate_hash",
]

# Blocks can be large (batches of readings): let them through.
_MAX_MESSAGE = 100 * 1024 * 1024
CHANNEL_OPTIONS: list[tuple[str, Any]] = [
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    ("grpc.max_send_message_length", _MAX_MESSAGE),
    ("grpc.keepalive_time_ms", 120_000),
    ("grpc.keepalive_timeout_ms", 20_000),
    ("grpc.http2.max_pings_without_data", 0),
]

#: block event kind -> (Deliver service method, DeliverResponse field)
DELIVER_KINDS = {
    "block": ("Deliver", "block"),
    "filtered": ("DeliverFiltered", "filtered_block"),
    "private": ("DeliverWithPrivateData", "block_and_private_data"),
}

#: what gRPC says when the peer refuses the TLS session for lack of a client certificate
_TLS_REFUSED = ("TSI_DATA_CORRUPTED", "CERTIFICATE_REQUIRED", "certificate required")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""Sentinel for "use the gateway's default deadline" (None means no deadline)."""


@dataclass(frozen=True)
class Timeouts:
    """Default deadlines in seconds per step (None: no deadline). Override per call."""

    evaluate: float | None = 5.0
    endorse: float | None = 15.0
    submit: float | None = 5.0
    commit_status: float | None = 60.0
    events: float | None = None


def tls_certificate_hash(certificate: bytes) -> bytes:
    """SHA-256 of a TLS certificate's DER bytes (PEM or DER in), as Fabric computes it.

    Fabric binds a Deliver request to the TLS session that carries it: with mutual TLS the
    peer compares the request's ``ChannelHeader.tls_cert_hash`` with this hash of the
    client certificate it saw in the handshake.
    """
    if certificate.lstrip().startswith(b"-----BEGIN"):
        from cryptography import x509  # noqa: PLC0415 - only needed for PEM input
        from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

        cert = x509.load_pem_x509_certificate(certificate)
        certificate = cert.public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(certificate).digest()


def channel_options(server_name: str | None, options: Any) -> list[tuple[str, Any]]:
    opts = list(CHANNEL_OPTIONS) + list(options)
    if server_name:
        opts.append(("grpc.ssl_target_name_override", server_name))
        opts.append(("grpc.default_authority", server_name))
    return opts


class ClientBase:
    """The flavour-free half of a gateway's transport: deadlines, open calls, closing."""

    def __init__(self, channel: Any, timeouts: Timeouts | None, tls_cert_hash: bytes) -> None:
        self.channel = channel
        self.timeouts = timeouts or Timeouts()
        #: SHA-256 of the client's TLS certificate (mutual TLS), put in Deliver requests
        self.tls_cert_hash = tls_cert_hash
        self.closed = False
        # what this gateway opened and has not finished: ended by close(), shared channel
        # or not (weak: a stream or call dropped by its owner is not kept alive here)
        self._calls: weakref.WeakSet[Any] = weakref.WeakSet()
        self._streams: weakref.WeakSet[Any] = weakref.WeakSet()

    @staticmethod
    def _pick(timeout: float | None, default: float | None) -> float | None:
        return default if timeout is UNSET else timeout

    def check_open(self) -> None:
        if self.closed:
            raise GatewayClosedError()

    def track_stream(self, stream: Any) -> None:
        """Register an event stream so that closing the gateway closes it."""
        self.check_open()
        self._streams.add(stream)

    def _track(self, call: Any) -> Any:
        self._calls.add(call)
        return call

    def _closed_during(self, error: type[GatewayError], transaction_id: str) -> GatewayError:
        return GatewayClosedError(
            f"the gateway was closed during the {error.step} call",
            transaction_id=transaction_id,
        )

    def _explain_tls(self, failure: GatewayError) -> GatewayError:
        """Name the likely cause when a peer requiring mutual TLS drops the session.

        gRPC reports a refused client certificate (TLS 1.3 alert CERTIFICATE_REQUIRED after
        the handshake) as ``Unwrap failed (TSI_DATA_CORRUPTED)``, which says nothing useful.
        """
        text = failure.status_message
        if (failure.code == grpc.StatusCode.UNAVAILABLE and not self.tls_cert_hash
                and any(m in text for m in _TLS_REFUSED)):
            return type(failure)(
                f"{text} (the peer ended the TLS session: it probably requires a TLS client "
                "certificate; connect with client_certificate= and client_key=)",
                code=failure.code, details=failure.details,
                transaction_id=failure.transaction_id,
            )
        return failure
