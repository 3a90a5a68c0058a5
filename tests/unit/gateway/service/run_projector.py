"""A projector process for the kill test: ``python run_projector.py DB_URL TOTAL``.

Its event source is deterministic (event i: block i // 7, transaction ``t<i>``, payload the
number) and honours the position as the Gateway does (from the checkpoint's block, after
its transaction), so a killed run and the next one see the same ledger. Prints
``projected N`` when the source is exhausted.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from gateway.service._projection import Projector
from gateway.service.store import Store


@dataclass(frozen=True)
class Event:
    block_number: int
    transaction_id: str
    chaincode_name: str
    event_name: str
    payload: bytes


class Source:
    def __init__(self, total: int) -> None:
        self.total = total

    @contextmanager
    def open(self, position: Any) -> Iterator[Iterator[Event]]:
        def gen() -> Iterator[Event]:
            skipping = position.transaction_id is not None
            for i in range(self.total):
                block = i // 7
                if position.block_number is not None and block < position.block_number:
                    continue
                if skipping and block == position.block_number:
                    if f"t{i}" == position.transaction_id:
                        skipping = False
                    continue
                time.sleep(0.002)
                yield Event(block, f"t{i}", "carbon", "audit", str(i).encode())
        yield gen()

    def close(self) -> None:
        pass


def main() -> None:
    url, total = sys.argv[1], int(sys.argv[2])
    store = Store(url)
    done = Projector(store, Source(total)).run_once()
    print(f"projected {done}", flush=True)


if __name__ == "__main__":
    main()
