"""Blocking wrappers of the step objects: Proposal, Transaction, Commit, event streams.

Each method runs the async core's coroutine on the loop thread (:mod:`gateway._runner`);
pure properties (``bytes``, ``digest``, ``transaction_id``, ``result``) are delegated.
"""

from __future__ import annotations

import builtins
import contextlib
import weakref
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from gateway import _blocks, _commit, _events, _proposal
from gateway._client import UNSET
from gateway._commit import Status
from gateway._events import ChaincodeEvent
from gateway._runner import LoopThread

__all__ = [
    "BlockEvents",
    "BlockEventsRequest",
    "ChaincodeEvents",
    "ChaincodeEventsRequest",
    "Commit",
    "Proposal",
    "SubmittedTransaction",
    "Transaction",
]

T = TypeVar("T")


class _Signable:
    """A blocking view of one async object that can be signed offline: bytes and digest."""

    _aio: Any

    def __init__(self, runner: LoopThread, aio: Any) -> None:
        self._runner = runner
        self._aio = aio

    def __repr__(self) -> str:
        return repr(self._aio)

    @property
    def bytes(self) -> builtins.bytes:
        return self._aio.bytes

    @property
    def digest(self) -> builtins.bytes:
        return self._aio.digest


class _TxStep(_Signable):
    """A step of one transaction: proposal, endorsed transaction or commit."""

    @property
    def transaction_id(self) -> str:
        return self._aio.transaction_id


class Commit(_TxStep):
    """Blocking commit handle: ``status()`` waits for the commit."""

    _aio: _commit.Commit

    def status(self, *, timeout: float | None = UNSET) -> Status:
        return self._runner.run(self._aio.status(timeout=timeout))

    @property
    def block_number(self) -> int | None:
        """The block the transaction committed in; None until :meth:`status` returned."""
        return self._aio.block_number


class SubmittedTransaction(Commit):
    _aio: _commit.SubmittedTransaction

    @property
    def result(self) -> builtins.bytes:
        return self._aio.result


class Transaction(_TxStep):
    _aio: _proposal.Transaction

    @property
    def result(self) -> builtins.bytes:
        return self._aio.result

    def submit(self, *, timeout: float | None = UNSET) -> SubmittedTransaction:
        return SubmittedTransaction(
            self._runner, self._runner.run(self._aio.submit(timeout=timeout))
        )


class Proposal(_TxStep):
    _aio: _proposal.Proposal

    @property
    def endorsing_organizations(self) -> list[str]:
        return self._aio.endorsing_organizations

    def evaluate(self, *, timeout: float | None = UNSET) -> builtins.bytes:
        return self._runner.run(self._aio.evaluate(timeout=timeout))

    def endorse(self, *, timeout: float | None = UNSET) -> Transaction:
        return Transaction(self._runner, self._runner.run(self._aio.endorse(timeout=timeout)))


def _close_dropped(runner: LoopThread, aio: Any) -> None:
    """Finalizer of a stream dropped without close(): cancel its call on the loop.

    May run in any thread (or in the loop thread itself, from a garbage collection there),
    so it only schedules the close and never waits for it.
    """
    if runner.loop.is_closed():
        return
    with contextlib.suppress(RuntimeError):  # loop closed meanwhile (interpreter exit)
        runner.loop.call_soon_threadsafe(lambda: runner.loop.create_task(aio.close()))


class _Stream(Generic[T]):
    """Blocking iterator over an async event stream; ``close()`` or ``with`` to stop.

    A stream dropped without ``close()`` is cancelled when it is garbage collected
    (``weakref.finalize``), so a forgotten stream does not keep the peer delivering.
    """

    def __init__(self, runner: LoopThread, aio: Any) -> None:
        self._runner = runner
        self._aio = aio
        self._finalizer = weakref.finalize(self, _close_dropped, runner, aio)

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        try:
            return self._runner.run(self._aio.__anext__())
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        self._finalizer.detach()
        self._runner.run(self._aio.close())

    def __enter__(self) -> _Stream[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ChaincodeEvents(_Stream[ChaincodeEvent]):
    pass


class BlockEvents(_Stream[T]):
    pass


class ChaincodeEventsRequest(_Signable):
    _aio: _events.ChaincodeEventsRequest

    def events(self, *, timeout: float | None = UNSET) -> ChaincodeEvents:
        return ChaincodeEvents(
            self._runner, self._runner.run(self._aio.events(timeout=timeout).start())
        )


class BlockEventsRequest(_Signable, Generic[T]):
    _aio: _blocks.BlockEventsRequest[T]

    @property
    def kind(self) -> str:
        return self._aio.kind

    def events(self, *, timeout: float | None = UNSET) -> BlockEvents[T]:
        return BlockEvents(
            self._runner, self._runner.run(self._aio.events(timeout=timeout).start())
        )
