"""A server stream as an async iterator that opens itself on first use.

``network.chaincode_events(...)`` returns one at once; it signs and opens the gRPC call on
``async with``, the first ``async for`` step, or ``await`` (all three work), and cancels it
on :meth:`close`. Subclasses turn each response into zero or more items.
"""

# The blocking API (gateway/_sync/_stream.py) is generated from this file: after editing it,
# run `python -m gateway._codegen` (tests/unit/gateway/test_codegen.py checks).

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

import grpc

from gateway._errors import GatewayError

from ._client import EOF, StreamBase, cancel_on_drop

__all__ = ["Stream"]

T = TypeVar("T")
S = TypeVar("S", bound="Stream[Any]")


class Stream(StreamBase, Generic[T]):
    """Async iterator over a gRPC server stream; close it (or ``async with``) to stop."""

    error_type: type[GatewayError] = GatewayError

    def __init__(self, open_call: Callable[[], Any], owner: Any = None) -> None:
        self._open = open_call
        self._call: Any = None
        self._finalizer: Any = None
        self._buffer: deque[T] = deque()
        self._closed = False
        if owner is not None:  # the gateway's client: closing the gateway closes this
            owner.track_stream(self)

    def _items(self, response: Any) -> Iterable[T]:
        """Items of one response; may set ``self._closed`` to end the stream."""
        raise NotImplementedError

    async def start(self: S) -> S:
        """Sign (if needed) and open the call; idempotent."""
        if self._call is None and not self._closed:
            call = await self._open()
            if self._closed:  # closed while opening (close() or the gateway's close())
                call.cancel()
            else:
                self._call = call
                # dropped without close() (no ``with``): cancelled when collected
                self._finalizer = cancel_on_drop(self, call)
        return self

    def __aiter__(self: S) -> S:
        return self

    async def __anext__(self) -> T:
        await self.start()
        while not self._buffer:
            if self._closed or self._call is None:
                raise StopAsyncIteration
            try:
                response = await self._call.read()
            except asyncio.CancelledError:
                if self._closed:
                    raise StopAsyncIteration from None
                raise
            except grpc.RpcError as err:
                if self._closed:
                    raise StopAsyncIteration from None
                raise self.error_type.from_rpc_error(err) from err
            if response is EOF:
                self._closed = True
                raise StopAsyncIteration
            self._buffer.extend(self._items(response))
        return self._buffer.popleft()

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self._finalizer is not None:
                self._finalizer.detach()
            if self._call is not None:
                self._call.cancel()

    async def __aenter__(self: S) -> S:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
