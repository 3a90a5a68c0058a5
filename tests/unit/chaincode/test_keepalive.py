"""The server accepts the peer's HTTP/2 keepalive pings for longer than gRPC's strike window.

The peer pings its chaincode connection every 60 s (peer.keepalive.client.interval)
over an open Connect stream.  To keep the test short, the server's policy and the
client's interval are both scaled by the same factor (1/60: the client pings every
second); the same test against gRPC's default policy, scaled alike, shows the
client really pings and that such a policy drops it (GOAWAY too_many_pings).
"""

from __future__ import annotations

import asyncio
import socket

import grpc
from fabric_protos.peer import chaincode_shim_pb2_grpc
from fabric_protos.peer.chaincode_shim_pb2 import ChaincodeMessage as Msg

from chaincode.probe import CONTRACTS
from chaincode.shim import Dispatcher, Keepalive, serve
from chaincode.shim._server import GRPC_CORE_DEFAULT as GRPC_DEFAULT
from chaincode.shim._server import PEER_CLIENT_INTERVAL_MS

SCALE = 1 / 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _hold_stream(policy: Keepalive, seconds: float) -> tuple[bool, str]:
    """Open a Connect stream, ping like the peer for `seconds`, then check it still answers."""
    addr = f"127.0.0.1:{_free_port()}"
    ready, stop = asyncio.Event(), asyncio.Event()
    server = asyncio.create_task(serve(addr, "carbon_1.0:ka", Dispatcher(*CONTRACTS),
                                       ready=ready, stop=stop, keepalive=policy.scaled(SCALE)))
    await asyncio.wait_for(ready.wait(), 5)
    interval = int(PEER_CLIENT_INTERVAL_MS * SCALE)
    # The peer's Go client: ping every interval, also with no call data, no cap on
    # pings without data (Go has none), timeout 20 s scaled.
    channel = grpc.aio.insecure_channel(addr, options=[
        ("grpc.keepalive_time_ms", interval),
        ("grpc.keepalive_timeout_ms", int(20_000 * SCALE) + 1000),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
    ])
    out: asyncio.Queue[Msg] = asyncio.Queue()

    async def outgoing():
        while True:
            yield await out.get()

    call = chaincode_shim_pb2_grpc.ChaincodeStub(channel).Connect(outgoing())
    try:
        first = await asyncio.wait_for(call.read(), 5)
        assert first.type == Msg.REGISTER
        await asyncio.sleep(seconds)  # only pings cross the connection now
        await out.put(Msg(type=Msg.KEEPALIVE))
        try:
            echo = await asyncio.wait_for(call.read(), 5)
        except grpc.aio.AioRpcError as exc:
            return False, f"{exc.code().name}: {exc.details()}"
        return echo.type == Msg.KEEPALIVE, Msg.Type.Name(echo.type) if echo else "EOF"
    finally:
        call.cancel()
        await channel.close()
        stop.set()
        await server


def test_peer_pings_accepted_past_the_strike_window() -> None:
    # gRPC's default policy drops this client by its 4th ping (~3.5 intervals); hold
    # the stream for 8 intervals.
    alive, detail = asyncio.run(_hold_stream(Keepalive(), 8.0))
    assert alive, f"the stream did not survive the peer's pings: {detail}"


def test_control_grpc_default_policy_drops_the_same_client() -> None:
    alive, detail = asyncio.run(_hold_stream(GRPC_DEFAULT, 8.0))
    assert not alive, "the client did not ping as the peer does (the default policy kept it)"
    assert "UNAVAILABLE" in detail or "too_many_pings" in detail, detail


def test_production_defaults_accept_the_peer_interval() -> None:
    ka = Keepalive()
    assert ka.accepts(PEER_CLIENT_INTERVAL_MS)
    assert dict(ka.options())["grpc.http2.min_ping_interval_without_data_ms"] <= 60_000
    assert dict(ka.options())["grpc.keepalive_permit_without_calls"] == 1
    assert not GRPC_DEFAULT.accepts(PEER_CLIENT_INTERVAL_MS)
