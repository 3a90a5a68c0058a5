"""Chaincode and block events, checkpoints and resumption against the fake peer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import gateway as g
from tests.unit.gateway.fake_gateway import FakePeer


@pytest.fixture()
def gw(fake_peer: FakePeer, identity, private_key):
    with g.connect(
        fake_peer.endpoint, identity, g.new_private_key_signer(private_key), insecure=True
    ) as gateway:
        yield gateway


def _put(gw: g.Gateway, *keys: str) -> list[g.SubmittedTransaction]:
    contract = gw.get_network("carbon").get_contract("carbon")
    out = []
    for k in keys:
        commit = contract.submit_async("put", [k, k.upper()])
        commit.status()
        out.append(commit)
    return out


def test_events_from_start_block_with_payload(gw: g.Gateway):
    commits = _put(gw, "a", "b")
    with gw.get_network("carbon").chaincode_events("carbon", start_block=1, timeout=5) as events:
        got = [next(events), next(events)]
    assert [e.transaction_id for e in got] == [c.transaction_id for c in commits]
    assert [e.block_number for e in got] == [1, 2]
    assert json.loads(got[0].payload) == {"key": "a", "value": "A"}
    assert got[0].event_name == "put" and got[0].chaincode_name == "carbon"
    assert "payload=<" in repr(got[0])


def test_restart_from_file_checkpoint_exactly_once(gw: g.Gateway, tmp_path: Path):
    network = gw.get_network("carbon")
    path = tmp_path / "cp.json"
    _put(gw, "k0", "k1", "k2")
    seen: list[str] = []
    checkpointer = g.FileCheckpointer(path)
    with network.chaincode_events("carbon", start_block=1, checkpoint=checkpointer,
                                  timeout=5) as events:
        for event in events:
            seen.append(event.transaction_id)
            checkpointer.checkpoint_chaincode_event(event)
            if len(seen) == 2:
                break  # "killed" after two events
    later = _put(gw, "k3", "k4")
    resumed = g.FileCheckpointer(path)  # a new process would read the file
    with network.chaincode_events("carbon", start_block=1, checkpoint=resumed,
                                  timeout=5) as events:
        for event in events:
            seen.append(event.transaction_id)
            resumed.checkpoint_chaincode_event(event)
            if len(seen) == 5:
                break
    assert len(set(seen)) == 5
    assert seen[-2:] == [c.transaction_id for c in later]


def test_offline_signed_events_request(gw: g.Gateway, private_key, fake_peer: FakePeer):
    (commit,) = _put(gw, "z")
    request = gw.get_network("carbon").new_chaincode_events_request("carbon", start_block=1)
    sig = g.new_private_key_signer(private_key)(request.digest)
    signed = gw.new_signed_chaincode_events_request(request.bytes, sig)
    with signed.events() as events:
        assert next(events).transaction_id == commit.transaction_id
    assert fake_peer.bad_signatures == 0


def test_block_and_filtered_block_events_with_checkpoint(gw: g.Gateway):
    commits = _put(gw, "x", "y")
    network = gw.get_network("carbon")
    checkpointer = g.InMemoryCheckpointer()
    with network.block_events(start_block=0, timeout=5) as blocks:
        for block in blocks:
            checkpointer.checkpoint_block(block.header.number)
            if block.header.number == 1:
                break
    assert checkpointer.block_number == 2
    with network.block_events(checkpoint=checkpointer, timeout=5) as blocks:
        block = next(blocks)
    assert block.header.number == 2 and block.data.data[0] == commits[1].transaction_id.encode()
    with network.filtered_block_events(start_block=1, timeout=5) as blocks:
        fb = next(blocks)
    assert fb.number == 1 and fb.filtered_transactions[0].txid == commits[0].transaction_id


def test_stream_deadline_raises_typed_error(gw: g.Gateway):
    with (
        gw.get_network("carbon").chaincode_events("carbon", timeout=0.2) as events,
        pytest.raises(g.ChaincodeEventsError, match="DEADLINE_EXCEEDED"),
    ):
        next(events)


def test_close_ends_iteration(gw: g.Gateway):
    events = gw.get_network("carbon").chaincode_events("carbon")
    events.close()
    assert list(events) == []
