"""The transport: one grpc.aio channel, the Gateway and Deliver stubs, deadlines, error mapping.

Every RPC the client makes goes through :class:`GatewayClient`, which applies the per-step
default deadline (overridable per call) and turns ``grpc.RpcError`` into the typed error of
the step. Many gateways may share one channel; the channel is closed only by whoever dialled
it (:func:`dial` callers, or a Gateway that dialled an endpoint string itself).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import grpc
import grpc.aio
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc
from fabric_protos.peer import events_pb2_grpc

from gateway._errors import (
    CommitStatusError,
    EndorseError,
    EvaluateError,
    GatewayClosedError,
    GatewayError,
    SubmitError,
)

__all__ = ["GatewayClient", "Timeouts", "dial", "tls_certificate_hash", "UNSET"]

# Blocks can be large (batches of readings): let them through.
_MAX_MESSAGE = 100 * 1024 * 1024
_CHANNEL_OPTIONS: list[tuple[str, Any]] = [
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


def dial(
    endpoint: str,
    *,
    tls_root_certificates: bytes | None = None,
    server_name: str | None = None,
    client_key: bytes | None = None,
    client_certificate: bytes | None = None,
    insecure: bool = False,
    options: Sequence[tuple[str, Any]] = (),
) -> grpc.aio.Channel:
    """A grpc.aio channel to a peer's Gateway (TLS unless ``insecure``).

    ``server_name`` overrides the TLS host name checked against the peer's certificate
    (``grpc.ssl_target_name_override``), for dialling a peer by IP or through a proxy.
    Must be called with (or inside) the event loop that will use the channel; the blocking
    API's :func:`gateway.dial` takes care of that.
    """
    opts = list(_CHANNEL_OPTIONS) + list(options)
    if server_name:
        opts.append(("grpc.ssl_target_name_override", server_name))
        opts.append(("grpc.default_authority", server_name))
    if insecure:
        return grpc.aio.insecure_channel(endpoint, options=opts)
    creds = grpc.ssl_channel_credentials(
        root_certificates=tls_root_certificates,
        private_key=client_key,
        certificate_chain=client_certificate,
    )
    return grpc.aio.secure_channel(endpoint, creds, options=opts)


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


class GatewayClient:
    """Async RPCs to one peer's Gateway and Deliver services over a shared channel."""

    def __init__(
        self,
        channel: grpc.aio.Channel,
        timeouts: Timeouts | None = None,
        tls_cert_hash: bytes = b"",
    ) -> None:
        self.channel = channel
        self.timeouts = timeouts or Timeouts()
        #: SHA-256 of the client's TLS certificate (mutual TLS), put in Deliver requests
        self.tls_cert_hash = tls_cert_hash
        self._gateway = gateway_pb2_grpc.GatewayStub(channel)
        self._deliver = events_pb2_grpc.DeliverStub(channel)
        self.closed = False
        # what this gateway opened and has not finished: ended by close(), shared channel
        # or not (weak: a stream or call dropped by its owner is not kept alive here)
        self._calls: weakref.WeakSet[Any] = weakref.WeakSet()
        self._streams: weakref.WeakSet[Any] = weakref.WeakSet()

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

    @staticmethod
    def _pick(timeout: float | None, default: float | None) -> float | None:
        return default if timeout is UNSET else timeout

    async def _unary(self, method: Any, request: Any, timeout: float | None,
                     error: type[GatewayError], transaction_id: str) -> Any:
        """One unary call; a failure becomes ``error`` with the gRPC evidence.

        When the caller's deadline has passed, the peer (which received the same deadline)
        may reset the stream first and the transport then says CANCELLED: that is reported
        as the DEADLINE_EXCEEDED it is.
        """
        self.check_open()
        started = time.monotonic()
        call = self._track(method(request, timeout=timeout))
        try:
            return await call
        except asyncio.CancelledError:
            if self.closed:  # cancelled by close(): say so, with the transaction
                raise GatewayClosedError(
                    f"the gateway was closed during the {error.step} call",
                    transaction_id=transaction_id,
                ) from None
            raise
        except grpc.RpcError as err:
            if self.closed:
                raise GatewayClosedError(
                    f"the gateway was closed during the {error.step} call",
                    transaction_id=transaction_id,
                ) from err
            expired = timeout is not None and time.monotonic() - started >= timeout
            failure = error.from_rpc_error(err, transaction_id, deadline_expired=expired)
            raise self._explain_tls(failure) from err
        finally:
            self._calls.discard(call)

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

    async def evaluate(
        self, request: gateway_pb2.EvaluateRequest, timeout: float | None = UNSET
    ) -> gateway_pb2.EvaluateResponse:
        return await self._unary(self._gateway.Evaluate, request,
                                 self._pick(timeout, self.timeouts.evaluate), EvaluateError,
                                 request.transaction_id)

    async def endorse(
        self, request: gateway_pb2.EndorseRequest, timeout: float | None = UNSET
    ) -> gateway_pb2.EndorseResponse:
        return await self._unary(self._gateway.Endorse, request,
                                 self._pick(timeout, self.timeouts.endorse), EndorseError,
                                 request.transaction_id)

    async def submit(
        self, request: gateway_pb2.SubmitRequest, timeout: float | None = UNSET
    ) -> gateway_pb2.SubmitResponse:
        return await self._unary(self._gateway.Submit, request,
                                 self._pick(timeout, self.timeouts.submit), SubmitError,
                                 request.transaction_id)

    async def commit_status(
        self,
        request: gateway_pb2.SignedCommitStatusRequest,
        transaction_id: str,
        timeout: float | None = UNSET,
    ) -> gateway_pb2.CommitStatusResponse:
        return await self._unary(self._gateway.CommitStatus, request,
                                 self._pick(timeout, self.timeouts.commit_status),
                                 CommitStatusError, transaction_id)

    def chaincode_events(
        self, request: gateway_pb2.SignedChaincodeEventsRequest, timeout: float | None = UNSET
    ) -> Any:
        """Start the server stream; iterate the returned call (errors surface there)."""
        self.check_open()
        return self._track(self._gateway.ChaincodeEvents(
            request, timeout=self._pick(timeout, self.timeouts.events)
        ))

    def deliver(self, kind: str, timeout: float | None = UNSET) -> Any:
        """Open a Deliver stream of ``kind`` (block, filtered, private); write one Envelope."""
        self.check_open()
        method = getattr(self._deliver, DELIVER_KINDS[kind][0])
        return self._track(method(timeout=self._pick(timeout, self.timeouts.events)))

    async def close(self, *, close_channel: bool) -> None:
        """End everything this gateway opened; later calls raise GatewayClosedError.

        Streams end (their iterators stop), in-flight calls are cancelled (their callers
        get GatewayClosedError); the channel is closed only if ``close_channel``.
        """
        self.closed = True
        for stream in list(self._streams):
            await stream.close()
        for call in list(self._calls):
            call.cancel()
        if close_channel:
            await self.channel.close()
