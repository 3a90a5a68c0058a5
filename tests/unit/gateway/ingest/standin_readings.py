"""STAND-IN for ``accounting.readings`` (issue 11's interface), for these tests only.

The contract helper builds the real module; until it lands, the submitter's tests install
this stand-in under that name (``conftest.readings_codec``; the real module is used as soon
as it can be imported). It follows the agreed interface: ``parse_row`` with
``ReadingError(line, field, reason)``, ``encode``/``decode`` of one canonical leaf,
``encode_batch`` in canonical order, ``batch_root`` and ``inclusion_proof`` via ``notary``.
Its leaf format (compact sorted JSON) is its own, not the project's encoding.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import notary

UNITS = {"electricity": "kWh", "heat": "GJ", "natural_gas": "Nm3", "coal": "t", "oil": "t"}


class ReadingError(ValueError):
    def __init__(self, line: int, field: str, reason: str) -> None:
        super().__init__(f"line {line}: {field}: {reason}")
        self.line, self.field, self.reason = line, field, reason


@dataclass(frozen=True)
class Reading:
    meter_id: str
    uscc: str
    interval_start: dt.datetime
    source: str
    quantity: Decimal
    unit: str
    quality: str = "measured"


def parse_row(row: dict[str, str], line: int) -> Reading:
    if not row.get("meter_id"):
        raise ReadingError(line, "meter_id", "empty")
    try:
        start = dt.datetime.fromisoformat(row["interval_start"])
    except ValueError:
        raise ReadingError(line, "interval_start", "not ISO 8601") from None
    if start.tzinfo is None:
        raise ReadingError(line, "interval_start", "no offset")
    if start.minute % 15 or start.second or start.microsecond:
        raise ReadingError(line, "interval_start", "not 15-minute aligned")
    try:
        quantity = Decimal(row["quantity"])
    except InvalidOperation:
        raise ReadingError(line, "quantity", "not a decimal") from None
    if not quantity.is_finite() or quantity < 0:
        raise ReadingError(line, "quantity", "negative or not finite")
    if UNITS.get(row["source"]) != row["unit"]:
        raise ReadingError(line, "unit", f"{row['unit']!r} does not fit {row['source']!r}")
    quality = row.get("quality") or "measured"
    if quality not in ("measured", "estimated"):
        raise ReadingError(line, "quality", "unknown")
    return Reading(row["meter_id"], row["uscc"], start, row["source"], quantity, row["unit"],
                   quality)


def encode(r: Reading) -> bytes:
    return json.dumps({"m": r.meter_id, "u": r.uscc, "t": r.interval_start.isoformat(),
                       "s": r.source, "q": str(r.quantity), "n": r.unit, "k": r.quality},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def decode(data: bytes) -> Reading:
    v = json.loads(data)
    r = Reading(v["m"], v["u"], dt.datetime.fromisoformat(v["t"]), v["s"], Decimal(v["q"]),
                v["n"], v["k"])
    if encode(r) != data:
        raise ReadingError(0, "leaf", "not canonical")
    return r


def encode_batch(readings: Sequence[Reading]) -> bytes:
    ordered = sorted(readings, key=lambda r: (r.meter_id, r.interval_start))
    for a, b in zip(ordered, ordered[1:], strict=False):
        if (a.meter_id, a.interval_start) == (b.meter_id, b.interval_start):
            raise ReadingError(0, "interval_start", f"{a.meter_id} {a.interval_start} twice")
    return b"\n".join(encode(r) for r in ordered)


def decode_batch(data: bytes) -> list[Reading]:
    return [decode(leaf) for leaf in data.split(b"\n")]


def batch_root(data: bytes) -> bytes:
    return notary.root_hash(data.split(b"\n"))


def inclusion_proof(data: bytes, index: int) -> list[bytes]:
    return notary.MemoryTree.from_entries(data.split(b"\n")).inclusion_proof(index)
