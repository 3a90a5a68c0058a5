"""Where the client's CPU per submit goes: our code, signing, and the gRPC transport.

Prints, each as CPU milliseconds (``time.process_time``, this process only) per submit:

1. the client's own work with an in-memory transport that answers at once (a recorded
   endorsement from the real peer): building, hashing, parsing, the asyncio steps, with
   and without the three ECDSA signatures;
2. on the real network, at ``--concurrency``, alternating: our ``Contract.submit`` and a
   *lean* client that calls the Gateway stubs directly on the same protos (build, sign,
   Endorse, Submit, CommitStatus, nothing else), so the difference is our glue;
3. one raw ``Evaluate`` round trip through grpc.aio (the transport's floor per call).

``--profile`` adds the top functions of a cProfile of our submits on the network.

    .venv/bin/python bench/bench_gateway_cpu.py [--concurrency 16] [--count 400] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fabric_protos.gateway import gateway_pb2, gateway_pb2_grpc  # noqa: E402

import gateway as g  # noqa: E402
from gateway import aio  # noqa: E402
from gateway._builders import build_commit_status_request, build_proposed_transaction  # noqa: E402
from gateway._gateway import Gateway  # noqa: E402
from gateway._signing import SigningIdentity  # noqa: E402


class RecordedTransport:
    """Answers every call at once, serialising requests and parsing responses as gRPC would."""

    def __init__(self, endorsed: bytes) -> None:
        self.timeouts = g.Timeouts()
        self._endorsed = endorsed

    def check_open(self) -> None:
        return None

    async def evaluate(self, request: Any, timeout: Any = None) -> Any:
        request.SerializeToString()
        return gateway_pb2.EvaluateResponse()

    async def endorse(self, request: Any, timeout: Any = None) -> Any:
        request.SerializeToString()
        return gateway_pb2.EndorseResponse.FromString(self._endorsed)

    async def submit(self, request: Any, timeout: Any = None) -> Any:
        request.SerializeToString()
        return gateway_pb2.SubmitResponse()

    async def commit_status(self, request: Any, transaction_id: str, timeout: Any = None) -> Any:
        request.SerializeToString()
        return gateway_pb2.CommitStatusResponse(result=0, block_number=1)


class _Unsigned:
    runs_inline = True

    def __call__(self, digest: bytes) -> bytes:
        return b"\x30" * 70


async def offline(identity: g.Identity, signer: Any, endorsed: bytes, n: int) -> dict:
    out = {}
    for label, sign in (("client code + 3 signatures", signer), ("client code only", _Unsigned())):
        gw = Gateway(RecordedTransport(endorsed), SigningIdentity(identity, sign))  # type: ignore[arg-type]
        contract = gw.get_network("carbon").get_contract("carbon")
        for _ in range(200):
            await contract.submit("put", ["key-000001", "v"])
        runs = []
        for _ in range(5):
            cpu0 = time.process_time()
            for _ in range(n):
                await contract.submit("put", ["key-000001", "v"])
            runs.append((time.process_time() - cpu0) / n * 1e3)
        out[label] = min(runs)
    return out


async def online(ns: argparse.Namespace, info: dict, identity: g.Identity, signer: Any) -> None:
    org = info["orgs"][ns.org]
    channel_name, chaincode = info["channel"], info["chaincode"]
    tls = Path(org["tls_ca"]).read_bytes()
    creator = identity.serialize()
    run = uuid.uuid4().hex[:8]
    channel = aio.dial(org["peer_endpoint"], tls_root_certificates=tls)
    stub = gateway_pb2_grpc.GatewayStub(channel)
    recorded: list[bytes] = []
    async with aio.connect(channel, identity, signer) as gw:
        contract = gw.get_network(channel_name).get_contract(chaincode)

        async def ours(i: int) -> None:
            await contract.submit("put", [f"cpu-{run}-o{i}", "v"])

        async def lean(i: int) -> None:
            proposed = build_proposed_transaction(
                creator=creator, channel=channel_name, chaincode=chaincode,
                transaction_name="put", args=[f"cpu-{run}-l{i}", "v"])  # fmt: skip
            proposed.proposal.signature = signer(g.sha256(proposed.proposal.proposal_bytes))
            txid = proposed.transaction_id
            endorsed = await stub.Endorse(gateway_pb2.EndorseRequest(
                transaction_id=txid, channel_id=channel_name,
                proposed_transaction=proposed.proposal), timeout=15)  # fmt: skip
            if not recorded:
                recorded.append(endorsed.SerializeToString())
            envelope = endorsed.prepared_transaction
            envelope.signature = signer(g.sha256(envelope.payload))
            await stub.Submit(gateway_pb2.SubmitRequest(
                transaction_id=txid, channel_id=channel_name, prepared_transaction=envelope),
                timeout=5)  # fmt: skip
            status = build_commit_status_request(creator=creator, channel=channel_name, txid=txid)
            status.signature = signer(g.sha256(status.request))
            await stub.CommitStatus(status, timeout=60)

        async def measure(op: Any, tag: str) -> float:
            indexes = iter(range(ns.count))

            async def worker() -> None:
                for i in indexes:
                    await op(f"{tag}{i}")

            cpu0 = time.process_time()
            await asyncio.gather(*(worker() for _ in range(ns.concurrency)))
            return (time.process_time() - cpu0) / ns.count * 1e3

        await lean(-1)
        await ours(-1)
        results: dict[str, list[float]] = {"ours": [], "lean": []}
        for r in range(ns.rounds):
            results["ours"].append(await measure(ours, f"r{r}-"))
            results["lean"].append(await measure(lean, f"r{r}-"))
        requests = []
        for _ in range(ns.count):
            proposed = build_proposed_transaction(creator=creator, channel=channel_name,
                                                  chaincode=chaincode, transaction_name="get",
                                                  args=[f"cpu-{run}-o-1"])  # fmt: skip
            proposed.proposal.signature = signer(g.sha256(proposed.proposal.proposal_bytes))
            requests.append(gateway_pb2.EvaluateRequest(
                transaction_id=proposed.transaction_id, channel_id=channel_name,
                proposed_transaction=proposed.proposal))  # fmt: skip
        indexes = iter(range(ns.count))

        async def raw() -> None:
            for i in indexes:
                await stub.Evaluate(requests[i], timeout=5)

        cpu0 = time.process_time()
        await asyncio.gather(*(raw() for _ in range(ns.concurrency)))
        raw_ms = (time.process_time() - cpu0) / ns.count * 1e3

        print(f"real network, concurrency {ns.concurrency}, {ns.count} submits x {ns.rounds} "
              f"alternating rounds (median):")  # fmt: skip
        for name in ("ours", "lean"):
            runs = ", ".join(f"{v:.3f}" for v in results[name])
            print(f"  {name:<5} {statistics.median(results[name]):.3f} ms CPU per submit  ({runs})")
        print(f"  raw grpc.aio Evaluate round trip: {raw_ms:.3f} ms CPU per call "
              "(a submit makes 3 calls)")
        if ns.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            await measure(ours, "p-")
            profiler.disable()
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.sort_stats("tottime").print_stats(18)
            print("cProfile of our submits (tottime; the epoll wait is idle time, not CPU):")
            print("\n".join(text.getvalue().splitlines()[6:]))
    await channel.close()
    ns.recorded = recorded[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    run_dir = Path(os.environ.get("CARBONTRUST_RUN_DIR", REPO / ".run/network"))
    ap.add_argument("--run-dir", type=Path, default=run_dir)
    ap.add_argument("--org", default="PowerMSP")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--count", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    ns = ap.parse_args()
    connection = ns.run_dir / "connection.json"
    if not connection.is_file():
        print(f"no network at {ns.run_dir}: run "
              "`CARBONTRUST_CC_TEST_CONTRACTS=1 python -m network up` "
              "(the probe contract serves what this times)", file=sys.stderr)
        return 2
    info = json.loads(connection.read_text())
    identity, signer = g.profile_identity(info, ns.org)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"network {ns.run_dir}; {os.cpu_count()} cpus, load {load}")
    asyncio.run(online(ns, info, identity, signer))
    figures = asyncio.run(offline(identity, signer, ns.recorded, 3000))
    print("in-memory transport (no network), best of 5 x 3000 submits:")
    for label, ms in figures.items():
        print(f"  {label:<28} {ms * 1e3:7.1f} us per submit")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
