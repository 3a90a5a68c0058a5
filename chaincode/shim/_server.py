"""The chaincode server: a gRPC Chaincode service the peer dials (mutual TLS).

Keepalive.  The peer pings its chaincode connection (HTTP/2 PING) every
``peer.keepalive.client.interval`` (Fabric default 60 s) whether or not a
transaction is running.  gRPC core's default server policy allows one ping per
5 minutes and sends GOAWAY "too_many_pings" after 2 strikes, so with the
defaults every peer connection was dropped about 4 minutes after the last
transaction.  Fabric's Go shim sets an enforcement policy that permits pings
without calls every minute; :class:`Keepalive` does the same, with a margin
(30 s) so a peer's 60 s pings that arrive a little early never count as
strikes, and the server pings an idle peer itself (time/timeout as Go's
ChaincodeServer defaults: 60 s / 20 s).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass
from pathlib import Path

import grpc
from fabric_protos.peer import chaincode_shim_pb2_grpc

from ._session import Handler, Session

log = logging.getLogger("chaincode.shim")


@dataclass(frozen=True)
class Keepalive:
    """The server's HTTP/2 keepalive: what pings it accepts and how it pings the peer."""

    min_ping_interval_ms: int = 30_000   # accept pings this far apart (peer sends every 60 s)
    max_ping_strikes: int = 2            # pings closer than that tolerated before GOAWAY
    permit_without_calls: bool = True    # accept pings while no transaction is running
    time_ms: int = 60_000                # ping the peer after this long without activity
    timeout_ms: int = 20_000             # and drop it when the ping is not answered in time

    def scaled(self, factor: float) -> Keepalive:
        """The same policy with every interval multiplied by factor (tests run it faster)."""
        return Keepalive(int(self.min_ping_interval_ms * factor), self.max_ping_strikes,
                         self.permit_without_calls, int(self.time_ms * factor),
                         int(self.timeout_ms * factor))

    def accepts(self, client_interval_ms: int) -> bool:
        """Whether a client pinging every client_interval_ms is never struck."""
        return self.permit_without_calls and client_interval_ms >= self.min_ping_interval_ms

    def options(self) -> list[tuple[str, int]]:
        return [
            ("grpc.keepalive_permit_without_calls", int(self.permit_without_calls)),
            ("grpc.http2.min_ping_interval_without_data_ms", self.min_ping_interval_ms),
            ("grpc.http2.max_ping_strikes", self.max_ping_strikes),
            ("grpc.keepalive_time_ms", self.time_ms),
            ("grpc.keepalive_timeout_ms", self.timeout_ms),
        ]


PEER_CLIENT_INTERVAL_MS = 60_000  # Fabric's peer.keepalive.client.interval default
# gRPC core's own server defaults, what a server without Keepalive's options gets: one ping
# per 5 min with no data, 2 strikes, no pings without calls, its own pings after 2 h.  The
# tests' controls run it to show the peer's pings are really dropped without ours.
GRPC_CORE_DEFAULT = Keepalive(min_ping_interval_ms=300_000, max_ping_strikes=2,
                              permit_without_calls=False, time_ms=7_200_000, timeout_ms=20_000)


class _Servicer(chaincode_shim_pb2_grpc.ChaincodeServicer):
    def __init__(self, cc_id: str, handler: Handler) -> None:
        self.cc_id = cc_id
        self.handler = handler

    async def Connect(self, request_iterator, context):  # noqa: N802 (gRPC method name)
        async for msg in Session(self.cc_id, self.handler, context.peer()).outgoing(
                request_iterator):
            yield msg


async def serve(address: str, cc_id: str, handler: Handler, *, tls_cert: Path | None = None,
                tls_key: Path | None = None, client_ca: Path | None = None,
                ready: asyncio.Event | None = None, stop: asyncio.Event | None = None,
                keepalive: Keepalive | None = None) -> None:
    """Serve until stop is set (or SIGTERM/SIGINT when stop is None)."""
    ka = keepalive or Keepalive()
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", 100 * 1024 * 1024),
                                      ("grpc.max_send_message_length", 100 * 1024 * 1024),
                                      *ka.options()])
    chaincode_shim_pb2_grpc.add_ChaincodeServicer_to_server(_Servicer(cc_id, handler), server)
    if tls_cert and tls_key:
        creds = grpc.ssl_server_credentials(
            [(tls_key.read_bytes(), tls_cert.read_bytes())],
            root_certificates=client_ca.read_bytes() if client_ca else None,
            require_client_auth=client_ca is not None)
        server.add_secure_port(address, creds)  # grpcio raises if it cannot bind
    else:
        server.add_insecure_port(address)
    await server.start()
    log.info("chaincode %s listening on %s (tls=%s, client auth=%s, keepalive=%s)", cc_id,
             address, bool(tls_cert), client_ca is not None, ka)
    if ready is not None:
        ready.set()
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(grace=2)
