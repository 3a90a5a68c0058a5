"""The durable tile store: same answers as the in-memory tree, O(log n) reads, atomic
batches, and a writer killed mid-append leaves the last committed size; on an SQLite file
(a path) and on PostgreSQL (a URL, ``tests/postgres.py``) alike."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from notary import (
    ConcurrentAppendError,
    Log,
    MemoryTree,
    SchemaMissingError,
    StoreError,
    TreeSizeError,
    root_hash,
)
from tests.postgres import postgres_url

ROOT = Path(__file__).resolve().parents[3]

NewLog = Callable[[str], "str | Path"]


@pytest.fixture(params=["sqlite", "postgresql"])
def new_log(request: pytest.FixtureRequest, tmp_path: Path) -> NewLog:
    """``new_log(name)``: where a new log goes: a file path, or a new PostgreSQL database's
    URL (a log's tables have fixed names: one log per database). Open with ``create=True``
    (a URL's default is to require the tables)."""
    if request.param == "sqlite":
        return lambda name: tmp_path / name
    return lambda _name: postgres_url()


@pytest.mark.parametrize("height", [1, 2, 3, 8])
def test_store_matches_memory_tree_across_batches_and_reopens(new_log: NewLog,
                                                              height: int) -> None:
    rng = random.Random(height)
    path = new_log("log.db")
    log, mem = Log.open(path, tile_height=height, create=True), MemoryTree()
    while log.size < 1200:
        batch = [rng.randbytes(6) for _ in range(rng.choice([1, 2, 3, 5, 17, 255, 256, 257]))]
        assert log.append(batch) == mem.append(batch)
        if rng.random() < 0.25:
            log.close()
            log = Log.open(path, tile_height=99)  # an existing log keeps its own height
            assert log.tile_height == height
        assert log.root() == mem.root()
    for size in rng.sample(range(0, log.size + 1), 40):
        assert log.root(size) == mem.root(size)
        for index in rng.sample(range(size), min(size, 5)):
            assert log.inclusion_proof(index, size) == mem.inclusion_proof(index, size)
            assert log.leaf_hash(index) == mem.leaf_hash(index)
        for size1 in rng.sample(range(1, size + 1), min(size, 5)):
            assert log.consistency_proof(size1, size) == mem.consistency_proof(size1, size)
        with pytest.raises(TreeSizeError):  # from the empty tree: no proof (see _verify)
            log.consistency_proof(0, size)
    log.close()


def test_cold_costs_are_logarithmic_reads(new_log: NewLog) -> None:
    height, n = 2, 70_001  # tile height 2 gives many tile levels from few leaves
    path = new_log("log.db")
    with Log.open(path, tile_height=height, create=True) as log:
        for start in range(0, n, 10_000):
            log.append(b"%d" % i for i in range(start, min(n, start + 10_000)))
        root, proof = log.root(), log.inclusion_proof(12_345, n)
    tile_levels = (n.bit_length() + height - 1) // height  # 9
    with Log.open(path) as log:
        opened = log.reads
        assert opened <= tile_levels + 1  # state row + one partial tile per level
        assert log.root() == root
        assert log.reads == opened  # the right edge is already in memory
        before = log.reads
        assert log.inclusion_proof(12_345, n) == proof
        assert log.reads - before <= 2 * tile_levels
        before = log.reads
        log.consistency_proof(30_000, n)
        assert log.reads - before <= 2 * tile_levels + 2
        before = log.reads
        log.inclusion_proof(12_345, n)
        assert log.reads == before  # warm: served from the tile cache


def test_stale_writer_is_refused_and_changes_nothing(new_log: NewLog) -> None:
    path = new_log("log.db")
    a, b = Log.open(path, create=True), Log.open(path)
    a.append([b"one", b"two"])
    with pytest.raises(ConcurrentAppendError):
        b.append([b"intruder"])
    a.close()
    b.close()
    with Log.open(path) as log:
        assert log.size == 2 and log.root() == root_hash([b"one", b"two"])


def test_bad_input_and_sizes(new_log: NewLog, tmp_path: Path) -> None:
    with Log.open(new_log("log.db"), create=True) as log:
        assert log.size == 0 and log.root() == root_hash([])
        assert log.append([]) == 0
        with pytest.raises(ValueError):
            log.append_hashes([b"short"])
        log.append([b"a"])
        with pytest.raises(TreeSizeError):
            log.root(2)
        with pytest.raises(TreeSizeError):
            log.inclusion_proof(0, 2)
        with pytest.raises(TreeSizeError):
            log.leaf_hash(1)
        assert log.latest_checkpoint() is None
        log.save_checkpoint(1, "note one\n")
        log.save_checkpoint(0, "note zero\n")
        assert log.latest_checkpoint() == "note one\n"
        log.save_checkpoint(1, "note one, reissued\n")  # the same size: replaced
        assert log.latest_checkpoint() == "note one, reissued\n"
    with pytest.raises(ValueError):
        Log.open(tmp_path / "other.db", synchronous="OFF")
    with pytest.raises(ValueError):
        Log.open(tmp_path / "other.db", tile_height=0)
    with pytest.raises(ValueError, match="SQLite or PostgreSQL"):  # no upsert spelled for it
        Log.open("mysql://nobody@localhost/none")
    with pytest.raises(ValueError, match="cannot use"):  # a driver that is not installed
        Log.open("postgresql+nosuchdriver://nobody@localhost/none")


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[2])
    from notary import Log
    log = Log.open(sys.argv[1], synchronous=sys.argv[3], create=True)
    if sys.argv[4] == "inside":  # stop inside the 4th batch's transaction, before COMMIT
        import time
        from sqlalchemy import event

        @event.listens_for(log._engine, "after_cursor_execute")
        def _hold(conn, cursor, statement, params, context, executemany):
            if statement.startswith("UPDATE notary_state") and log.size == 3000:
                print("inside", flush=True)
                time.sleep(60)
    while True:
        n = log.size
        log.append(b"crash-%d" % i for i in range(n, n + 1000))
        print(log.size, flush=True)
    """
)


@pytest.mark.parametrize(
    ("synchronous", "moment"),
    [("NORMAL", "inside"), ("FULL", "inside"), ("NORMAL", "loop"), ("FULL", "loop")],
)
def test_writer_killed_mid_append_leaves_last_committed_size(
    new_log: NewLog, synchronous: str, moment: str
) -> None:
    """``inside``: killed after the tiles and the new size were written in the 4th batch's
    transaction, before its COMMIT. ``loop``: killed at whatever point of a tight append
    loop the signal lands (almost always inside an append). On PostgreSQL the server rolls
    the killed client's transaction back (``synchronous`` is SQLite's: ignored there)."""
    path = new_log("crash.db")
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(ROOT), synchronous, moment],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline().strip() for _ in range(4 if moment == "inside" else 5)]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    if moment == "inside":
        assert lines == ["1000", "2000", "3000", "inside"]
    else:
        assert lines == ["1000", "2000", "3000", "4000", "5000"]
    with Log.open(path) as log:
        size = log.size
        if moment == "inside":
            assert size == 3000  # the uncommitted 4th batch is gone, tiles and size alike
        assert size >= 3000 and size % 1000 == 0
        entries = [b"crash-%d" % i for i in range(size)]
        assert log.root() == root_hash(entries)
        log.append([b"after"])  # the log goes on from where it stood
        mem = MemoryTree.from_entries([*entries, b"after"])
        assert log.root() == mem.root()
        assert log.consistency_proof(size) == mem.consistency_proof(size)


def test_a_path_creates_its_log_a_url_requires_the_tables(tmp_path: Path) -> None:
    """A URL may name a database whose schema someone else manages (a service store's
    migrations): opening a log there creates nothing unless told to."""
    with Log.open(tmp_path / "made.db") as log:  # a path: created, tables and all
        log.append([b"x"])
    assert Log.open(f"sqlite:///{tmp_path / 'made.db'}").size == 1
    missing = tmp_path / "absent.db"
    with pytest.raises(StoreError, match="no SQLite database"):
        Log.open(f"sqlite:///{missing}")
    assert not missing.exists()  # no empty file left behind
    url = postgres_url()
    with pytest.raises(SchemaMissingError) as info:
        Log.open(url)
    assert info.value.missing == ["notary_checkpoints", "notary_state", "notary_tiles"]
    engine = sa.create_engine(url)
    assert sa.inspect(engine).get_table_names() == []  # nothing created
    engine.dispose()
    with Log.open(url, create=True) as log:
        assert log.append([b"x"]) == 1


def test_a_password_in_the_url_stays_out_of_errors() -> None:
    url = sa.make_url(postgres_url()).set(password="s3cret-pw")
    with pytest.raises(SchemaMissingError) as info:  # the trust cluster ignores the password
        Log.open(url.render_as_string(hide_password=False))
    assert "s3cret-pw" not in str(info.value) and "***" in str(info.value)
