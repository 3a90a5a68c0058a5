"""The canonical reading leaf: one metered reading as one short ASCII line.

Hand-written rather than JSON, CBOR or protobuf because the chaincode parses 5,000 of
these per transaction on every endorser and must refuse any second spelling of the same
reading (a second spelling would be a second Merkle leaf for one measurement).  A fixed
field order, one separator and one regular expression give exactly one byte string per
reading and a parse of a few microseconds; docs/readings.md gives the grammar and why.

    meter_id,uscc,YYYYMMDDTHHMMZ,source,quantity,unit,q

* interval start in UTC, minute precision (fixed width, so it sorts chronologically);
* quantity: a non-negative decimal, no sign, no exponent, no leading zero, no trailing
  fractional zero, at most 15 integer and 6 fractional digits;
* ``q`` is ``m`` (measured) or ``e`` (estimated).

Every function is pure: no clock, no randomness; ``ReadingError`` names the line (CSV line
or 1-based leaf number, 0 when neither) and the field.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar, overload

__all__ = ["Reading", "ReadingError", "SOURCES", "DAILY_SOURCES", "CHINA", "QUALITIES",
           "encode", "decode", "check", "interval_end", "local_day", "quantity_text",
           "check_fields", "start_problem", "leaf_of"]

CHINA = datetime.timezone(datetime.timedelta(hours=8), "UTC+08:00")
# source -> its one unit.  Electricity, heat and gas are metered per 15-minute interval;
# coal and oil are weighed per delivery day (interval start 00:00 UTC+08:00, one day long).
SOURCES: dict[str, str] = {"electricity": "kWh", "heat": "GJ", "natural_gas": "Nm3",
                           "coal": "t", "oil": "t"}
DAILY_SOURCES = frozenset({"coal", "oil"})
QUALITIES = {"measured": "m", "estimated": "e"}
_QUALITY_OF = {v: k for k, v in QUALITIES.items()}
QUARTER = datetime.timedelta(minutes=15)
DAY = datetime.timedelta(days=1)
MAX_INT_DIGITS, MAX_FRACTION_DIGITS = 15, 6

_METER = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}"
_USCC = r"[0-9A-HJ-NPQRTUWXY]{18}"
_QTY = r"(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{0,5}[1-9])?"
_LEAF_TEXT = re.compile(rf"({_METER}),({_USCC}),([0-9]{{8}}T[0-9]{{4}}Z),([a-z_]+),({_QTY}),"
                        r"([A-Za-z0-9]+),([me])", re.ASCII)
_LEAF = re.compile(_LEAF_TEXT.pattern.encode("ascii"))
_FIELD_RE = {"meter_id": re.compile(_METER), "uscc": re.compile(_USCC),
             "interval_start": re.compile(r"[0-9]{8}T[0-9]{4}Z"),
             "quantity": re.compile(_QTY)}
FIELDS = ("meter_id", "uscc", "interval_start", "source", "quantity", "unit", "quality")


class ReadingError(ValueError):
    """A reading refused: where (line), which field, and why."""

    def __init__(self, line: int, field: str, reason: str) -> None:
        self.line, self.field, self.reason = line, field, reason
        super().__init__(f"line {line}: {field}: {reason}" if line else f"{field}: {reason}")


_T = TypeVar("_T")


class _once(Generic[_T]):   # noqa: N801 - used as a decorator, like functools.cached_property
    """A property computed on first use and kept in the instance's ``__dict__``.

    ``functools.cached_property`` of Python 3.11 takes one lock per property, shared by
    every instance, on each first use: with eight submitting threads encoding batches it
    was two thirds of the client's samples (py-spy, bench/bench_ingest.py).  This is the
    same non-data descriptor without the lock; two threads computing one instance's value
    at once compute the same value (the computations are pure).
    """

    def __init__(self, fn: Callable[[Any], _T]) -> None:
        self.fn, self.name = fn, fn.__name__
        self.__doc__ = fn.__doc__

    @overload
    def __get__(self, obj: None, owner: Any = None) -> _once[_T]: ...
    @overload
    def __get__(self, obj: object, owner: Any = None) -> _T: ...

    def __get__(self, obj: object | None, owner: Any = None) -> _once[_T] | _T:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


@dataclass(frozen=True)
class Reading:
    meter_id: str
    uscc: str
    interval_start: datetime.datetime   # aware; equality is by instant
    source: str
    quantity: Decimal
    unit: str
    quality: str = "measured"

    @_once
    def key(self) -> tuple[str, str]:
        """(meter_id, interval) that identifies the measurement: one value each (computed
        once; ``decode`` and ``parse_row`` seed it from what they parsed)."""
        return self.meter_id, interval_text(self.interval_start)

    @_once
    def leaf(self) -> bytes:
        """The canonical leaf bytes, checked the first time (``encode``); ``parse_row``
        seeds it once it has checked the row."""
        check(self)
        return leaf_of(self, self.key[1])

    @_once
    def day(self) -> str:
        """``local_day`` of the interval start (``parse_row`` seeds it)."""
        return local_day(self.interval_start)


def interval_text(start: datetime.datetime) -> str:
    t = start.astimezone(datetime.UTC)
    return f"{t.year:04d}{t.month:02d}{t.day:02d}T{t.hour:02d}{t.minute:02d}Z"


def interval_end(r: Reading) -> datetime.datetime:
    return r.interval_start + (DAY if r.source in DAILY_SOURCES else QUARTER)


def local_day(start: datetime.datetime) -> str:
    """The UTC+08:00 calendar day an interval starts in (totals are by that day)."""
    return start.astimezone(CHINA).date().isoformat()


def quantity_text(q: Decimal) -> str:
    """The canonical decimal string of a checked quantity."""
    text = format(q, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def check_quantity(line: int, q: Decimal) -> Decimal:
    if not isinstance(q, Decimal) or not q.is_finite():
        raise ReadingError(line, "quantity", f"a finite decimal, found {q!r}")
    if q < 0 or (q == 0 and q.is_signed()):
        raise ReadingError(line, "quantity", f"negative quantity {q}: readings are >= 0")
    sign, digits, exp = q.normalize().as_tuple()
    assert isinstance(exp, int)
    fraction = max(0, -exp)
    whole = max(0, len(digits) + exp) if q != 0 else 1
    if fraction > MAX_FRACTION_DIGITS:
        raise ReadingError(line, "quantity", f"at most {MAX_FRACTION_DIGITS} decimal places "
                           f"(readings are never rounded here), found {q}")
    if whole > MAX_INT_DIGITS:
        raise ReadingError(line, "quantity", f"at most {MAX_INT_DIGITS} integer digits, "
                           f"found {q}")
    return q


def check(r: Reading, line: int = 0) -> Reading:
    """Every rule a reading obeys, whatever it was built from."""
    check_fields(r, line)
    start = r.interval_start
    if not isinstance(start, datetime.datetime) or start.utcoffset() is None:
        raise ReadingError(line, "interval_start", "a date-time with an explicit UTC offset")
    problem = start_problem(start, r.source in DAILY_SOURCES, r.source)
    if problem:
        raise ReadingError(line, "interval_start", problem)
    check_quantity(line, r.quantity)
    return r


def check_fields(r: Reading, line: int) -> None:
    """``check``'s rules on the text fields, in its order (they come first)."""
    if not isinstance(r.meter_id, str) or not _FIELD_RE["meter_id"].fullmatch(r.meter_id):
        raise ReadingError(line, "meter_id", "1-64 characters [A-Za-z0-9._:-] starting "
                           f"alphanumeric, found {r.meter_id!r}")
    if not isinstance(r.uscc, str) or not _FIELD_RE["uscc"].fullmatch(r.uscc):
        raise ReadingError(line, "uscc", f"an 18-character unified social credit code, "
                           f"found {r.uscc!r}")
    if r.source not in SOURCES:
        raise ReadingError(line, "source", f"one of {', '.join(SOURCES)}, found {r.source!r}")
    if r.unit != SOURCES[r.source]:
        raise ReadingError(line, "unit", f"{r.source} is in {SOURCES[r.source]}, found "
                           f"{r.unit!r}")
    if r.quality not in QUALITIES:
        raise ReadingError(line, "quality", f"measured or estimated, found {r.quality!r}")


