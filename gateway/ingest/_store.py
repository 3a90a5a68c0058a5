"""The power company's raw batch store: committed batches' canonical bytes, by batch id.

The ledger keeps what trust needs (each batch's RFC 9162 root, totals, salted
commitments); the raw bytes travel to the endorsers as transient data and are kept here,
so an inclusion proof can be built for any reading and the certifier, the regulator or the
enterprise can be handed a copy that they check against the root on the ledger. Every
write and every read is checked against the root (``accounting.readings.batch_root``):
the store can lose a batch but cannot hand out a wrong one unnoticed.

One file per batch (``<batch id>.batch``), written to a temporary name, fsynced and
renamed, so a kill never leaves half a batch under the final name.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from accounting import readings
from gateway.ingest._errors import StoreError

__all__ = ["BatchStore"]

_SAFE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,200}")


class BatchStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, batch_id: str) -> Path:
        if not _SAFE_ID.fullmatch(batch_id) or batch_id.startswith("."):
            raise StoreError(f"batch id {batch_id!r} cannot name a stored batch")
        return self.directory / f"{batch_id.replace(':', '_')}.batch"

    @staticmethod
    def root_of(canonical: bytes) -> str:
        """The batch root as lower-case hex (how the contract reports it)."""
        root: bytes = readings.batch_root(canonical)
        return root.hex()

    def put(self, batch_id: str, canonical: bytes, root: str) -> Path:
        found = self.root_of(canonical)
        if found != root.lower():
            raise StoreError(f"batch {batch_id}: its bytes have root {found}, the ledger "
                             f"says {root}")
        path = self._path(batch_id)
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        with open(tmp, "wb") as f:
            f.write(canonical)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        return path

    def get(self, batch_id: str, root: str) -> bytes:
        """The batch's bytes, checked against ``root`` (the ledger's)."""
        path = self._path(batch_id)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise StoreError(f"batch {batch_id} is not in the store {self.directory}") from None
        except OSError as exc:
            raise StoreError(f"batch {batch_id} cannot be read from {path}: {exc}") from None
        found = self.root_of(data)
        if found != root.lower():
            raise StoreError(f"stored batch {batch_id} ({path}) has root {found}, the ledger "
                             f"holds {root}: the copy is not the batch recorded")
        return data
