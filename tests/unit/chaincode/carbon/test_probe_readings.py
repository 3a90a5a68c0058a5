"""probe_readings:submit_unindexed (test-only, for bench/bench_ingest.py's upper bound): the
same work as readings:submit_batch but the replay index, on the MemoryLedger seam."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fabric_protos.peer.chaincode_shim_pb2 import ChaincodeMessage as Msg

from chaincode.carbon import contracts
from chaincode.shim import Stub

from .conftest import World, build_world
from .test_readings import batch_transient, day_of, reading, totals


@pytest.fixture
def probed() -> Iterator[World]:
    w = build_world(test_contracts=True)
    yield w
    w.ledger.close()


def _object_types(w: World, collection: str) -> set[str]:
    return {Stub.split_composite_key(k)[0] for (c, k) in w.ledger.state if c == collection}


def test_served_only_with_the_test_contracts() -> None:
    assert "probe_readings" not in {c.name for c in contracts(test_contracts=False)}
    assert "probe_readings" in {c.name for c in contracts(test_contracts=True)}


def test_records_what_submit_batch_does_but_the_replay_index(probed: World,
                                                              world: World) -> None:
    t = batch_transient(day_of(count=96))
    res = probed.call("gateway", "probe_readings:submit_unindexed", transient=t)
    assert res.status == 200, res.message
    private_reads = probed.ledger.requests.count((Msg.GET_STATE, "privateReadings"))
    indexed = world.call("gateway", "readings:submit_batch", transient=t)
    assert indexed.status == 200, indexed.message
    assert world.ledger.requests.count((Msg.GET_STATE, "privateReadings")) == 1   # its slot
    out, ref = json.loads(res.payload), json.loads(indexed.payload)
    assert (out["commitment"], out["count"]) == (ref["commitment"], ref["count"]) \
        and out["batch_id"] == res.tx_id
    assert totals(probed) == totals(world)                      # the same deltas
    assert {c for c, _k in res.writes} == {"privateReadings"}   # nothing public
    assert _object_types(probed, "privateReadings") == {"rtotal", "rbatch"}
    batch = probed.ok("regulator-client", "readings:get_batch", res.tx_id)
    assert batch == {**world.ok("regulator-client", "readings:get_batch", indexed.tx_id),
                     "batch_id": res.tx_id, "tx_id": res.tx_id,
                     "submitted_at": batch["submitted_at"]}   # the same record
    assert "rslot" in _object_types(world, "privateReadings")
    assert private_reads == 0, "the unindexed path reads no slot"


def test_refuses_what_submit_batch_refuses(probed: World) -> None:
    stranger = reading(meter="M-9")   # not on the registry
    res = probed.call("gateway", "probe_readings:submit_unindexed",
                      transient=batch_transient([stranger]))
    ref = probed.call("gateway", "readings:submit_batch", transient=batch_transient([stranger]))
    assert res.status == ref.status == 404 and res.message == ref.message
    assert "unknown meter M-9" in res.message
    bad = probed.call("gateway", "probe_readings:submit_unindexed",
                      transient={"batch": b"not,a,reading", "salt": bytes(32)})
    assert bad.status == 400 and "transient.batch" in bad.message
    assert _object_types(probed, "privateReadings") == set()   # nothing recorded
