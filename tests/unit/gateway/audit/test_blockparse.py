"""parse_block on real protobuf blocks: which transactions become leaves, and the records."""

from __future__ import annotations

import base64

import pytest
from fabric_protos.common import common_pb2

from gateway.audit._blockparse import BlockFormatError, ledger_key, parse_block
from verifier._entry import audit_leaf, parse_leaf

from .block_builder import FakeTx, audit_entry, make_block


def test_valid_audit_transactions_become_leaves_in_index_order() -> None:
    e0, e2 = audit_entry("registry.register", "t0", 3), audit_entry("readings.submit", "t2", 4)
    block = make_block(
        7,
        FakeTx("t0", e0),
        FakeTx("t1", audit_entry("registry.register", "t1"), code=11),  # MVCC_READ_CONFLICT
        FakeTx("t2", e2),
        FakeTx("t3"),  # no event
        FakeTx("t4", audit_entry("x.y", "t4"), event_name="other"),
        FakeTx("t5", audit_entry("x.y", "t5"), chaincode="_lifecycle"),
        FakeTx("t6", header_type=common_pb2.HeaderType.CONFIG),
    )
    records = parse_block(block)
    assert records.block == 7
    assert records.entries == [
        (0, "t0", e0["timestamp"], audit_leaf(7, 0, "t0", e0)),
        (2, "t2", e2["timestamp"], audit_leaf(7, 2, "t2", e2)),
    ]
    assert parse_leaf(records.entries[1][3]).index == 2


def test_undecodable_payload_is_skipped_the_same_way_everywhere() -> None:
    block = make_block(
        1, FakeTx("t0", raw_payload=b"{not json"), FakeTx("t1", raw_payload=b'{"x": 1.5}')
    )
    assert parse_block(block).entries == []


def test_filter_length_mismatch_is_an_error_not_a_skip() -> None:
    block = make_block(3, FakeTx("t0", audit_entry("a.b", "t0")))
    block.metadata.metadata[common_pb2.BlockMetadataIndex.TRANSACTIONS_FILTER] = b""
    with pytest.raises(BlockFormatError, match="block 3: TRANSACTIONS_FILTER has 0 codes"):
        parse_block(block)


def test_garbage_envelope_names_block_and_index() -> None:
    block = make_block(4, FakeTx("t0"))
    block.data.data[0] = b"\xff\xff\xff"
    with pytest.raises(BlockFormatError) as info:
        parse_block(block)
    assert (info.value.block, info.value.tx_index) == (4, 0)


def test_audit_trail_records_from_write_sets() -> None:
    root = base64.b64encode(b"r" * 32).decode()
    sig = {"mspid": "PowerMSP", "size": 5, "root": root, "note": "n"}
    anchor = {
        "size": 5,
        "root": root,
        "note": "cosigned",
        "previous_size": 0,
        "proof": [],
        "tx_id": "t1",
        "timestamp": "x",
    }
    binding = {"binding": {"statement": {"mspid": "BankMSP"}}, "tx_id": "t2", "timestamp": "x"}
    alarm = {"accused": "BankMSP", "size": 5, "ours": "a", "theirs": "b", "reason": "root"}
    block = make_block(
        9,
        FakeTx(
            "t0",
            audit_entry("audit.sign", "t0"),
            writes={"\x00notarysig\x0000000000000000000005\x00PowerMSP\x00": sig},
        ),
        FakeTx(
            "t1",
            audit_entry("audit.anchor", "t1"),
            writes={"anchor/00000000000000000005": anchor, "anchorhead": anchor},
        ),
        FakeTx(
            "t2", audit_entry("audit.register_key", "t2"), writes={"notarykey/BankMSP": binding}
        ),
        FakeTx(
            "t3", audit_entry("audit.alarm", "t3"), writes={"notaryalarm/5/PowerMSP/BankMSP": alarm}
        ),
        FakeTx(
            "t4", audit_entry("audit.sign", "t4"), code=11, writes={"notarysig/x/PowerMSP": sig}
        ),
    )
    r = parse_block(block)
    assert [(s.size, s.mspid, s.root, s.tx_id) for s in r.signatures] == [
        (5, "PowerMSP", b"r" * 32, "t0")
    ]
    assert [(a.size, a.previous_size, a.note, a.tx_id) for a in r.anchors] == [
        (5, 0, "cosigned", "t1")
    ]
    assert r.bindings == [("BankMSP", "t2", binding)]
    assert [(a["reporter"], a["accused"], a["size"]) for a in r.alarms] == [
        ("PowerMSP", "BankMSP", 5)
    ]


def test_ledger_key_reads_composite_and_plain_keys() -> None:
    assert ledger_key("\x00anchor\x0000000000000000000005\x00") == "anchor/00000000000000000005"
    assert ledger_key("anchorhead") == "anchorhead"
