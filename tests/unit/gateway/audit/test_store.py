"""AuditStore: rows and position in one transaction, the Log derived from the rows; on its
own SQLite file, and in a service store (SQLite or PostgreSQL) whose migrations made its
tables (``new_store``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

import notary
from gateway.audit import (
    AnchorRow,
    AuditStore,
    BlockRecords,
    SignatureRow,
    StoreCorruptError,
    normalise_time,
)

from .conftest import NewStore, raw_engine


def leaf(block: int, index: int, tx_id: str, name: str = "registry.register") -> bytes:
    body = {"block": block, "index": index, "tx_id": tx_id, "entry": {"entry": name}}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def ts(second: int) -> str:
    return f"2026-01-01T00:00:{second:02d}.000000000Z"


def block(n: int, *txs: str) -> BlockRecords:
    return BlockRecords(n, entries=[(i, t, ts(n), leaf(n, i, t)) for i, t in enumerate(txs)])


def test_blocks_become_rows_log_and_position(new_store: NewStore) -> None:
    with AuditStore.open(new_store("audit.db"), sync=True) as store:
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


def test_a_block_twice_or_out_of_order_is_refused_and_writes_nothing(new_store: NewStore) -> None:
    with AuditStore.open(new_store("audit.db"), sync=True) as store:
        store.commit_block(block(0, "a"))
        with pytest.raises(ValueError, match="expects block 1"):
            store.commit_block(block(0, "a"))
        with pytest.raises(ValueError, match="expects block 1"):
            store.commit_block(block(2, "x"))
        assert store.size() == 1 and store.entry_count() == 1 and store.position() == (1, -1)


def test_open_appends_entries_the_log_lacks(new_store: NewStore) -> None:
    """A follower killed between the rows' commit and the Log append: reopen catches up."""
    path = new_store("audit.db")
    with AuditStore.open(path, sync=True) as store:
        store.commit_block(block(0, "a"))
    # rows of block 1 committed, Log not appended (what a kill at that moment leaves)
    raw = raw_engine(path)
    with raw.begin() as con:
        con.execute(
            sa.text("INSERT INTO audit_entries VALUES (1, 1, 0, 'b', :ts, 'x', :leaf)"),
            {"ts": ts(1), "leaf": leaf(1, 0, "b")},
        )
        con.execute(sa.text("UPDATE audit_position SET next_block = 2"))
    raw.dispose()
    with AuditStore.open(path) as reader:  # readers do not write
        assert reader.size() == 1 and reader.entry_count() == 2
    with AuditStore.open(path, sync=True) as store:
        assert store.size() == 2
        assert store.log.root() == notary.root_hash([leaf(0, 0, "a"), leaf(1, 0, "b")])


def test_log_with_leaves_the_rows_lack_is_corruption(new_store: NewStore) -> None:
    path = new_store("audit.db")
    with AuditStore.open(path, sync=True) as store:
        store.commit_block(block(0, "a"))
        store.log.append([b"not from a block"])
    with pytest.raises(StoreCorruptError, match="leaves the entry rows do not") as info:
        AuditStore.open(path, sync=True)
    assert info.value.evidence == {"log_size": 2, "entry_rows": 1}


def test_rewritten_leaf_row_is_corruption(new_store: NewStore) -> None:
    path = new_store("audit.db")
    with AuditStore.open(path, sync=True) as store:
        store.commit_block(block(0, "a", "b"))
    raw = raw_engine(path)
    with raw.begin() as con:
        con.execute(sa.text("UPDATE audit_entries SET leaf = :leaf WHERE idx = 1"),
                    {"leaf": leaf(0, 1, "forged")})
    raw.dispose()
    with pytest.raises(StoreCorruptError, match="differs") as info:
        AuditStore.open(path, sync=True)
    assert info.value.evidence["index"] == 1
    raw = raw_engine(path)  # a row before the last leaf rewritten: opening checks the last,
    with raw.begin() as con:  # the full check finds it
        con.execute(sa.text("UPDATE audit_entries SET leaf = :leaf WHERE idx = 1"),
                    {"leaf": leaf(0, 1, "b")})
        con.execute(sa.text("UPDATE audit_entries SET leaf = :leaf WHERE idx = 0"),
                    {"leaf": leaf(0, 0, "forged")})
    raw.dispose()
    with AuditStore.open(path) as reader:
        with pytest.raises(StoreCorruptError, match="differs") as info:
            reader.verify_log()
        assert info.value.evidence == {"index": 0, "tx_id": "a"}


