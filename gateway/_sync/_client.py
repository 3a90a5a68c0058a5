"""The blocking transport: grpc's blocking channel and stubs, with the async one's behaviour.

Hand-written twin of :mod:`gateway._client` (the only flavour-specific code besides
generation): the same names (``GatewayClient``, ``Channel``, ``EOF``, ``sign``,
``StreamBase``, ``cancel_on_drop``, ``open_channel``) over ``grpc.Channel``, so that the
modules generated from the async API (:mod:`gateway._codegen`) run unchanged on it.
Calls run in the caller's thread; grpc channels are thread-safe, so one channel and one
gateway serve many threads. Unary calls go through ``.future()`` so that closing the
gateway can cancel them from another thread.
"""

from __future__ import annotations

import asyncio
import inspect
import time
import weakref
from collections.abc import Sequence
from typing import Any

import grpc
import grpc.aio
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc
from fabric_protos.peer import events_pb2_grpc

from gateway._errors import (
    CommitStatusError,
    EndorseError,
    EvaluateError,
    GatewayError,
    SubmitError,
)
from gateway._signing import MissingSignerError, SigningIdentity
from gateway._transport import (
    DELIVER_KINDS,
    UNSET,
    ClientBase,
    Timeouts,
    channel_options,
    tls_certificate_hash,
)

__all__ = [
    "DELIVER_KINDS",
    "EOF",
    "UNSET",
    "Channel",
    "GatewayClient",
    "StreamBase",
    "Timeouts",
    "cancel_on_drop",
    "close_channel",
    "dial",
    "open_channel",
    "ready",
    "sign",
    "tls_certificate_hash",
]

Channel = grpc.Channel


class _Eof:
    def __repr__(self) -> str:
        return "EOF"


EOF: Any = _Eof()
"""What a stream call's ``read()`` returns at the end of the stream."""


def dial(
    endpoint: str,
    *,
    tls_root_certificates: bytes | None = None,
    server_name: str | None = None,
    client_key: bytes | None = None,
    client_certificate: bytes | None = None,
    insecure: bool = False,
    options: Sequence[tuple[str, Any]] = (),
) -> grpc.Channel:
    """A channel for the blocking API (TLS unless ``insecure``); share it among gateways.

    ``server_name`` overrides the TLS host name checked against the peer's certificate;
    ``client_certificate`` / ``client_key`` (PEM) are presented for mutual TLS. Close it
    with :func:`close_channel` (or ``channel.close()``) when no gateway needs it any more.
    """
    opts = channel_options(server_name, options)
    if insecure:
        return grpc.insecure_channel(endpoint, options=opts)
    creds = grpc.ssl_channel_credentials(
        root_certificates=tls_root_certificates,
        private_key=client_key,
        certificate_chain=client_certificate,
    )
    return grpc.secure_channel(endpoint, creds, options=opts)


def close_channel(channel: grpc.Channel) -> None:
    """Close a channel made by :func:`dial`."""
    channel.close()


def open_channel(client: Any, **dial_kwargs: Any) -> tuple[Any, bool]:
    """(channel, dialled here): dial an endpoint string, or take a shared channel."""
    if isinstance(client, str):
        return dial(client, **dial_kwargs), True
    if isinstance(client, grpc.aio.Channel):
        raise TypeError(
            "the blocking API needs a grpc.Channel (see gateway.dial); "
            "use gateway.aio.connect for a grpc.aio channel"
        )
    return client, False  # a grpc.Channel, or a duck-typed one (fakes in tests)


async def _wait(awaitable: Any) -> Any:
    return await awaitable


def sign(signing: SigningIdentity, digest: bytes) -> bytes:
    """Sign in the caller's thread; an async signer runs on a private event loop."""
    signer = signing.signer
    if signer is None:
        raise MissingSignerError(
            "no signer configured: sign the digest offline and use the gateway's "
            "new_signed_* methods"
        )
    signature = signer(digest)
    if inspect.isawaitable(signature):
        signature = asyncio.run(_wait(signature))
    return bytes(signature)


class StreamBase:
    """Nothing to add for blocking streams (async ones can also be awaited)."""


def ready(stream: Any) -> Any:
    """A blocking stream as returned by ``events()``: already open (signed and sent), so
    "from the next commit" means from when ``events()`` returned."""
    return stream.start()


