"""kill -9 at any moment: a follower process SIGKILLed again and again while it stores blocks
resumes from its stored position; the final log equals an uninterrupted run's (same size,
root, leaves, due-rule state): no gap, no duplicate. Killed at random moments, and killed
right after each of its database transactions in turn (every boundary between two of them).
On the follower's own SQLite file and in a PostgreSQL service store."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from gateway.audit import AuditStore
from tests.postgres import postgres_url

from .conftest import service_store

REPO = Path(__file__).resolve().parents[4]
WORKER = "tests.unit.gateway.audit.crash_worker"


class Follower:
    """A worker's directory (its key) and the database its store lives in."""

    def __init__(self, directory: Path, backend: str) -> None:
        self.directory = directory
        self.url = service_store(postgres_url()) if backend == "postgresql" else None
        self.target: Path | str = self.url or directory / "audit.db"


@pytest.fixture(params=["path", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def start(f: Follower, crash_after: int = 0) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "CRASH_AFTER_COMMITS": str(crash_after)}
    argv = [sys.executable, "-m", WORKER, str(f.directory), *([f.url] if f.url else [])]
    return subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def entry_count(f: Follower) -> int:
    """Entries the worker has committed so far (read-only; 0 before its store exists)."""
    if f.url is None and not (f.directory / "audit.db").exists():
        return 0
    url = f.url or f"sqlite:///file:{f.directory / 'audit.db'}?mode=ro&uri=true"
    engine = sa.create_engine(url)
    try:
        with contextlib.closing(engine.connect()) as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM audit_entries")).scalar_one())
    except sa.exc.DBAPIError:  # created but no table yet, or locked this instant
        return 0
    finally:
        engine.dispose()


def summary(f: Follower) -> tuple[int, bytes, list[str], str | None, tuple[int, int]]:
    with AuditStore.open(f.target) as s:
        s.verify_log()
        ids = [r.tx_id for r in s.entries(0, s.size())]
        return s.size(), s.log.root(), ids, s.get_state("due"), s.position()


def test_sigkill_at_random_moments_loses_and_repeats_nothing(tmp_path: Path,
                                                            backend: str) -> None:
    reference = Follower(tmp_path / "reference", backend)
    crashed = Follower(tmp_path / "crashed", backend)
    ref = start(reference)
    out, err = ref.communicate(timeout=300)
    assert out.strip() == "done", err
    want = summary(reference)
    assert len(want[2]) == 1200 and len(set(want[2])) == 1200

    # Killed at random points of its progress (not of the clock: a fast machine would finish
    # before a timed kill): each round waits until the store holds a random number of new
    # entries, up to ~1,000 of the 1,200, then SIGKILLs mid-stream.
    rng = random.Random(12)
    kills = 0
    for _ in range(12):
        target = entry_count(crashed) + rng.randint(20, 90)
        proc = start(crashed)
        while proc.poll() is None and entry_count(crashed) < target:
            time.sleep(0.002)
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        with AuditStore.open(crashed.target, sync=True) as s:  # the follower's reopen
            s.verify_log()
    last = start(crashed)
    out, err = last.communicate(timeout=300)
    assert out.strip() == "done", err
    assert kills >= 3, "the worker finished before it could be killed often enough"
    got = summary(crashed)
    assert got[0:2] == want[0:2]
    assert got[2] == want[2]
    assert got[3:] == want[3:]


def test_sigkill_after_each_transaction_boundary(tmp_path: Path, backend: str) -> None:
    reference = Follower(tmp_path / "reference", backend)
    crashed = Follower(tmp_path / "crashed", backend)
    out, err = start(reference).communicate(timeout=300)
    assert out.strip() == "done", err
    want = summary(reference)
    for k in [1, 2, 3, 4, 5, 6, 7, 1, 1, 2, 3, 1]:  # 1: dies after its first transaction
        proc = start(crashed, crash_after=k)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == -signal.SIGKILL, (k, proc.returncode, err)
        with AuditStore.open(crashed.target, sync=True) as s:
            s.verify_log()
            ids = [r.tx_id for r in s.entries(0, s.size())]
            assert ids == want[2][: len(ids)], "a gap or a duplicate after a kill"
    out, err = start(crashed).communicate(timeout=300)
    assert out.strip() == "done", err
    assert summary(crashed) == want
