"""The async transport: grpc.aio channel, Gateway and Deliver stubs, signing, stream calls.

Every RPC of the async API goes through :class:`GatewayClient`, which applies the per-step
default deadline (overridable per call), turns ``grpc.RpcError`` into the typed error of
the step, and tracks what is open so that closing the gateway ends it. Many gateways may
share one channel; the channel is closed only by whoever dialled it (:func:`dial` callers,
or a Gateway that dialled an endpoint string itself).

The blocking API has a twin of this module written by hand
(:mod:`gateway._sync._client`); the modules above the transport are generated from the
async ones. The names here (``GatewayClient``, ``Channel``, ``EOF``, ``sign``,
``StreamBase``, ``cancel_on_drop``, ``open_channel``) are what those modules use, in
both flavours.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import Generator, Sequence
from typing import Any, TypeVar

import grpc
import grpc.aio
from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc
from fabric_protos.peer import events_pb2_grpc

from gateway._errors import (
    BlockEventsError,
    CommitStatusError,
    EndorseError,
    EvaluateError,
    GatewayError,
    SubmitError,
)
from gateway._signing import SigningIdentity
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
    "dial",
    "open_channel",
    "ready",
    "sign",
    "tls_certificate_hash",
]

Channel = grpc.aio.Channel
EOF = grpc.aio.EOF
S = TypeVar("S", bound="StreamBase")


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
    ``client_certificate`` / ``client_key`` (PEM) are presented for mutual TLS.
    Must be called with (or inside) the event loop that will use the channel.
    """
    opts = channel_options(server_name, options)
    if insecure:
        return grpc.aio.insecure_channel(endpoint, options=opts)
    creds = grpc.ssl_channel_credentials(
        root_certificates=tls_root_certificates,
        private_key=client_key,
        certificate_chain=client_certificate,
    )
    return grpc.aio.secure_channel(endpoint, creds, options=opts)


def open_channel(client: Any, **dial_kwargs: Any) -> tuple[Any, bool]:
    """(channel, dialled here): dial an endpoint string, or take a shared channel."""
    if isinstance(client, str):
        return dial(client, **dial_kwargs), True
    if isinstance(client, grpc.Channel):
        raise TypeError("gateway.aio needs a grpc.aio.Channel (see gateway.aio.dial)")
    return client, False  # a grpc.aio.Channel, or a duck-typed one (fakes in tests)


async def sign(signing: SigningIdentity, digest: bytes) -> bytes:
    """Sign on behalf of a request (synchronous signers run off the loop)."""
    return await signing.sign(digest)


class StreamBase:
    """Async streams can also be awaited to open them (``stream = await network.x()``)."""

    async def start(self: S) -> S:
        raise NotImplementedError

    def __await__(self: S) -> Generator[Any, None, S]:
        return self.start().__await__()


def ready(stream: S) -> S:
    """An async stream as returned by ``events()``: opened later (``async with``, first
    ``async for`` step, or ``await``), since opening needs the loop."""
    return stream


def cancel_on_drop(stream: Any, call: Any) -> Any:
    """Cancel ``call`` when ``stream`` is garbage collected without being closed.

    The collector may run in any thread, so the cancel is handed to the call's loop.
    Returns the finalizer (detach it on an orderly close).
    """
    loop = asyncio.get_running_loop()

    def cancel() -> None:
        if not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # loop closed meanwhile (exit)
                loop.call_soon_threadsafe(call.cancel)

    return weakref.finalize(stream, cancel)


class GatewayClient(ClientBase):
    """Async RPCs to one peer's Gateway and Deliver services over a shared channel."""

    def __init__(
        self,
        channel: grpc.aio.Channel,
        timeouts: Timeouts | None = None,
        tls_cert_hash: bytes = b"",
    ) -> None:
        super().__init__(channel, timeouts, tls_cert_hash)
        self._gateway = gateway_pb2_grpc.GatewayStub(channel)
        self._deliver = events_pb2_grpc.DeliverStub(channel)

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
        """Start the server stream; ``await call.read()`` (errors surface there)."""
        self.check_open()
        return self._track(self._gateway.ChaincodeEvents(
            request, timeout=self._pick(timeout, self.timeouts.events)
        ))

    async def deliver(self, kind: str, envelope: Any, timeout: float | None = UNSET) -> Any:
        """Open a Deliver stream of ``kind`` (block, filtered, private) and send ``envelope``."""
        self.check_open()
        method = getattr(self._deliver, DELIVER_KINDS[kind][0])
        call = self._track(method(timeout=self._pick(timeout, self.timeouts.events)))
        try:
            await call.write(envelope)
            await call.done_writing()
        except grpc.RpcError as err:
            raise BlockEventsError.from_rpc_error(err) from err
        return call

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
