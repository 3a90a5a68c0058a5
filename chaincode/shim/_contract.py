"""Contracts: classes whose @transaction methods the peer can call by name."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any, TypeVar

from ._stub import Stub

F = TypeVar("F", bound=Callable[..., Any])


class ContractError(Exception):
    """A refusal the contract means to send to the client (status 400 or the given one)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def transaction(fn: F) -> F:
    """Mark an ``async def name(self, stub, *args: str)`` method as callable by clients."""
    if not inspect.iscoroutinefunction(fn):
        raise TypeError(f"transaction {fn.__name__} must be declared async")
    fn.__carbontrust_tx__ = True  # type: ignore[attr-defined]
    return fn


class Contract:
    """Base class.  ``name`` prefixes functions as ``name:fn`` when the chaincode has several."""

    name: str = ""

    def functions(self) -> dict[str, Callable[..., Any]]:
        out = {}
        for attr in dir(self):
            fn = getattr(self, attr)
            if callable(fn) and getattr(fn, "__carbontrust_tx__", False):
                out[attr] = fn
        return out


def encode_result(value: Any) -> bytes:
    """Transaction results go back as bytes: bytes as is, str as UTF-8, else canonical JSON."""
    if value is None:
        return b""
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


class Dispatcher:
    """Route a transaction to the contract function named by its first argument."""

    def __init__(self, *contracts: Contract) -> None:
        self.table: dict[str, Callable[..., Any]] = {}
        self._signatures: dict[str, inspect.Signature] = {}
        for c in contracts:
            for fname, fn in c.functions().items():
                key = f"{c.name}:{fname}" if c.name else fname
                if key in self.table:
                    raise ValueError(f"two contracts define {key!r}")
                self.table[key] = fn
                self._signatures[key] = inspect.signature(fn)  # once, not per transaction

    async def __call__(self, stub: Stub) -> bytes:
        fname = stub.function
        fn = self.table.get(fname)
        if fn is None:
            known = ", ".join(sorted(self.table))
            raise ContractError(f"unknown function {fname!r}; this chaincode has: {known}", 404)
        params = stub.params
        sig = self._signatures[fname]
        try:
            sig.bind(stub, *params)
        except TypeError as exc:
            want = [p for p in sig.parameters if p != "stub"]
            raise ContractError(
                f"{fname} takes {len(want)} argument(s) {want}, got {len(params)}") from exc
        return encode_result(await fn(stub, *params))