def cancel_on_drop(stream: Any, call: Any) -> Any:
    """Cancel ``call`` when ``stream`` is garbage collected without being closed."""
    return weakref.finalize(stream, call.cancel)


class _StreamCall:
    """A server stream as the async API's call: ``read()`` a response or EOF, ``cancel()``."""

    def __init__(self, call: Any) -> None:
        self._call = call

    def read(self) -> Any:
        try:
            return next(self._call)
        except StopIteration:
            return EOF

    def cancel(self) -> None:
        self._call.cancel()


class GatewayClient(ClientBase):
    """Blocking RPCs to one peer's Gateway and Deliver services over a shared channel."""

    def __init__(
        self,
        channel: grpc.Channel,
        timeouts: Timeouts | None = None,
        tls_cert_hash: bytes = b"",
    ) -> None:
        super().__init__(channel, timeouts, tls_cert_hash)
        self._gateway = gateway_pb2_grpc.GatewayStub(channel)
        self._deliver = events_pb2_grpc.DeliverStub(channel)

    def _unary(self, method: Any, request: Any, timeout: float | None,
               error: type[GatewayError], transaction_id: str) -> Any:
        """One unary call; a failure becomes ``error`` with the gRPC evidence (as async)."""
        self.check_open()
        started = time.monotonic()
        call = self._track(method.future(request, timeout=timeout))
        try:
            return call.result()
        except grpc.FutureCancelledError:
            if self.closed:
                raise self._closed_during(error, transaction_id) from None
            raise
        except grpc.RpcError as err:
            if self.closed:
                raise self._closed_during(error, transaction_id) from err
            expired = timeout is not None and time.monotonic() - started >= timeout
            failure = error.from_rpc_error(err, transaction_id, deadline_expired=expired)
            raise self._explain_tls(failure) from err
        finally:
            self._calls.discard(call)

    def evaluate(
        self, request: gateway_pb2.EvaluateRequest, timeout: float | None = UNSET
    ) -> gateway_pb2.EvaluateResponse:
        return self._unary(self._gateway.Evaluate, request,
                           self._pick(timeout, self.timeouts.evaluate), EvaluateError,
                           request.transaction_id)

    def endorse(
        self, request: gateway_pb2.EndorseRequest, timeout: float | None = UNSET
    ) -> gateway_pb2.EndorseResponse:
        return self._unary(self._gateway.Endorse, request,
                           self._pick(timeout, self.timeouts.endorse), EndorseError,
                           request.transaction_id)

    def submit(
        self, request: gateway_pb2.SubmitRequest, timeout: float | None = UNSET
    ) -> gateway_pb2.SubmitResponse:
        return self._unary(self._gateway.Submit, request,
                           self._pick(timeout, self.timeouts.submit), SubmitError,
                           request.transaction_id)

    def commit_status(
        self,
        request: gateway_pb2.SignedCommitStatusRequest,
        transaction_id: str,
        timeout: float | None = UNSET,
    ) -> gateway_pb2.CommitStatusResponse:
        return self._unary(self._gateway.CommitStatus, request,
                           self._pick(timeout, self.timeouts.commit_status),
                           CommitStatusError, transaction_id)

    def chaincode_events(
        self, request: gateway_pb2.SignedChaincodeEventsRequest, timeout: float | None = UNSET
    ) -> Any:
        """Start the server stream; ``call.read()`` (errors surface there)."""
        self.check_open()
        call = self._gateway.ChaincodeEvents(
            request, timeout=self._pick(timeout, self.timeouts.events)
        )
        return self._track(_StreamCall(call))

    def deliver(self, kind: str, envelope: Any, timeout: float | None = UNSET) -> Any:
        """Open a Deliver stream of ``kind``, sending ``envelope`` then closing the send side."""
        self.check_open()
        method = getattr(self._deliver, DELIVER_KINDS[kind][0])
        call = method(iter((envelope,)), timeout=self._pick(timeout, self.timeouts.events))
        return self._track(_StreamCall(call))

    def close(self, *, close_channel: bool) -> None:
        """End everything this gateway opened; later calls raise GatewayClosedError."""
        self.closed = True
        for stream in list(self._streams):
            stream.close()
        for call in list(self._calls):
            call.cancel()
        if close_channel:
            self.channel.close()
