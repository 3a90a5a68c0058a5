"""Checkpointers: where an event listener resumes after a restart, exactly once.

A checkpoint is the *next* position to read: ``block_number`` (the block to start from) and
``transaction_id`` (the last transaction already processed in that block, if any). Record
each chaincode event with :meth:`checkpoint_chaincode_event` after processing it, or each
block with :meth:`checkpoint_block`; a listener started with ``checkpoint=`` resumes right
after the last recorded one: nothing lost, nothing repeated.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Protocol, runtime_checkable

from gateway._events import ChaincodeEvent

__all__ = ["Checkpoint", "Checkpointer", "FileCheckpointer", "InMemoryCheckpointer"]


@runtime_checkable
class Checkpoint(Protocol):
    """A position to resume from (both None: no checkpoint yet)."""

    @property
    def block_number(self) -> int | None: ...

    @property
    def transaction_id(self) -> str | None: ...


@runtime_checkable
class Checkpointer(Checkpoint, Protocol):
    """A checkpoint that listeners advance as they process blocks, transactions or events."""

    def checkpoint_block(self, block_number: int) -> None: ...

    def checkpoint_transaction(self, block_number: int, transaction_id: str) -> None: ...

    def checkpoint_chaincode_event(self, event: ChaincodeEvent) -> None: ...


class InMemoryCheckpointer:
    """A checkpointer held in memory (resume within one process, e.g. after a reconnect)."""

    def __init__(self) -> None:
        self._block: int | None = None
        self._txid: str | None = None

    @property
    def block_number(self) -> int | None:
        return self._block

    @property
    def transaction_id(self) -> str | None:
        return self._txid

    def checkpoint_block(self, block_number: int) -> None:
        """Block ``block_number`` is fully processed: resume at the next one."""
        self._set(block_number + 1, None)

    def checkpoint_transaction(self, block_number: int, transaction_id: str) -> None:
        """Transaction ``transaction_id`` in ``block_number`` is processed."""
        self._set(block_number, transaction_id)

    def checkpoint_chaincode_event(self, event: ChaincodeEvent) -> None:
        self.checkpoint_transaction(event.block_number, event.transaction_id)

    def _set(self, block_number: int, transaction_id: str | None) -> None:
        if block_number < 0:
            raise ValueError(f"negative block number: {block_number}")
        self._block = block_number
        self._txid = transaction_id or None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(block_number={self._block}, transaction_id={self._txid!r})"


class FileCheckpointer(InMemoryCheckpointer):
    """A checkpointer persisted to a JSON file: write temp, fsync, rename, fsync dir, then memory.

    File format: ``{"blockNumber": int, "transactionId": str}`` (as the official clients).
    """

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists() and self.path.stat().st_size > 0:
            data = json.loads(self.path.read_text())
            block = data.get("blockNumber")
            if block is not None and (not isinstance(block, int) or block < 0):
                raise ValueError(f"{self.path}: invalid blockNumber {block!r}")
            txid = data.get("transactionId") or None
            if block == 0 and txid is None:
                # the official clients write this zero value when they create the file:
                # it means "no checkpoint yet", not "resume after block 0"
                block = None
            self._block = block
            self._txid = txid

    def _set(self, block_number: int, transaction_id: str | None) -> None:
        """Durable, then visible: the file is replaced and synced before memory changes.

        A failure anywhere (disk full, permissions, a crash) leaves both the file and the
        in-memory position at the previous checkpoint, so what a listener reads back and
        what a restart resumes from never disagree.
        """
        if block_number < 0:
            raise ValueError(f"negative block number: {block_number}")
        txid = transaction_id or None
        payload = json.dumps({"blockNumber": block_number, "transactionId": txid or ""})
        _replace_durably(self.path, payload.encode())
        super()._set(block_number, txid)


def _replace_durably(path: Path, data: bytes) -> None:
    """Write a temp file beside ``path``, fsync it, rename it over ``path``, fsync the dir.

    The directory fsync makes the rename itself survive a power loss (POSIX: a rename is
    durable only once its directory is synced).
    """
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    dir_fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
