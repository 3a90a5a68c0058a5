"""The projection of the ledger into a service's store: chaincode events, exactly once.

Every transaction of the carbon contract emits one chaincode event (its audit entry). The
projector follows them through the organisation's own peer (Gateway ``ChaincodeEvents``)
and writes, **in one database transaction**, the event's row and the checkpoint that
covers it (block number and transaction id, as fabric-gateway's checkpointers keep them).
A kill at any point leaves either both or neither: a restarted projector resumes from the
stored checkpoint (the Gateway skips the block's events up to that transaction id), so no
event is lost and none is stored twice; the unique transaction id turns a repeat that
slipped through anyway into an error instead of a double count.

Events come through an :class:`EventSource` (the Gateway one here; tests give another).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select

from gateway.service.store import LedgerEvent, ProjectionCheckpoint, Store

__all__ = ["EventSource", "GatewayEventSource", "Position", "Projector"]

log = logging.getLogger("gateway.service.projection")
NAME = "chaincode-events"


@dataclass(frozen=True)
class Position:
    """A checkpoint (the gateway's Checkpoint protocol): the next block and the last
    transaction already projected in it; both None before the first event."""

    block_number: int | None
    transaction_id: str | None
    events: int = 0


class EventSource(Protocol):
    def open(self, position: Position) -> AbstractContextManager[Iterable[Any]]:
        """Events (``block_number``, ``transaction_id``, ``chaincode_name``,
        ``event_name``, ``payload``) after ``position``."""
        ...

    def close(self) -> None: ...


class Projector:
    def __init__(self, store: Store, source: EventSource, name: str = NAME) -> None:
        self.store, self.source, self.name = store, source, name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    def position(self) -> Position:
        with self.store.session() as s:
            row = s.get(ProjectionCheckpoint, self.name)
            if row is None:
                return Position(None, None, 0)
            return Position(row.block_number, row.transaction_id, row.events)

    def apply(self, event: Any) -> None:
        """Store ``event`` and move the checkpoint past it, in one transaction."""
        with self.store.session() as s:
            row = s.execute(select(ProjectionCheckpoint).where(
                ProjectionCheckpoint.name == self.name).with_for_update()).scalar_one_or_none()
            if row is None:
                row = ProjectionCheckpoint(name=self.name, block_number=0, events=0)
                s.add(row)
            seq = row.events + 1
            s.add(LedgerEvent(seq=seq, block_number=event.block_number,
                              transaction_id=event.transaction_id,
                              chaincode=event.chaincode_name, event_name=event.event_name,
                              payload=event.payload))
            row.block_number = event.block_number
            row.transaction_id = event.transaction_id
            row.events = seq

    def run_once(self) -> int:
        """Project what the source yields until it ends (or stop); the events projected."""
        done = 0
        with self.source.open(self.position()) as events:
            for event in events:
                if self._stop.is_set():
                    break
                self.apply(event)
                done += 1
        return done

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="projector", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.source.close()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                self.run_once()
                delay = 0.5
                self.last_error = None
            except Exception as exc:  # noqa: BLE001 - logged, retried with backoff
                if self._stop.is_set():
                    break
                self.last_error = f"{type(exc).__name__}: {str(exc)[:300]}"
                log.warning("projection stopped (%s); retrying in %.1f s", self.last_error,
                            delay)
            self._stop.wait(delay)
            delay = min(delay * 2, 10.0)


class GatewayEventSource:
    """Chaincode events through the organisation's own peer, from the stored checkpoint
    (from block 0 the first time: the projection covers the whole ledger)."""

    def __init__(self, port: Any) -> None:
        self.port = port  # a LedgerPort: the target (own peer, own identity)
        self._lock = threading.Lock()
        self._open: list[Any] = []

    @contextmanager
    def open(self, position: Position) -> Iterator[Iterable[Any]]:
        import gateway as g

        target = self.port.target()
        identity = g.load_identity(target.msp_id, target.cert)
        signer = g.load_private_key_signer(target.key)
        gw = g.connect(target.peer_endpoint, identity, signer,
                       tls_root_certificates=target.tls_ca.read_bytes(),
                       client_certificate=target.tls_cert.read_bytes() if target.tls_cert
                       else None,
                       client_key=target.tls_key.read_bytes() if target.tls_key else None)
        with self._lock:
            self._open.append(gw)
        try:
            network = gw.get_network(target.channel)
            if position.block_number is None:
                stream = network.chaincode_events(target.chaincode, start_block=0)
            else:
                stream = network.chaincode_events(target.chaincode, checkpoint=position)
            with stream:
                yield stream
        finally:
            with self._lock:
                if gw in self._open:
                    self._open.remove(gw)
            gw.close()

    def close(self) -> None:
        with self._lock:
            for gw in self._open:
                gw.close()  # ends the stream: iteration stops