def start_problem(start: datetime.datetime, daily: bool, source: str) -> str | None:
    """Why an aware interval start does not fit its source (None: it does)."""
    if start.second or start.microsecond:
        return f"whole minutes, found {start.isoformat()}"
    if daily:
        local = start.astimezone(CHINA)
        if (local.hour, local.minute) != (0, 0):
            return f"{source} is read per day: 00:00+08:00, found {start.isoformat()}"
    elif start.astimezone(datetime.UTC).minute % 15:
        return f"aligned to 15 minutes, found {start.isoformat()}"
    return None


def leaf_of(r: Reading, interval: str) -> bytes:
    """The leaf bytes of a checked reading whose UTC interval text is known."""
    return ",".join((r.meter_id, r.uscc, interval, r.source, quantity_text(r.quantity),
                     r.unit, QUALITIES[r.quality])).encode("ascii")


def encode(r: Reading) -> bytes:
    """The canonical leaf bytes (checked first: an invalid reading has no encoding)."""
    return r.leaf


def _diagnose(line: int, leaf: bytes) -> ReadingError:
    """Why a leaf missed the fast path: the first field at fault, named."""
    try:
        text = leaf.decode("ascii")
    except UnicodeDecodeError:
        return ReadingError(line, "leaf", "non-canonical bytes: ASCII only")
    parts = text.split(",")
    if len(parts) != len(FIELDS):
        return ReadingError(line, "leaf", f"non-canonical bytes: {len(FIELDS)} fields "
                            f"separated by ',', found {len(parts)}")
    for name, value in zip(FIELDS, parts, strict=True):
        if name == "quantity":
            if value.startswith("-"):
                return ReadingError(line, "quantity", f"negative quantity {value}: "
                                    "readings are >= 0")
            if not _FIELD_RE["quantity"].fullmatch(value):
                return ReadingError(line, "quantity", "non-canonical decimal (no sign, "
                                    "exponent, leading or trailing zero; <= 15.6 digits), "
                                    f"found {value!r}")
        elif name in _FIELD_RE and not _FIELD_RE[name].fullmatch(value):
            return ReadingError(line, name, f"non-canonical {name}, found {value!r}")
        elif name == "source" and value not in SOURCES:
            return ReadingError(line, "source", f"one of {', '.join(SOURCES)}, found "
                                f"{value!r}")
        elif name == "quality" and value not in _QUALITY_OF:
            return ReadingError(line, "quality", f"'m' or 'e', found {value!r}")
    return ReadingError(line, "unit", f"non-canonical unit, found {parts[5]!r}")


