"""What one message round trip costs a Python chaincode server, before any contract work.

Every state call a contract makes (a read, a write) is one round trip on the peer's Connect
stream: the server sends a request, the peer answers.  bench_shim_calls.py measures about
190 µs of chaincode-server CPU per call on the real network.  This isolates the transport:
a client in this process (playing the peer) sends KEEPALIVE messages one at a time on one
Connect stream and waits for each echo, against three servers in a process of their own:

* ``shim``: the real chaincode server (``chaincode.shim.serve``; it echoes KEEPALIVE through
  the same queue and writer as a contract's requests);
* ``grpc.aio echo``: the least a grpc.aio server can do (read a message, write it back);
* ``grpc sync echo``: the same with grpcio's thread-based server.

Prints the server process's CPU µs per round trip (from /proc/<pid>/stat) and the wall
time, for ROUNDS round trips after a warm-up, each server twice.  No TLS (the network's
servers use mutual TLS, which adds to every message).  Figures only; asserts nothing.

    .venv/bin/python bench/bench_shim_transport.py
"""

from __future__ import annotations

import asyncio
import os
import queue
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from concurrent import futures
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import grpc  # noqa: E402
from fabric_protos.peer import chaincode_shim_pb2_grpc  # noqa: E402
from fabric_protos.peer.chaincode_shim_pb2 import ChaincodeMessage as Msg  # noqa: E402

from bench._common import proc_cpu  # noqa: E402

ROUNDS = 5000
WARM_UP = 300
SERVERS = ("shim", "grpc.aio echo", "grpc sync echo")


class _SyncEcho(chaincode_shim_pb2_grpc.ChaincodeServicer):
    def Connect(self, request_iterator: Iterator[Msg], context: object) -> Iterator[Msg]:  # noqa: N802
        yield Msg(type=Msg.REGISTER)
        yield from request_iterator


class _AioEcho(chaincode_shim_pb2_grpc.ChaincodeServicer):
    async def Connect(self, request_iterator: AsyncIterator[Msg],  # noqa: N802
                      context: grpc.aio.ServicerContext) -> None:
        await context.write(Msg(type=Msg.REGISTER))
        while (msg := await context.read()) is not grpc.aio.EOF:
            await context.write(msg)


async def _serve_aio(address: str) -> None:
    server = grpc.aio.server()
    chaincode_shim_pb2_grpc.add_ChaincodeServicer_to_server(_AioEcho(), server)
    server.add_insecure_port(address)
    await server.start()
    await server.wait_for_termination()


def serve(kind: str, address: str) -> None:
    if kind == "shim":
        from chaincode.probe import Probe
        from chaincode.shim import Dispatcher
        from chaincode.shim import serve as shim_serve
        asyncio.run(shim_serve(address, "bench", Dispatcher(Probe())))
    elif kind == "grpc.aio echo":
        asyncio.run(_serve_aio(address))
    else:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        chaincode_shim_pb2_grpc.add_ChaincodeServicer_to_server(_SyncEcho(), server)
        server.add_insecure_port(address)
        server.start()
        server.wait_for_termination()


def ping_pong(address: str, rounds: int) -> float:
    """Seconds for `rounds` KEEPALIVE round trips on one Connect stream."""
    outbox: queue.Queue[Msg | None] = queue.Queue()

    def requests() -> Iterator[Msg]:
        while (msg := outbox.get()) is not None:
            yield msg

    with grpc.insecure_channel(address) as channel:
        replies = chaincode_shim_pb2_grpc.ChaincodeStub(channel).Connect(requests())
        next(replies)   # the server's REGISTER (or the echo server's stand-in)
        ping = Msg(type=Msg.KEEPALIVE, payload=b"x" * 200, txid="bench")
        t0 = time.perf_counter()
        for _ in range(rounds):
            outbox.put(ping)
            next(replies)
        elapsed = time.perf_counter() - t0
        outbox.put(None)
    return elapsed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def measure(kind: str) -> tuple[float, float]:
    """(server CPU µs, wall µs) per round trip."""
    address = f"127.0.0.1:{_free_port()}"
    proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, address])
    try:
        _wait_listening(int(address.rsplit(":", 1)[1]))
        ping_pong(address, WARM_UP)
        before = proc_cpu(proc.pid)
        wall = ping_pong(address, ROUNDS)
        cpu = proc_cpu(proc.pid) - before
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return cpu * 1e6 / ROUNDS, wall * 1e6 / ROUNDS


def main() -> None:
    print(f"{os.cpu_count()} cpus; {ROUNDS} KEEPALIVE round trips a row on one stream, "
          f"grpcio {grpc.__version__}, no TLS")
    print(f"{'server':<16}{'server CPU µs/round trip':>26}{'wall µs':>10}")
    for _ in range(2):
        for kind in SERVERS:
            cpu, wall = measure(kind)
            print(f"{kind:<16}{cpu:>26.0f}{wall:>10.0f}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3])
    else:
        main()
