"""Synchronous signers run off the shared event loop; async signers are awaited on it.

Four gateways whose signers each block for 200 ms (an HSM round trip) must sign at the same
time: on the shared loop they would take 4 x 200 ms one after the other.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import gateway as g
from gateway import aio
from gateway._signing import SigningIdentity
from tests.unit.gateway.fake_gateway import FakePeer

DELAY = 0.2
GATEWAYS = 4
BOUND = 0.6  # one signer time plus generous slack; serialised signing takes >= 0.8 s


def _slow(signer: Callable[[bytes], bytes], threads: set[str]) -> Callable[[bytes], bytes]:
    def sign(digest: bytes) -> bytes:
        threads.add(threading.current_thread().name)
        time.sleep(DELAY)  # a blocking HSM / remote signer
        return signer(digest)

    return sign


def test_blocking_api_four_blocking_signers_overlap(fake_peer: FakePeer, identity, key_pem):
    threads: set[str] = set()
    signer = _slow(g.new_private_key_signer(key_pem), threads)
    gateways = [
        g.connect(fake_peer.endpoint, identity, signer, insecure=True) for _ in range(GATEWAYS)
    ]
    contracts = [gw.get_network("carbon").get_contract("carbon") for gw in gateways]
    try:
        contracts[0].submit("put", ["k", "v"])
        results: list[bytes] = []
        barrier = threading.Barrier(GATEWAYS + 1)

        def query(contract: g.Contract) -> None:
            barrier.wait()
            results.append(contract.evaluate("get", ["k"]))

        workers = [threading.Thread(target=query, args=(c,)) for c in contracts]
        for w in workers:
            w.start()
        barrier.wait()
        started = time.perf_counter()
        for w in workers:
            w.join(10)
        elapsed = time.perf_counter() - started
    finally:
        for gw in gateways:
            gw.close()
    assert results == [b"v"] * GATEWAYS
    assert elapsed < BOUND, f"{GATEWAYS} x {DELAY}s signers took {elapsed:.2f}s: serialised"
    assert "carbontrust-gateway" not in threads  # never on the shared loop thread


def test_async_api_blocking_signers_leave_the_loop_free(fake_peer: FakePeer, identity, key_pem):
    threads: set[str] = set()
    signer = _slow(g.new_private_key_signer(key_pem), threads)

    async def main() -> float:
        gateways = [
            aio.connect(fake_peer.endpoint, identity, signer, insecure=True)
            for _ in range(GATEWAYS)
        ]
        try:
            contracts = [gw.get_network("carbon").get_contract("carbon") for gw in gateways]
            await contracts[0].submit("put", ["k", "v"])
            started = time.perf_counter()
            results = await asyncio.gather(*(c.evaluate("get", ["k"]) for c in contracts))
            assert results == [b"v"] * GATEWAYS
            return time.perf_counter() - started
        finally:
            for gw in gateways:
                await gw.close()

    elapsed = asyncio.run(main())
    assert elapsed < BOUND, f"{GATEWAYS} x {DELAY}s signers took {elapsed:.2f}s: serialised"
    assert threading.main_thread().name not in threads


def test_async_signer_is_awaited_on_the_loop(identity, key_pem):
    inner = g.new_private_key_signer(key_pem)
    seen: list[str] = []

    async def remote(digest: bytes) -> bytes:
        seen.append(threading.current_thread().name)
        await asyncio.sleep(0)
        return inner(digest)

    class AsyncCallable:
        async def __call__(self, digest: bytes) -> bytes:
            return await remote(digest)

    async def main() -> None:
        for signer in (remote, AsyncCallable()):
            signing = SigningIdentity(identity, signer)
            assert await signing.sign(b"\x01" * 32)

    asyncio.run(main())
    assert seen == [threading.main_thread().name] * 2


def test_builtin_signers_run_inline_and_others_in_a_thread(identity, key_pem):
    builtin = g.new_private_key_signer(key_pem)
    names: list[str] = []

    def plain(digest: bytes) -> bytes:
        names.append(threading.current_thread().name)
        return builtin(digest)

    async def main() -> None:
        await SigningIdentity(identity, plain).sign(b"\x02" * 32)
        assert names and names[-1] != threading.current_thread().name
        loop_thread = threading.current_thread().name
        wrapped = _inline_probe(builtin, names)
        await SigningIdentity(identity, wrapped).sign(b"\x03" * 32)
        assert names[-1] == loop_thread

    asyncio.run(main())


def _inline_probe(signer: Callable[[bytes], bytes], names: list[str]) -> Callable[[bytes], bytes]:
    class Probe:
        runs_inline = True

        def __call__(self, digest: bytes) -> bytes:
            names.append(threading.current_thread().name)
            return signer(digest)

    return Probe()
