"""The audit export file, parsed into typed parts before anything is checked.

Everything about shape (keys, types, base64, leaf text) is refused here with code
``FORMAT``, so the later checks only meet well-typed values. Leaf texts stay bytes
until their inclusion proof has been verified: a changed entry is then reported as
``ENTRY_PROOF`` whatever the change, never as a parsing quirk.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from ._entry import loads_strict, origin
from ._errors import AuditCheckError, AuditFormatError

__all__ = ["EXPORT_FORMAT", "Export", "ExportEntry", "Anchor", "parse_export", "instant"]

EXPORT_FORMAT = "carbontrust-audit-export/v1"
_TOP = frozenset({"format", "channel", "origin", "threshold", "range", "first_index",
                  "last_index", "entries", "boundary", "checkpoint", "anchors",
                  "key_bindings"})
_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})\Z")


def _fail(message: str) -> AuditCheckError:
    return AuditCheckError("FORMAT", message)


def instant(text: Any, what: str) -> tuple[int, int]:
    """An RFC 3339 time with zone as (POSIX seconds, nanoseconds), so times written with
    different precision or offsets compare correctly (datetime keeps microseconds only)."""
    m = _RFC3339.match(text) if isinstance(text, str) else None
    if m is None:
        raise _fail(f"{what} {text!r} is not an RFC 3339 time with a zone")
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    try:
        t = dt.datetime.fromisoformat(m.group(1) + zone)
    except ValueError as exc:
        raise _fail(f"{what} {text!r}: {exc}") from None
    nanos = int((m.group(2) or "0").ljust(9, "0"))
    return int(t.timestamp()), nanos


@dataclass(frozen=True)
class ExportEntry:
    """One log position: its leaf bytes (shown) or only its leaf hash (hidden)."""

    where: str  # "entries[3]", "boundary.before": for messages
    index: int
    leaf: bytes | None
    leaf_hash: bytes | None
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class Anchor:
    where: str
    note: str
    proof: tuple[bytes, ...]


@dataclass(frozen=True)
class Export:
    channel: str
    origin: str
    threshold: int
    time_from: str
    time_to: str
    uscc: str | None
    first_index: int
    last_index: int
    entries: tuple[ExportEntry, ...]
    before: ExportEntry | None
    after: ExportEntry | None
    checkpoint: str
    anchors: tuple[Anchor, ...]
    key_bindings: tuple[Any, ...]


def _obj(v: Any, keys: set[str] | frozenset[str], what: str) -> dict[str, Any]:
    if not isinstance(v, dict) or set(v) != set(keys):
        found = sorted(v) if isinstance(v, dict) else type(v).__name__
        raise _fail(f"{what} needs exactly keys {sorted(keys)}, found {found}")
    return v


def _nat(v: Any, what: str) -> int:
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise _fail(f"{what} {v!r} is not an integer >= 0")
    return v


def _str(v: Any, what: str) -> str:
    if not isinstance(v, str):
        raise _fail(f"{what} is {type(v).__name__}, not a string")
    return v


def _hash(v: Any, what: str) -> bytes:
    try:
        raw = base64.b64decode(_str(v, what), validate=True)
    except (binascii.Error, ValueError):
        raise _fail(f"{what} {v!r} is not standard base64") from None
    if len(raw) != 32:
        raise _fail(f"{what} is {len(raw)} bytes, not a 32-byte hash")
    if base64.b64encode(raw).decode("ascii") != v:  # unused bits set: another text, same hash
        raise _fail(f"{what} {v!r} is not the canonical base64 of its 32 bytes")
    return raw


def _hashes(v: Any, what: str) -> tuple[bytes, ...]:
    if not isinstance(v, list):
        raise _fail(f"{what} is {type(v).__name__}, not a list of base64 hashes")
    return tuple(_hash(h, f"{what}[{i}]") for i, h in enumerate(v))


def _entry(v: Any, where: str, hidden_allowed: bool) -> ExportEntry:
    if isinstance(v, dict) and "leaf_hash" in v and hidden_allowed:
        e = _obj(v, {"index", "leaf_hash", "proof"}, where)
        return ExportEntry(where, _nat(e["index"], f"{where}.index"), None,
                           _hash(e["leaf_hash"], f"{where}.leaf_hash"),
                           _hashes(e["proof"], f"{where}.proof"))
    e = _obj(v, {"index", "leaf", "proof"}, where)
    try:
        leaf = _str(e["leaf"], f"{where}.leaf").encode("utf-8")
    except UnicodeEncodeError:
        raise _fail(f"{where}.leaf holds a lone surrogate: not UTF-8 text") from None
    return ExportEntry(where, _nat(e["index"], f"{where}.index"), leaf, None,
                       _hashes(e["proof"], f"{where}.proof"))


def parse_export(data: bytes) -> Export:
    """Parse export bytes; raises :class:`AuditCheckError` ``FORMAT`` naming the field."""
    try:
        v = loads_strict(data)
    except AuditFormatError as exc:
        raise _fail(f"export is not strict JSON: {exc}") from None
    top = _obj(v, _TOP, "export")
    if top["format"] != EXPORT_FORMAT:
        raise _fail(f"format {top['format']!r} is not {EXPORT_FORMAT!r}")
    channel = _str(top["channel"], "channel")
    try:
        expected_origin = origin(channel)
    except AuditFormatError as exc:
        raise _fail(str(exc)) from None
    if top["origin"] != expected_origin:
        raise _fail(f"origin {top['origin']!r} is not {expected_origin!r} of channel "
                    f"{channel!r}")
    rng = _obj(top["range"], {"from", "to", "uscc"}, "range")
    if instant(rng["from"], "range.from") > instant(rng["to"], "range.to"):
        raise _fail(f"range.from {rng['from']} is after range.to {rng['to']}")
    uscc = rng["uscc"]
    if uscc is not None and (not isinstance(uscc, str) or not uscc):
        raise _fail(f"range.uscc {uscc!r} is neither null nor a USCC")
    first, last = _nat(top["first_index"], "first_index"), top["last_index"]
    if not isinstance(last, int) or isinstance(last, bool) or last < first - 1:
        raise _fail(f"last_index {last!r} is below first_index - 1 = {first - 1}")
    if not isinstance(top["entries"], list):
        raise _fail("entries is not a list")
    entries = tuple(_entry(e, f"entries[{i}]", True) for i, e in enumerate(top["entries"]))
    bnd = _obj(top["boundary"], {"before", "after"}, "boundary")
    before = None if bnd["before"] is None else _entry(bnd["before"], "boundary.before", False)
    after = None if bnd["after"] is None else _entry(bnd["after"], "boundary.after", False)
    if not isinstance(top["anchors"], list) or not top["anchors"]:
        raise _fail("anchors is not a non-empty list: no anchored checkpoint to check against")
    anchors = []
    for i, a in enumerate(top["anchors"]):
        a = _obj(a, {"note", "proof_from_previous"}, f"anchors[{i}]")
        anchors.append(Anchor(f"anchors[{i}]", _str(a["note"], f"anchors[{i}].note"),
                              _hashes(a["proof_from_previous"],
                                      f"anchors[{i}].proof_from_previous")))
    if not isinstance(top["key_bindings"], list):
        raise _fail("key_bindings is not a list")
    threshold = top["threshold"]
    if not isinstance(threshold, int) or isinstance(threshold, bool):
        raise _fail(f"threshold {threshold!r} is not an integer")
    return Export(channel, expected_origin, threshold, rng["from"], rng["to"], uscc, first,
                  last, entries, before, after, _str(top["checkpoint"], "checkpoint"),
                  tuple(anchors), tuple(top["key_bindings"]))