def test_forged_append_goes_through_rows_then_log(new_store: NewStore) -> None:
    with AuditStore.open(new_store("audit.db"), sync=True) as store:
        store.commit_block(block(0, "a"))
        assert store.append_forged("forged", ts(5), leaf(0, 9, "forged")) == 2
        store.verify_log()


def test_index_range_and_time_normalisation(new_store: NewStore) -> None:
    assert normalise_time("2026-01-01T08:00:01+08:00") == "2026-01-01T00:00:01.000000000Z"
    assert normalise_time("2026-01-01T00:00:01.5Z") == "2026-01-01T00:00:01.500000000Z"
    with pytest.raises(ValueError):
        normalise_time("yesterday")
    with AuditStore.open(new_store("audit.db"), sync=True) as store:
        for n in range(4):
            store.commit_block(block(n, f"t{n}"))
        assert store.index_range("2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z") == (1, 2)
        assert store.index_range("2026-01-01T00:00:01.1Z", "2026-01-01T00:00:01.9Z") == (2, 1)
        assert store.index_range("2027-01-01T00:00:00Z", "2027-01-02T00:00:00Z") == (4, 3)


def test_ledger_records_seen_twice_are_kept_once_state_is_replaced(new_store: NewStore) -> None:
    """Signatures, anchors and bindings a block repeats keep their first row (the upserts'
    DO NOTHING, SQLite's OR IGNORE before); state and position take the newest value."""
    sig = SignatureRow(1, "PowerMSP", b"r" * 32, "note 1", "tx-s1")
    anchor = AnchorRow(1, b"r" * 32, "note 1", 0, [b"p" * 32], "tx-a1")
    with AuditStore.open(new_store("audit.db"), sync=True) as store:
        store.commit_block(BlockRecords(0, entries=[(0, "a", ts(0), leaf(0, 0, "a"))],
                                        signatures=[sig], anchors=[anchor],
                                        bindings=[("PowerMSP", "tx-b", {"v": 1})],
                                        state={"due": "one"}))
        store.commit_block(BlockRecords(
            1, signatures=[SignatureRow(1, "PowerMSP", b"x" * 32, "other", "tx-s2")],
            anchors=[AnchorRow(1, b"x" * 32, "other", 0, [], "tx-a2")],
            bindings=[("PowerMSP", "tx-b", {"v": 2})], state={"due": "two"}))
        assert store.signatures() == [sig]
        assert store.anchors() == [anchor]
        assert store.key_bindings() == [{"v": 1}]
        assert store.get_state("due") == "two" and store.position() == (2, -1)
        store.set_state("due", "three")
        assert store.get_state("due") == "three"


def test_a_url_requires_the_migrated_tables_and_creates_nothing(tmp_path: Path) -> None:
    """A service store's schema is its migrations' alone: without revision 0003 the store is
    refused, naming it, and no table is made; a URL naming no file makes no file."""
    from gateway.service.store import Store, migrate

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    service = Store(url)
    migrate(service.engine, "0002", down=True)  # a store from before the log moved in
    with pytest.raises(notary.SchemaMissingError, match="migration 0003") as info:
        AuditStore.open(url, sync=True)
    assert "audit_entries" in info.value.missing and "notary_tiles" in info.value.missing
    tables = set(sa.inspect(service.engine).get_table_names())
    assert not {t for t in tables if t.startswith(("audit_", "notary_"))}
    migrate(service.engine)
    service.close()
    with AuditStore.open(url, sync=True) as store:
        assert store.commit_block(block(0, "a")) == 1 and store.path == tmp_path / "store.sqlite"
    absent = tmp_path / "absent.sqlite"
    with pytest.raises(notary.StoreError, match="no SQLite database"):
        AuditStore.open(f"sqlite:///{absent}")
    assert not absent.exists()



def test_normalise_time_pads_years_before_1000() -> None:
    """strftime's %Y writes 981 for the year 981, which no ISO parser reads back (an export
    from 0981-03-07 answered 500 in the service's fuzz test)."""
    assert normalise_time("0981-03-07") == "0981-03-07T00:00:00.000000000Z"
    assert normalise_time(normalise_time("0981-03-07")) == "0981-03-07T00:00:00.000000000Z"
