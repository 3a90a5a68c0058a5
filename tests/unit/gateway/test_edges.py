"""Edge cases: Deliver statuses, code names, stream lifecycle."""

from __future__ import annotations

import asyncio

import pytest
from fabric_protos.common import common_pb2
from fabric_protos.peer import events_pb2

import gateway as g
from gateway._blocks import BlockEvents, block_number_of
from gateway._errors import validation_code_name


def test_validation_code_names():
    assert validation_code_name(0) == "VALID"
    assert validation_code_name(11) == "MVCC_READ_CONFLICT"
    assert validation_code_name(10) == "ENDORSEMENT_POLICY_FAILURE"
    assert validation_code_name(9999) == "UNKNOWN_CODE_9999"
    status = g.Status("tx", 11, 5)
    assert not status.successful and status.code_name == "MVCC_READ_CONFLICT"
    with pytest.raises(g.CommitError) as info:
        status.raise_for_status()
    assert (info.value.transaction_id, info.value.block_number) == ("tx", 5)
    assert g.Status("tx", 0, 5).raise_for_status().successful


def _never() -> object:
    raise AssertionError("not opened")


def test_deliver_status_ends_or_fails_the_stream():
    stream: BlockEvents[common_pb2.Block] = BlockEvents(_never, "block")  # type: ignore[arg-type]
    block = events_pb2.DeliverResponse(
        block=common_pb2.Block(header=common_pb2.BlockHeader(number=4))
    )
    assert [block_number_of(b) for b in stream._items(block)] == [4]
    assert stream._items(events_pb2.DeliverResponse(status=common_pb2.SUCCESS)) == []
    assert stream._closed
    failing: BlockEvents[common_pb2.Block] = BlockEvents(_never, "block")  # type: ignore[arg-type]
    with pytest.raises(g.BlockEventsError, match="FORBIDDEN"):
        failing._items(events_pb2.DeliverResponse(status=common_pb2.FORBIDDEN))
    filtered = events_pb2.FilteredBlock(number=7)
    private = events_pb2.BlockAndPrivateData(
        block=common_pb2.Block(header=common_pb2.BlockHeader(number=8))
    )
    assert (block_number_of(filtered), block_number_of(private)) == (7, 8)


def test_unknown_block_kind_is_refused(fake_peer, identity):
    with (
        g.connect(fake_peer.endpoint, identity, insecure=True) as gw,
        pytest.raises(ValueError, match="kind"),
    ):
        gw.get_network("carbon").new_block_events_request("everything")


def test_closed_before_start_yields_nothing(fake_peer, identity, private_key):
    async def main() -> None:
        from gateway import aio

        async with aio.connect(
            fake_peer.endpoint, identity, g.new_private_key_signer(private_key), insecure=True
        ) as gw:
            events = gw.get_network("carbon").chaincode_events("carbon")
            await events.close()
            assert [e async for e in events] == []
            assert "chaincode_events" not in fake_peer.received  # never opened

    asyncio.run(main())


def test_errors_survive_pickling():
    import pickle

    err = g.EndorseError(
        "failed",
        code=__import__("grpc").StatusCode.ABORTED,
        details=(g.ErrorDetail("a:1", "PowerMSP", "boom"),),
        transaction_id="tx",
    )
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is g.EndorseError and str(again) == str(err)
    assert (again.code, again.details, again.transaction_id) == (err.code, err.details, "tx")
    commit = pickle.loads(pickle.dumps(g.CommitError("tx", 11, 3)))
    assert commit.code_name == "MVCC_READ_CONFLICT" and "block 3" in str(commit)
