"""Chaincode and block events on the real network; a killed listener resumes exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

import gateway as g
from gateway import aio

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def _contract(gw: g.Gateway, info: dict) -> g.Contract:
    return gw.get_network(info["channel"]).get_contract(info["chaincode"])


def test_event_received_with_payload(network_info: dict):
    with g.connect_with_profile(network_info, "PowerMSP") as gw:
        network = gw.get_network(network_info["channel"])
        contract = network.get_contract(network_info["chaincode"])
        key = f"gw-ev-{uuid.uuid4().hex[:10]}"
        commit = contract.submit_async("put", [key, "payload-value"])
        block = commit.status().block_number
        with network.chaincode_events(
            network_info["chaincode"], start_block=block, timeout=30
        ) as events:
            event = next(e for e in events if e.transaction_id == commit.transaction_id)
        assert event.event_name == "put" and event.block_number == block
        assert json.loads(event.payload) == {"key": key, "value": "payload-value"}


def test_async_events_next_commit_and_block_events(network_info: dict):
    async def main() -> None:
        identity, signer = g.profile_identity(network_info, "CertifierMSP")
        org = network_info["orgs"]["CertifierMSP"]
        async with aio.connect(
            org["peer_endpoint"],
            identity,
            signer,
            tls_root_certificates=Path(org["tls_ca"]).read_bytes(),
        ) as gw:
            network = gw.get_network(network_info["channel"])
            contract = network.get_contract(network_info["chaincode"])
            name = f"gw-async-{uuid.uuid4().hex[:8]}"
            first = await contract.submit_async("emit", [name, "first"])
            start = (await first.status()).block_number
            async with network.chaincode_events(
                network_info["chaincode"], start_block=start, timeout=30
            ) as events:
                await contract.submit("emit", [name, "second"])
                got = []
                async for event in events:
                    if event.event_name == name:
                        got.append(event.payload)
                    if len(got) == 2:
                        break
            assert got == [b"first", b"second"]
            checkpointer = g.InMemoryCheckpointer()
            async with network.block_events(start_block=start, timeout=30) as blocks:
                async for block in blocks:
                    assert block.header.number == start
                    checkpointer.checkpoint_block(block.header.number)
                    break
            async with network.filtered_block_events(
                checkpoint=checkpointer, timeout=30
            ) as fblocks:
                async for fb in fblocks:
                    assert fb.number == start + 1
                    assert all(t.tx_validation_code == 0 for t in fb.filtered_transactions)
                    break

    asyncio.run(main())


class _Listener:
    """``python -m gateway events`` as a separate process, killable with SIGKILL."""

    def __init__(self, profile: Path, checkpoint: Path, start_block: int) -> None:
        cmd = [
            sys.executable, "-m", "gateway", "events", "--connection", str(profile),
            "--org", "RegulatorMSP", "--start-block", str(start_block),
            "--checkpoint", str(checkpoint),
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            cmd, cwd=REPO, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )  # fmt: skip
        self.lines: queue.Queue[dict] = queue.Queue()
        self.records: list[dict] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def wait_for(self, names: set[str], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not names <= {r["name"] for r in self.records}:
            remaining = deadline - time.monotonic()
            assert remaining > 0, (
                f"listener did not see {names - {r['name'] for r in self.records}}"
            )
            try:
                self.records.append(self.lines.get(timeout=remaining))
            except queue.Empty:
                continue

    def wait_checkpointed(self, checkpoint: Path, timeout: float = 10) -> None:
        """Until the checkpoint file names the last event this listener printed."""
        deadline = time.monotonic() + timeout
        want = self.records[-1]["txid"]
        while time.monotonic() < deadline:
            try:
                if json.loads(checkpoint.read_text()).get("transactionId") == want:
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        raise AssertionError(f"checkpoint never reached {want} within {timeout} s")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        while not self.lines.empty():
            self.records.append(self.lines.get())


def test_killed_listener_resumes_from_checkpoint_exactly_once(network_info: dict, tmp_path: Path):
    profile = tmp_path / "connection.json"
    profile.write_text(json.dumps(network_info))
    checkpoint = tmp_path / "listener.json"
    tag = uuid.uuid4().hex[:8]
    with g.connect_with_profile(network_info, "RegulatorMSP") as gw:
        contract = _contract(gw, network_info)

        def emit(i: int) -> str:
            name = f"gw-{tag}-{i}"
            contract.submit("emit", [name, str(i)])
            return name

        start = contract.submit_async("emit", [f"gw-{tag}-start", ""]).status().block_number
        first = _Listener(profile, checkpoint, start)
        try:
            before = {emit(i) for i in range(3)}
            first.wait_for(before)
            # killed when idle: the CLI prints an event, then checkpoints it, so a kill in
            # between would (by design) repeat that one event rather than lose it
            first.wait_checkpointed(checkpoint)
        finally:
            first.kill()  # SIGKILL: no clean shutdown, no final checkpoint write
        during = [emit(i) for i in range(3, 6)]  # while no listener runs
        second = _Listener(profile, checkpoint, start)
        try:
            second.wait_for(set(during), timeout=60)
            after = [emit(i) for i in range(6, 8)]
            second.wait_for(set(after), timeout=60)
            time.sleep(1.0)
        finally:
            second.kill()

    seen_first = [r["txid"] for r in first.records]
    seen_second = [r["txid"] for r in second.records]
    assert not set(seen_first) & set(seen_second), "an event was delivered twice"
    ours_second = [r["name"] for r in second.records if r["name"].startswith(f"gw-{tag}-")]
    assert ours_second == during + after  # every later event, in order, exactly once
    assert len(seen_second) == len(set(seen_second))
    saved = json.loads(checkpoint.read_text())
    assert saved["transactionId"] == seen_second[-1]
