"""A checked batch without a Reading per leaf: the chaincode's per-reading path.

``decode_batch`` builds a ``Reading`` (a datetime, a Decimal, a frozen dataclass) for every
leaf; on the three endorsers that was most of the contract's CPU per reading
(docs/readings.md, "Where the chaincode's time goes").  ``scan_batch`` accepts and refuses
exactly what ``decode_batch`` does, but keeps each leaf as the strings its regular
expression matched and does the checks that depend only on the interval, the source and
the unit (a real date, alignment, the source's unit) once per distinct combination: a day
of 52 meters is 96 checks, not 4,992.  A refused batch is handed to ``decode_batch``, so
the refusal (line, field, reason) is the same word for word; that path is not hot.
"""

from __future__ import annotations

import datetime
import operator
from dataclasses import dataclass

from ._readings import _LEAF_TEXT, CHINA, DAILY_SOURCES, ReadingError, build
from ._readings_batch import MAX_BATCH, decode_batch

__all__ = ["Row", "Scan", "scan_batch"]

QUARTER = datetime.timedelta(minutes=15)
DAY = datetime.timedelta(days=1)

#: (meter_id, uscc, interval YYYYMMDDTHHMMZ, source, quantity text, unit, q)
Row = tuple[str, str, str, str, str, str, str]


@dataclass(frozen=True)
class Interval:
    """What a leaf's (interval, source) means: its UTC start and end, its UTC+08:00 day."""

    start: datetime.datetime
    end: datetime.datetime
    day: str


@dataclass(frozen=True)
class Scan:
    """A canonical batch, checked: its rows and leaf texts in batch order (index i is leaf
    i + 1), and what each (interval, source) of it means."""

    rows: list[Row]
    texts: list[str]
    intervals: dict[tuple[str, str], Interval]

    def interval(self, row: Row) -> Interval:
        return self.intervals[(row[2], row[3])]


def _refused(batch: bytes) -> ReadingError:
    try:
        decode_batch(batch)
    except ReadingError as exc:
        return exc
    raise AssertionError("scan_batch found a fault decode_batch does not")  # pragma: no cover


def scan_batch(batch: bytes) -> Scan:
    """The rows of canonical batch bytes, or the ``ReadingError`` decode_batch raises."""
    if not batch:
        raise ReadingError(0, "batch", "at least one reading")
    try:
        texts = batch.decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise _refused(batch) from None
    if len(texts) > MAX_BATCH:
        raise ReadingError(0, "batch", f"at most {MAX_BATCH} readings, found {len(texts)}")
    matches = list(map(_LEAF_TEXT.fullmatch, texts))
    rows: list[Row] = [m.groups() for m in matches if m is not None]  # type: ignore[misc]
    if len(rows) != len(texts):
        raise _refused(batch)
    keys = [(r[0], r[2]) for r in rows]
    if not all(map(operator.lt, keys, keys[1:])):
        raise _refused(batch)
    intervals: dict[tuple[str, str], Interval] = {}
    for combo in {(r[2], r[3], r[5]) for r in rows}:
        when, source, unit = combo
        try:
            start = build(0, "m", "u", when, source, "0", unit, "m").interval_start
        except ReadingError:
            raise _refused(batch) from None
        end = start + (DAY if source in DAILY_SOURCES else QUARTER)
        intervals[(when, source)] = Interval(start, end, start.astimezone(CHINA).date()
                                             .isoformat())
    return Scan(rows, texts, intervals)
