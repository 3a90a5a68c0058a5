"""The transport: one grpc.aio channel, the Gateway and Deliver stubs, deadlines, error mapping.

Every RPC the client makes goes through :class:`GatewayClient`, which applies the per-step
default deadline (overridable per call) and turns ``grpc.RpcError`` into the typed error of
the step. Many gateways may share one channel; the channel is closed only by whoever dialled
it (:func:`dial` callers, or a Gateway that dialled an endpoint string itself).
"""

from __future__ import annotations

import time
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
    GatewayError,
    SubmitError,
)

__all__ = ["GatewayClient", "Timeouts", "dial", "UNSET"]

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


class GatewayClient:
    """Async RPCs to one peer's Gateway and Deliver services over a shared channel."""

    def __init__(self, channel: grpc.aio.Channel, timeouts: Timeouts | None = None) -> None:
        self.channel = channel
        self.timeouts = timeouts or Timeouts()
        self._gateway = gateway_pb2_grpc.GatewayStub(channel)
        self._deliver = events_pb2_grpc.DeliverStub(channel)

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
        started = time.monotonic()
        try:
            return await method(request, timeout=timeout)
        except grpc.RpcError as err:
            expired = timeout is not None and time.monotonic() - started >= timeout
            raise error.from_rpc_error(err, transaction_id, deadline_expired=expired) from err

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
        return self._gateway.ChaincodeEvents(
            request, timeout=self._pick(timeout, self.timeouts.events)
        )

    def deliver(self, kind: str, timeout: float | None = UNSET) -> Any:
        """Open a Deliver stream of ``kind`` (block, filtered, private); write one Envelope."""
        method = getattr(self._deliver, DELIVER_KINDS[kind][0])
        return method(timeout=self._pick(timeout, self.timeouts.events))

    async def close(self) -> None:
        await self.channel.close()
