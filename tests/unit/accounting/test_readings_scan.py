"""accounting.readings.scan_batch: the chaincode's fast path accepts and refuses exactly what
decode_batch does (the same ReadingError, word for word), and its rows and intervals say
what decode_batch's readings say."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounting import readings as rd

USCC = "914403001922038216"
EPOCH = datetime.datetime(2024, 1, 1, tzinfo=rd.CHINA)


def _reading(meter: str, n: int, source: str, qty: Decimal, quality: str) -> rd.Reading:
    if source in rd.DAILY_SOURCES:
        start = EPOCH + datetime.timedelta(days=n // 96)
    else:
        start = EPOCH + n * datetime.timedelta(minutes=15)
    return rd.Reading(meter, USCC, start, source, qty, rd.SOURCES[source], quality)


readings = st.builds(
    _reading, st.sampled_from(["M-1", "M-2", "m.3", "Z:9"]), st.integers(0, 96 * 3),
    st.sampled_from(sorted(rd.SOURCES)),
    st.decimals(min_value=0, max_value=Decimal("99999.999999"), places=6, allow_nan=False,
                allow_infinity=False),
    st.sampled_from(["measured", "estimated"]))
batches = st.lists(readings, min_size=1, max_size=12, unique_by=lambda r: r.key).map(
    rd.encode_batch)


def _mutate(batch: bytes, how: int, i: int, x: int) -> bytes:
    lines = batch.split(b"\n")
    if how == 0:                                   # one byte changed
        i %= len(batch)
        return batch[:i] + bytes([x]) + batch[i + 1:]
    if how == 1 and len(lines) > 1:                # two leaves swapped
        j = (i + 1) % len(lines)
        i %= len(lines)
        lines[i], lines[j] = lines[j], lines[i]
    elif how == 2:                                 # a leaf repeated
        i %= len(lines)
        lines.insert(i, lines[i])
    elif how == 3:                                 # an empty line
        lines.insert(i % (len(lines) + 1), b"")
    return b"\n".join(lines)


mutated = st.one_of(batches, st.builds(_mutate, batches, st.integers(0, 3),
                                       st.integers(0, 2000), st.integers(0, 255)))


def _outcome(fn, batch: bytes):   # noqa: ANN001, ANN202 - either side's result
    try:
        return fn(batch)
    except rd.ReadingError as exc:
        return ("refused", str(exc), exc.line, exc.field)


@settings(max_examples=600, deadline=None)
@given(mutated)
def test_scan_agrees_with_decode_batch(batch: bytes) -> None:
    decoded, scanned = _outcome(rd.decode_batch, batch), _outcome(rd.scan_batch, batch)
    if isinstance(decoded, tuple):
        assert scanned == decoded
        return
    assert isinstance(scanned, rd.Scan), scanned
    assert scanned.rows == [(r.meter_id, r.uscc, r.key[1], r.source,
                             rd.quantity_text(r.quantity), r.unit, rd.QUALITIES[r.quality])
                            for r in decoded]
    assert scanned.texts == batch.decode("ascii").split("\n")
    for r, row in zip(decoded, scanned.rows, strict=True):
        iv = scanned.interval(row)
        assert (iv.start, iv.end, iv.day) == (r.interval_start, rd.interval_end(r),
                                              rd.local_day(r.interval_start))
        assert Decimal(row[4]) == r.quantity


@pytest.mark.parametrize(("batch", "says"), [
    (b"", "batch: at least one reading"),
    (b"\n".join([b"M-1," + USCC.encode() + b",20240101T0000Z,electricity,1,kWh,m"] * 2),
     "line 2: batch: non-canonical order"),
    (b"M-1," + USCC.encode() + b",20240101T0005Z,electricity,1,kWh,m",
     "line 1: interval_start: aligned to 15 minutes"),
    (b"M-1," + USCC.encode() + b",20240231T0000Z,electricity,1,kWh,m",
     "line 1: interval_start: not a date-time"),
    (b"M-1," + USCC.encode() + b",20240101T0000Z,heat,1,kWh,m", "line 1: unit: heat is in GJ"),
    (b"M-1," + USCC.encode() + ",20240101T0000Z,electricity,1,kWh,m\nM-2,é".encode(),
     "line 2: leaf: non-canonical bytes: ASCII only"),
])
def test_refusals_name_the_line_and_field(batch: bytes, says: str) -> None:
    with pytest.raises(rd.ReadingError) as err:
        rd.scan_batch(batch)
    assert str(err.value).startswith(says), str(err.value)


def test_too_many_leaves() -> None:
    leaf = b"M-1," + USCC.encode() + b",20240101T0000Z,electricity,1,kWh,m"
    with pytest.raises(rd.ReadingError, match="at most 20000 readings"):
        rd.scan_batch(b"\n".join([leaf] * (rd.MAX_BATCH + 1)))
