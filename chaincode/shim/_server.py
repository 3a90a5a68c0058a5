"""The chaincode server: a gRPC Chaincode service the peer dials (mutual TLS)."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

import grpc
from fabric_protos.peer import chaincode_shim_pb2_grpc

from ._session import Handler, Session

log = logging.getLogger("chaincode.shim")


class _Servicer(chaincode_shim_pb2_grpc.ChaincodeServicer):
    def __init__(self, cc_id: str, handler: Handler) -> None:
        self.cc_id = cc_id
        self.handler = handler

    async def Connect(self, request_iterator, context):  # noqa: N802 (gRPC method name)
        log.info("peer connected from %s", context.peer())
        async for msg in Session(self.cc_id, self.handler).outgoing(request_iterator):
            yield msg


async def serve(address: str, cc_id: str, handler: Handler, *, tls_cert: Path | None = None,
                tls_key: Path | None = None, client_ca: Path | None = None,
                ready: asyncio.Event | None = None, stop: asyncio.Event | None = None) -> None:
    """Serve until stop is set (or SIGTERM/SIGINT when stop is None)."""
    server = grpc.aio.server(options=[("grpc.max_receive_message_length", 100 * 1024 * 1024),
                                      ("grpc.max_send_message_length", 100 * 1024 * 1024)])
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
    log.info("chaincode %s listening on %s (tls=%s, client auth=%s)", cc_id, address,
             bool(tls_cert), client_ca is not None)
    if ready is not None:
        ready.set()
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop(grace=2)
