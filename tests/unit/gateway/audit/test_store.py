"""AuditStore: rows and position in one transaction, the Log derived from the rows."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import notary
from gateway.audit import AuditStore, BlockRecords, StoreCorruptError, normalise_time


def leaf(block: int, index: int, tx_id: str, name: str = "registry.register") -> bytes:
    body = {"block": block, "index": index, "tx_id": tx_id, "entry": {"entry": name}}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def ts(second: int) -> str:
    return f"2026-01-01T00:00:{second:02d}.000000000Z"


def block(n: int, *txs: str) -> BlockRecords:
    return BlockRecords(n, entries=[(i, t, ts(n), leaf(n, i, t)) for i, t in enumerate(txs)])


def test_blocks_become_rows_log_and_position(tmp_path: Path) -> None:
    with AuditStore.open(tmp_path / "audit.db", sync=True) as store:
        assert store.position() == (0, -1)
        store.commit_block(block(0))
        store.commit_block(block(1, "a", "b"))
        assert store.commit_block(block(2, "c")) == 3
        assert store.position() == (3, -1)
        assert store.log.root() == notary.root_hash(
            [leaf(1, 0, "a"), leaf(1, 1, "b"), leaf(2, 0, "c")]
        )
        row = store.entry_by_tx("b")
        assert row is not None and (row.index, row.block, row.tx_index) == (1, 1, 1)
        assert row.entry == {"entry": "registry.register"}
        assert [r.tx_id for r in store.entries(1, 3)] == ["b", "c"]
        assert store.entry_by_tx("zzz") is None
        with pytest.raises(IndexError):
            store.entry(3)


def test_a_block_twice_or_out_of_order_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    with AuditStore.open(tmp_path / "audit.db", sync=True) as store:
        store.commit_block(block(0, "a"))
        with pytest.raises(ValueError, match="expects block 1"):
            store.commit_block(block(0, "a"))
        with pytest.raises(ValueError, match="expects block 1"):
            store.commit_block(block(2, "x"))
        assert store.size() == 1 and store.entry_count() == 1 and store.position() == (1, -1)


def test_open_appends_entries_the_log_lacks(tmp_path: Path) -> None:
    """A follower killed between the rows' commit and the Log append: reopen catches up."""
    path = tmp_path / "audit.db"
    with AuditStore.open(path, sync=True) as store:
        store.commit_block(block(0, "a"))
    # rows of block 1 committed, Log not appended (what a kill at that moment leaves)
    con = sqlite3.connect(path)
    con.execute(
        "INSERT INTO audit_entries VALUES (1, 1, 0, 'b', ?, 'x', ?)", (ts(1), leaf(1, 0, "b"))
    )
    con.execute("UPDATE audit_position SET next_block = 2")
    con.commit()
    con.close()
    with AuditStore.open(path) as reader:  # readers do not write
        assert reader.size() == 1 and reader.entry_count() == 2
    with AuditStore.open(path, sync=True) as store:
        assert store.size() == 2
        assert store.log.root() == notary.root_hash([leaf(0, 0, "a"), leaf(1, 0, "b")])


def test_log_with_leaves_the_rows_lack_is_corruption(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    with AuditStore.open(path, sync=True) as store:
        store.commit_block(block(0, "a"))
        store.log.append([b"not from a block"])
    with pytest.raises(StoreCorruptError, match="leaves the entry rows do not") as info:
        AuditStore.open(path, sync=True)
    assert info.value.evidence == {"log_size": 2, "entry_rows": 1}


def test_rewritten_leaf_row_is_corruption(tmp_path: Path) -> None:
    path = tmp_path / "audit.db"
    with AuditStore.open(path, sync=True) as store:
        store.commit_block(block(0, "a", "b"))
    con = sqlite3.connect(path)
    con.execute("UPDATE audit_entries SET leaf = ? WHERE idx = 1", (leaf(0, 1, "forged"),))
    con.commit()
    con.close()
    with pytest.raises(StoreCorruptError, match="differs") as info:
        AuditStore.open(path, sync=True)
    assert info.value.evidence["index"] == 1


def test_forged_append_goes_through_rows_then_log(tmp_path: Path) -> None:
    with AuditStore.open(tmp_path / "audit.db", sync=True) as store:
        store.commit_block(block(0, "a"))
        assert store.append_forged("forged", ts(5), leaf(0, 9, "forged")) == 2
        store.verify_log()


def test_index_range_and_time_normalisation(tmp_path: Path) -> None:
    assert normalise_time("2026-01-01T08:00:01+08:00") == "2026-01-01T00:00:01.000000000Z"
    assert normalise_time("2026-01-01T00:00:01.5Z") == "2026-01-01T00:00:01.500000000Z"
    with pytest.raises(ValueError):
        normalise_time("yesterday")
    with AuditStore.open(tmp_path / "audit.db", sync=True) as store:
        for n in range(4):
            store.commit_block(block(n, f"t{n}"))
        assert store.index_range("2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z") == (1, 2)
        assert store.index_range("2026-01-01T00:00:01.1Z", "2026-01-01T00:00:01.9Z") == (2, 1)
        assert store.index_range("2027-01-01T00:00:00Z", "2027-01-02T00:00:00Z") == (4, 3)
