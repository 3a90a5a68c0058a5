"""The event loop behind the blocking API: one daemon thread running asyncio + grpc.aio.

The blocking classes call the async core through :meth:`LoopThread.run`, so both APIs run
the same code; a process shares one loop thread (and, through it, grpc channels) across
gateways and threads.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import os
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["LoopThread", "default_runner"]

T = TypeVar("T")


class LoopThread:
    """An asyncio loop in a daemon thread; ``run(coro)`` blocks the caller for the result."""

    def __init__(self, name: str = "carbontrust-gateway") -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()
        self._ready.wait()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("blocking gateway API called from its own event loop thread")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result()
        except (KeyboardInterrupt, concurrent.futures.CancelledError):
            future.cancel()
            raise

    def call(self, fn: Callable[[], T]) -> T:
        """Run a plain function inside the loop thread (e.g. to create a grpc.aio channel)."""

        async def _wrap() -> T:
            return fn()

        return self.run(_wrap())

    def run_awaitable(self, factory: Callable[[], Awaitable[T]]) -> T:
        async def _wrap() -> T:
            return await factory()

        return self.run(_wrap())

    def close(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=5)


_default: LoopThread | None = None
_default_pid = 0
_lock = threading.Lock()


def default_runner() -> LoopThread:
    """The process-wide loop thread (started on first use; a forked child starts its own)."""
    global _default, _default_pid
    with _lock:
        if _default is None or _default_pid != os.getpid():
            _default = LoopThread()
            _default_pid = os.getpid()
            atexit.register(_default.close)
        return _default
