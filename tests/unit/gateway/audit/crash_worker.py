"""A follower process for test_crash.py: stores the same 400 blocks (FakeAuditChain with
deterministic ids and times) into DIR (its key) and DIR/audit.db, or the service store
named by a second argument (a URL), from the stored position on, as fast as it can.

With ``CRASH_AFTER_COMMITS=k`` it SIGKILLs itself right after its k-th committed database
transaction (store rows, Log tiles or follower state, whichever comes): run again and again
with k = 1, 2, 3, ... it dies at every boundary between two of its transactions."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gateway.audit import AuditStore
from gateway.audit._due import Cadence
from gateway.audit._follower import Follower, load_or_create_key
from gateway.audit._witness import Witness

from .fake_chain import FakeAuditChain


class SilentLedger:
    """A ledger that takes every call and commits nothing (only storage is under test)."""

    def key_records(self) -> list[dict[str, Any]]:
        return []

    def register_key(self, binding: dict[str, Any]) -> None: ...

    def sign(self, note: str) -> None: ...

    def anchor(self, note: str, proof: list[bytes]) -> None: ...

    def alarm(self, evidence: dict[str, Any]) -> None: ...


def chain() -> FakeAuditChain:
    c = FakeAuditChain()
    c.workload(1200, per_block=3)
    return c


def die_after_commits(engine: Any, count: list[int], limit: int) -> None:
    """Wrap ``engine.begin`` so the process is killed once ``limit`` transactions committed."""
    begin = engine.begin

    @contextlib.contextmanager
    def counted() -> Iterator[Any]:
        with begin() as conn:
            yield conn
        count[0] += 1
        if count[0] >= limit:
            os.kill(os.getpid(), signal.SIGKILL)

    engine.begin = counted


def main(directory: str, url: str | None = None) -> None:
    root = Path(directory)
    store = AuditStore.open(url or root / "audit.db", sync=True)
    limit = int(os.environ.get("CRASH_AFTER_COMMITS", "0"))
    if limit:
        assert store.log._engine is store._engine  # one engine: every transaction counted
        die_after_commits(store._engine, [0], limit)
    cadence = Cadence(5, 50)
    witness = Witness(store, load_or_create_key(root, "PowerMSP"), "PowerMSP", "carbon",
                      SilentLedger(), cadence)
    follower = Follower(store, witness, "carbon", cadence)
    blocks = chain().blocks
    while store.position()[0] < len(blocks):
        follower.process(blocks[store.position()[0]])
    print("done", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
