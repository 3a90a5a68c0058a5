"""The follower loop: blocks from the organisation's own peer -> store -> checkpoint protocol.

A reader thread holds the block stream (full blocks, started at the store's position, which
is the stream's checkpoint) and hands blocks to the main thread through a queue; the main
thread alone touches the store and the ledger. Each block is parsed, its due-rule state
computed and everything written in one store transaction (:meth:`AuditStore.commit_block`),
then the witness acts. A block already stored is skipped, a gap ends the stream (reopened at
the stored position): killed at any moment, the follower resumes with no gap and no duplicate.
With no block for the cadence's seconds the witness's wall-clock fallback runs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import notary
from verifier._binding import binding_statement, make_binding, notary_key_name

from ._blockparse import parse_block
from ._due import Cadence, DueState, step
from ._store import AuditStore
from ._witness import Ledger, LedgerRefusal, Witness

__all__ = ["Follower", "StoreCheckpoint", "load_or_create_key", "ensure_key_registered"]

log = logging.getLogger("gateway.audit")

BlockSource = Callable[["StoreCheckpoint"], AbstractContextManager[Iterator[Any]]]


def load_or_create_key(store_dir: Path, mspid: str) -> notary.Signer:
    """The organisation's Ed25519 notary key, ``DIR/notary.key`` (created 0600 on first
    start; an existing file readable by others is refused). The key text is never logged."""
    path = store_dir / "notary.key"
    name = notary_key_name(mspid)
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise PermissionError(f"{path} has mode {mode:o}; the notary key must be 0600")
        signer = notary.Signer.from_text(path.read_text(encoding="utf-8"))
        if signer.name != name:
            raise ValueError(f"{path} holds key {signer.name!r}, not {name!r}")
        return signer
    signer = notary.Signer.generate(name)
    store_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(signer.to_text() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    log.info("created notary key org=%s key=%s", mspid, signer.verifier.to_text())
    return signer


def ensure_key_registered(ledger: Ledger, signer: notary.Signer, mspid: str, channel: str,
                          admin_cert: bytes, admin_key: bytes) -> bool:
    """Register the key binding unless the ledger already holds this key for ``mspid``."""
    want = signer.verifier.to_text()
    for record in ledger.key_records():
        statement = record.get("binding", {}).get("statement", {})
        if statement.get("mspid") == mspid and statement.get("verifier_key") == want:
            return False
    binding = make_binding(binding_statement(channel, mspid, signer.verifier), admin_cert,
                           admin_key)
    ledger.register_key(binding)
    log.info("registered notary key binding org=%s key=%s", mspid, want)
    return True


@dataclass
class StoreCheckpoint:
    """The store's position as a Gateway checkpoint (``gateway.Checkpoint``)."""

    block_number: int | None
    transaction_id: str | None = None


class Follower:
    def __init__(self, store: AuditStore, witness: Witness, chaincode: str,
                 cadence: Cadence) -> None:
        self.store, self.witness, self.chaincode, self.cadence = store, witness, chaincode, cadence
        self.stopping = threading.Event()

    def process(self, block: Any) -> bool:
        """Store one block (if it is the next one) and act; False if it was already stored."""
        number = int(block.header.number)
        expected, _ = self.store.position()
        if number < expected:
            return False
        if number > expected:
            raise GapError(expected, number)
        records = parse_block(block, self.chaincode)
        start = self.store.entry_count()
        state = DueState.decode(self.store.get_state("due"))
        names = [(_name(leaf), ts) for _, _, ts, leaf in records.entries]
        new_state, due = step(state, start, names, self.cadence)
        records.state["due"] = new_state.encode()
        size = self.store.commit_block(records)
        if records.entries:  # else nothing new: signatures, anchors, keys come with entries
            log.info("block=%d entries=%d size=%d%s", number, len(records.entries), size,
                     f" due={due}" if due else "")
            self.witness.after_block(due)
        return True

    def run(self, open_blocks: BlockSource, on_tick: Callable[[], None] | None = None) -> None:
        """Follow until :attr:`stopping` is set; reconnect after stream failures.
        ``on_tick`` runs after each block and when idle (rate-limit it yourself)."""
        backoff = 0.5
        while not self.stopping.is_set():
            blocks: queue.Queue[Any] = queue.Queue(maxsize=64)
            done = threading.Event()
            start, _ = self.store.position()
            holder: list[Any] = []
            reader = threading.Thread(
                target=_read, args=(open_blocks, StoreCheckpoint(start), blocks, done,
                                    self.stopping, holder), daemon=True, name="blocks")
            reader.start()
            last = time.monotonic()
            try:
                while not self.stopping.is_set():
                    try:
                        item = blocks.get(timeout=0.5)
                    except queue.Empty:
                        if done.is_set():
                            break
                        if time.monotonic() - last >= self.cadence.seconds:
                            last = time.monotonic()
                            self.witness.fallback()
                            self.witness.anchor_ready(self.witness.head_size())
                            if on_tick:
                                on_tick()
                        continue
                    if isinstance(item, BaseException):
                        raise item
                    self.process(item)
                    if on_tick:
                        on_tick()
                    last = time.monotonic()
                    backoff = 0.5
            except (GapError, OSError, LedgerRefusal, _StreamError) as exc:
                log.warning("block stream ended: %s; reopening at block %d in %.1f s",
                            exc, self.store.position()[0], backoff)
            except Exception as exc:  # noqa: BLE001 (a Gateway error: the peer is away)
                if not _is_gateway_error(exc):
                    raise
                log.warning("ledger unreachable: %s; reopening in %.1f s", exc, backoff)
            finally:
                done.set()
                for stream in holder:  # unblock the reader (it waits for the next block)
                    with contextlib.suppress(Exception):
                        stream.close()
            self.stopping.wait(backoff)
            backoff = min(backoff * 2, 10.0)


class GapError(RuntimeError):
    def __init__(self, expected: int, got: int) -> None:
        super().__init__(f"block {got} arrived, block {expected} expected")
        self.expected, self.got = expected, got


class _StreamError(RuntimeError):
    pass


def _is_gateway_error(exc: BaseException) -> bool:
    from gateway._errors import GatewayError

    return isinstance(exc, GatewayError)


def _read(open_blocks: BlockSource, checkpoint: StoreCheckpoint, out: queue.Queue[Any],
          done: threading.Event, stopping: threading.Event, holder: list[Any]) -> None:
    try:
        with open_blocks(checkpoint) as stream:
            holder.append(stream)
            for block in stream:
                while not (done.is_set() or stopping.is_set()):
                    try:
                        out.put(block, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if done.is_set() or stopping.is_set():
                    return
        out.put(_StreamError("the block stream closed"))
    except BaseException as exc:  # noqa: BLE001 (handed to the main thread)
        if not (done.is_set() or stopping.is_set()):
            out.put(exc)
    finally:
        done.set()


def _name(leaf: bytes) -> str:
    try:
        value = json.loads(leaf)["entry"]["entry"]
    except (ValueError, KeyError, TypeError):
        return ""
    return value if isinstance(value, str) else ""