def decode(leaf: bytes, line: int = 0) -> Reading:
    """The reading of canonical leaf bytes; anything else is refused, naming the field.

    The pattern already fixes every field's spelling (meter id, USCC shape, a canonical
    non-negative decimal within 15.6 digits, m/e); what it cannot say (a real date, the
    source's unit, alignment) is checked in ``build``, so this is ``check`` without
    repeating it.
    """
    m = _LEAF.fullmatch(leaf)
    if m is None:
        raise _diagnose(line, leaf)
    return build(line, *(g.decode("ascii") for g in m.groups()))


def decode_text(text: str, line: int = 0) -> Reading:
    """``decode`` of a leaf already known to be ASCII text (a batch decodes its bytes once)."""
    m = _LEAF_TEXT.fullmatch(text)
    if m is None:
        raise _diagnose(line, text.encode("ascii"))
    return build(line, *m.groups())


def build(line: int, meter: str, uscc: str, when: str, source: str, qty: str, unit: str,
          q: str) -> Reading:
    try:
        start = datetime.datetime(int(when[0:4]), int(when[4:6]), int(when[6:8]),
                                  int(when[9:11]), int(when[11:13]), tzinfo=datetime.UTC)
    except ValueError:
        raise ReadingError(line, "interval_start", f"not a date-time: {when!r}") from None
    want = SOURCES.get(source)
    if want is None:
        raise ReadingError(line, "source", f"one of {', '.join(SOURCES)}, found {source!r}")
    if unit != want:
        raise ReadingError(line, "unit", f"{source} is in {want}, found {unit!r}")
    if source in DAILY_SOURCES:
        if start.minute or start.hour != 16:   # 00:00 at UTC+08:00
            raise ReadingError(line, "interval_start", f"{source} is read per day: "
                               f"00:00+08:00, found {when}")
    elif start.minute % 15:
        raise ReadingError(line, "interval_start", f"aligned to 15 minutes, found {when}")
    r = Reading(meter, uscc, start, source, Decimal(qty), unit, _QUALITY_OF[q])
    r.__dict__["key"] = (meter, when)   # the cached property, from the text just parsed
    return r
