"""Canonical JSON, digests and the transaction's time: the deterministic encodings.

Canonical JSON here is the accounting package's: keys sorted, separators ``(",", ":")``,
``ensure_ascii=False``, UTF-8; decimals are strings, so a float anywhere is a bug and is
refused.  Every endorser must produce the same bytes, so nothing here reads a clock or
draws randomness: time is the proposal's timestamp, which the client set and every
endorser sees alike.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from chaincode.shim import ContractError, Stub


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise TypeError(f"canonical JSON holds no floats (found {value!r}); use decimal strings")
    if isinstance(value, dict):
        for v in value.values():
            _no_float(v)
    elif isinstance(value, list):
        for v in value:
            _no_float(v)
    return value


def canonical(value: Any) -> bytes:
    """The canonical JSON bytes of value."""
    return json.dumps(_no_float(value), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def load(raw: bytes) -> Any:
    """A value this contract stored (always canonical JSON)."""
    return json.loads(raw.decode("utf-8"))


def iso_time(seconds: int, nanos: int) -> str:
    """RFC 3339 UTC with nanoseconds, e.g. 2023-11-14T22:15:23.000000456Z."""
    base = datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{nanos:09d}Z"


def tx_time(stub: Stub) -> str:
    """The proposal's timestamp (never the endorser's clock)."""
    if stub.timestamp is None:
        raise ContractError("the proposal carries no timestamp; the carbon contract needs "
                            "the transaction's time", 400)
    return iso_time(*stub.timestamp)
