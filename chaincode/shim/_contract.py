"""Contracts: classes whose @transaction methods the peer can call by name."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any, TypeVar

from ._errors import ContractError
from ._stub import Stub

F = TypeVar("F", bound=Callable[..., Any])


def transaction(fn: F) -> F:
    """Mark an ``async def name(self, stub, *args)`` method as callable by clients.

    Arguments arrive decoded from UTF-8 (a malformed one is refused with status 400
    naming its index), except parameters annotated ``bytes``, which get the raw bytes.
    """
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
        self._raw: dict[str, frozenset[int]] = {}  # argument indexes passed as bytes
        for c in contracts:
            for fname, fn in c.functions().items():
                key = f"{c.name}:{fname}" if c.name else fname
                if key in self.table:
                    raise ValueError(f"two contracts define {key!r}")
                self.table[key] = fn
                sig = inspect.signature(fn)  # once, not per transaction
                self._signatures[key] = sig
                names = [p for p in sig.parameters if p != "stub"]
                self._raw[key] = frozenset(
                    i + 1 for i, p in enumerate(names)
                    if sig.parameters[p].annotation in (bytes, "bytes"))

    async def __call__(self, stub: Stub) -> bytes:
        fname = stub.function
        fn = self.table.get(fname)
        if fn is None:
            known = ", ".join(sorted(self.table))
            raise ContractError(f"unknown function {fname!r}; this chaincode has: {known}", 404)
        raw = self._raw[fname]
        params: list[Any] = [stub.args[i] if i in raw else stub.arg_str(i)
                             for i in range(1, len(stub.args))]
        sig = self._signatures[fname]
        try:
            sig.bind(stub, *params)
        except TypeError as exc:
            want = [p for p in sig.parameters if p != "stub"]
            raise ContractError(
                f"{fname} takes {len(want)} argument(s) {want}, got {len(params)}") from exc
        return encode_result(await fn(stub, *params))
