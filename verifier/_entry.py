"""The audit log's leaf and the constants every part of the audit trail shares.

Every valid transaction carrying a ``carbon.audit`` chaincode event becomes one leaf:
``canonical({"block", "index", "tx_id", "entry"})``. The chaincode, the followers, the
exporter and the offline checker all import these definitions from here, so the leaf
bytes (and hence every Merkle root) are defined once.

Canonical JSON is the standard library's encoder with sorted keys, no spaces and UTF-8;
floats are refused (their text form is not canonical across encoders), and a parsed leaf
must re-encode to exactly its bytes, so one leaf has one byte form.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ._errors import AuditFormatError

__all__ = [
    "ORIGIN",
    "ORIGIN_PREFIX",
    "THRESHOLD",
    "ORGANISATIONS",
    "AUDIT_EVENT",
    "HOUSEKEEPING_PREFIX",
    "origin",
    "canonical",
    "loads_strict",
    "audit_leaf",
    "parse_leaf",
    "Leaf",
    "AuditFormatError",
]

ORIGIN_PREFIX = "carbontrust.audit/"
ORIGIN = ORIGIN_PREFIX  # the origin of a channel's log is origin(channel) = ORIGIN + channel

# k of the 4 organisations that must cosign a checkpoint before it is anchored. Any two
# sets of 3 of 4 share at least 2 organisations, so with at most one faulty organisation
# two conflicting anchored checkpoints would need an honest one to sign both (it never
# does); and one organisation down or lying cannot stop anchoring.
THRESHOLD = 3
ORGANISATIONS = 4

AUDIT_EVENT = "carbon.audit"
HOUSEKEEPING_PREFIX = "audit."

_LEAF_KEYS = frozenset({"block", "index", "tx_id", "entry"})


def origin(channel: str) -> str:
    """The checkpoint origin line of ``channel``'s audit log."""
    if not channel or any(c.isspace() for c in channel):
        raise AuditFormatError(f"channel name {channel!r} must be non-empty without spaces")
    return ORIGIN_PREFIX + channel


def _check_value(v: Any, path: str) -> None:
    if isinstance(v, float):
        raise AuditFormatError(f"{path}: float {v!r} has no canonical form; use a string")
    if isinstance(v, dict):
        for k, item in v.items():
            if not isinstance(k, str):
                raise AuditFormatError(f"{path}: key {k!r} is not a string")
            _check_value(item, f"{path}.{k}")
    elif isinstance(v, list | tuple):
        for i, item in enumerate(v):
            _check_value(item, f"{path}[{i}]")
    elif not (v is None or isinstance(v, str | int | bool)):
        raise AuditFormatError(f"{path}: {type(v).__name__} is not a JSON value")


def canonical(v: Any) -> bytes:
    """Canonical JSON bytes of ``v``: sorted keys, no spaces, UTF-8, no floats."""
    _check_value(v, "$")
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _no_float(text: str) -> Any:
    raise AuditFormatError(f"float {text} has no canonical form")


def _no_constant(text: str) -> Any:
    raise AuditFormatError(f"{text} is not JSON")


def _strict_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise AuditFormatError(f"duplicate key {k!r}")
        out[k] = v
    return out


def loads_strict(data: bytes | str) -> Any:
    """JSON without floats, NaN or duplicate keys (raises :class:`AuditFormatError`)."""
    try:
        return json.loads(data, parse_float=_no_float, parse_constant=_no_constant,
                          object_pairs_hook=_strict_object)
    except AuditFormatError:
        raise
    except (ValueError, RecursionError) as exc:
        raise AuditFormatError(f"not JSON: {exc}") from None


def _nat(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


@dataclass(frozen=True)
class Leaf:
    """One log leaf: where the transaction committed and its audit entry."""

    block: int
    index: int
    tx_id: str
    entry: dict[str, Any]

    def to_bytes(self) -> bytes:
        return audit_leaf(self.block, self.index, self.tx_id, self.entry)

    @property
    def timestamp(self) -> str | None:
        ts = self.entry.get("timestamp")
        return ts if isinstance(ts, str) else None

    @property
    def name(self) -> str:
        name = self.entry.get("entry")
        return name if isinstance(name, str) else ""

    @property
    def housekeeping(self) -> bool:
        """True for the audit trail's own entries (key registrations, signatures, anchors)."""
        return self.name.startswith(HOUSEKEEPING_PREFIX)


def audit_leaf(block: int, index: int, tx_id: str, entry: dict[str, Any]) -> bytes:
    """The leaf bytes of the audit ``entry`` of transaction ``tx_id`` at (block, index)."""
    if not _nat(block) or not _nat(index):
        raise AuditFormatError(f"block {block!r} and index {index!r} must be integers >= 0")
    if not isinstance(tx_id, str) or not tx_id:
        raise AuditFormatError(f"tx_id {tx_id!r} must be a non-empty string")
    if not isinstance(entry, dict):
        raise AuditFormatError(f"entry of {tx_id} is {type(entry).__name__}, not an object")
    return canonical({"block": block, "index": index, "tx_id": tx_id, "entry": entry})


def parse_leaf(data: bytes) -> Leaf:
    """Parse leaf bytes; they must be exactly the canonical form of a valid leaf."""
    if not isinstance(data, bytes | bytearray):
        raise AuditFormatError(f"leaf is {type(data).__name__}, not bytes")
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AuditFormatError(f"leaf is not UTF-8 (byte {exc.start})") from None
    v = loads_strict(text)
    if not isinstance(v, dict) or set(v) != _LEAF_KEYS:
        found = sorted(v) if isinstance(v, dict) else type(v).__name__
        raise AuditFormatError(f"leaf needs exactly keys {sorted(_LEAF_KEYS)}, found {found}")
    leaf = Leaf(v["block"], v["index"], v["tx_id"], v["entry"])
    try:
        again = audit_leaf(leaf.block, leaf.index, leaf.tx_id, leaf.entry)
    except RecursionError:
        raise AuditFormatError(f"leaf of {leaf.tx_id!r} is nested too deeply") from None
    if again != bytes(data):
        raise AuditFormatError(f"leaf of {leaf.tx_id} is not in canonical form")
    return leaf
