"""accounting.readings: the canonical leaf and batch, every refusal, RFC 9162 roots."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import notary
from accounting import readings as rd

USCC = "914403001922038216"
T = datetime.datetime(2026, 11, 28, 8, 15, tzinfo=rd.CHINA)


def row(**kw: str) -> dict[str, str]:
    base = {"meter_id": "M-1", "uscc": USCC, "interval_start": "2026-11-28T08:15:00+08:00",
            "source": "electricity", "quantity": "12.50", "unit": "kWh"}
    return {**base, **kw}


def test_leaf_bytes_are_the_documented_grammar() -> None:
    r = rd.parse_row(row(quality="estimated"), 2)
    assert rd.encode(r) == b"M-1,914403001922038216,20261128T0015Z,electricity,12.5,kWh,e"
    assert rd.decode(rd.encode(r)) == r
    assert r.interval_start == T and rd.local_day(r.interval_start) == "2026-11-28"


@pytest.mark.parametrize(("kw", "field", "says"), [
    ({"interval_start": "2026-11-28T08:15:00"}, "interval_start", "explicit offset"),
    ({"interval_start": "2026-11-28 08:15"}, "interval_start", "explicit offset"),
    ({"interval_start": "yesterday"}, "interval_start", "ISO 8601"),
    ({"interval_start": "2026-11-28T08:10:00+08:00"}, "interval_start", "15 minutes"),
    ({"interval_start": "2026-11-28T08:15:30+08:00"}, "interval_start", "whole minutes"),
    ({"source": "coal", "unit": "t"}, "interval_start", "per day"),
    ({"source": "steam"}, "source", "one of"),
    ({"unit": "MWh"}, "unit", "electricity is in kWh"),
    ({"source": "heat", "unit": "kWh"}, "unit", "heat is in GJ"),
    ({"quantity": "-1"}, "quantity", "negative"),
    ({"quantity": "-0"}, "quantity", "negative"),
    ({"quantity": "1e3"}, "quantity", "plain decimal"),
    ({"quantity": "+1"}, "quantity", "plain decimal"),
    ({"quantity": "NaN"}, "quantity", "finite"),
    ({"quantity": "abc"}, "quantity", "decimal string"),
    ({"quantity": "0.0000001"}, "quantity", "decimal places"),
    ({"quantity": "1" * 16}, "quantity", "integer digits"),
    ({"quality": "guessed"}, "quality", "measured or estimated"),
    ({"meter_id": "m/1"}, "meter_id", "[A-Za-z0-9._:-]"),
    ({"uscc": "123"}, "uscc", "18-character"),
    ({"unit": ""}, "unit", "required"),
    ({"colour": "red"}, "colour", "not a column"),
])
def test_every_row_refusal_names_line_and_field(kw: dict, field: str, says: str) -> None:
    with pytest.raises(rd.ReadingError) as err:
        rd.parse_row(row(**kw), 7)
    assert (err.value.line, err.value.field) == (7, field), str(err.value)
    assert says in err.value.reason and str(err.value).startswith(f"line 7: {field}: ")


def test_daily_sources_start_at_local_midnight() -> None:
    r = rd.parse_row(row(source="coal", unit="t", quantity="3.5",
                         interval_start="2026-11-28T00:00+08:00"), 2)
    assert rd.interval_end(r) - r.interval_start == datetime.timedelta(days=1)
    assert rd.encode(r).split(b",")[2] == b"20261127T1600Z"


GOOD = b"M-1,914403001922038216,20261128T0015Z,electricity,12.5,kWh,m"


@pytest.mark.parametrize(("leaf", "field"), [
    (GOOD.replace(b"12.5", b"12.50"), "quantity"),
    (GOOD.replace(b"12.5", b"012.5"), "quantity"),
    (GOOD.replace(b"12.5", b"-12.5"), "quantity"),
    (GOOD.replace(b"12.5", b"1.25e1"), "quantity"),
    (GOOD.replace(b",m", b",x"), "quality"),
    (GOOD.replace(b",m", b",measured"), "quality"),
    (GOOD.replace(b"kWh", b"kwh"), "unit"),
    (GOOD.replace(b"0015Z", b"0010Z"), "interval_start"),
    (GOOD.replace(b"20261128T0015Z", b"2026-11-28T00:15Z"), "interval_start"),
    (GOOD.replace(b"20261128", b"20261340"), "interval_start"),
    (GOOD.replace(b"electricity", b"Electricity"), "source"),
    (GOOD + b" ", "quality"),
    (GOOD + b",x", "leaf"),
    (GOOD.replace(b"M-1", "M-\u00e9".encode()), "leaf"),
    (b"", "leaf"),
])
def test_non_canonical_leaves_are_refused_naming_the_field(leaf: bytes, field: str) -> None:
    with pytest.raises(rd.ReadingError) as err:
        rd.decode(leaf, 3)
    assert (err.value.line, err.value.field) == (3, field), str(err.value)


def test_batch_is_sorted_unique_and_checked_in_order() -> None:
    a = rd.parse_row(row(), 2)
    b = rd.parse_row(row(interval_start="2026-11-28T08:30+08:00", quantity="1"), 3)
    c = rd.parse_row(row(meter_id="M-10", quantity="2"), 4)
    batch = rd.encode_batch([c, b, a])
    assert rd.decode_batch(batch) == [a, b, c]
    assert rd.leaves(batch) == [rd.encode(a), rd.encode(b), rd.encode(c)]
    with pytest.raises(rd.ReadingError, match="appears twice"):
        rd.encode_batch([a, rd.parse_row(row(quantity="5"), 5)])
    with pytest.raises(rd.ReadingError) as err:
        rd.decode_batch(b"\n".join([rd.encode(b), rd.encode(a)]))
    assert err.value.line == 2 and "non-canonical order" in err.value.reason
    with pytest.raises(rd.ReadingError) as err:
        rd.decode_batch(b"\n".join([rd.encode(a), rd.encode(a)]))
    assert err.value.line == 2
    for bad in (b"", batch + b"\n", b"\n" + batch):
        with pytest.raises(rd.ReadingError):
            rd.decode_batch(bad)
    with pytest.raises(rd.ReadingError, match="at most"):
        rd.decode_batch(b"\n".join([rd.encode(a)] * (rd.MAX_BATCH + 1)))


@pytest.mark.parametrize("n", [*range(1, 18), 96, 1000])
def test_root_and_proofs_agree_with_notary(n: int) -> None:
    rs = [rd.Reading(f"M-{i:04d}", USCC, T, "electricity", Decimal(i), "kWh")
          for i in range(n)]
    batch = rd.encode_batch(rs)
    root = rd.batch_root(batch)
    assert root == notary.root_hash(rd.leaves(batch))
    for i in {0, n // 2, n - 1}:
        notary.verify_inclusion(notary.leaf_hash(rd.leaves(batch)[i]), i, n,
                                rd.inclusion_proof(batch, i), root)
    with pytest.raises(rd.ReadingError):
        rd.inclusion_proof(batch, n)


quarters = st.integers(min_value=0, max_value=4 * 24 * 365 * 30)
quantities = st.decimals(min_value=0, max_value=Decimal("999999999999999.999999"), places=6,
                         allow_nan=False, allow_infinity=False)
readings = st.builds(
    lambda meter, q, qty, quality, tz: rd.Reading(
        meter, USCC, (datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
                      + q * datetime.timedelta(minutes=15)).astimezone(tz),
        "electricity", qty, "kWh", quality),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,10}", fullmatch=True), quarters, quantities,
    st.sampled_from(["measured", "estimated"]),
    st.sampled_from([datetime.UTC, rd.CHINA, datetime.timezone(datetime.timedelta(hours=-5))]))


@settings(max_examples=300, deadline=None)
@given(readings)
def test_canonical_round_trip(r: rd.Reading) -> None:
    leaf = rd.encode(r)
    assert rd.decode(leaf) == r and rd.encode(rd.decode(leaf)) == leaf


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.binary(max_size=80), readings.map(rd.encode).flatmap(
    lambda leaf: st.builds(lambda i, b: leaf[:i] + bytes([b]) + leaf[i + 1:],
                           st.integers(0, len(leaf) - 1), st.integers(0, 255)))))
def test_any_bytes_either_round_trip_exactly_or_are_refused(data: bytes) -> None:
    try:
        r = rd.decode(data)
    except rd.ReadingError as exc:
        assert exc.field in {"meter_id", "uscc", "interval_start", "source", "quantity",
                             "unit", "quality", "leaf"}   # never another exception
        return
    assert rd.encode(r) == data


@settings(max_examples=100, deadline=None)
@given(st.lists(readings, max_size=30, unique_by=lambda r: r.key))
def test_batch_round_trip_and_order_independence(rs: list[rd.Reading]) -> None:
    if not rs:
        return
    batch = rd.encode_batch(rs)
    assert rd.encode_batch(reversed(rs)) == batch
    assert rd.encode_batch(rd.decode_batch(batch)) == batch


@settings(max_examples=200, deadline=None)
@given(st.lists(readings, min_size=1, max_size=8, unique_by=lambda r: r.key).flatmap(
    lambda rs: st.builds(lambda b, i, x: b[:i] + bytes([x]) + b[i + 1:],
                         st.just(rd.encode_batch(rs)), st.integers(0, 60), st.integers(0, 255))))
def test_mutated_batches_round_trip_exactly_or_are_refused(batch: bytes) -> None:
    """decode_batch (which parses the batch as text in one pass) agrees with leaf-by-leaf
    decode: the same readings, or a refusal, never another exception."""
    try:
        rs = rd.decode_batch(batch)
    except rd.ReadingError:
        return
    assert rd.encode_batch(rs) == batch
    assert rs == [rd.decode(leaf) for leaf in rd.leaves(batch)]
    assert [r.key for r in rs] == [(r.meter_id, rd.interval_text(r.interval_start)) for r in rs]


_STARTS = st.sampled_from([
    "2026-11-28T08:15:00+08:00", "2026-11-28T00:15Z", "2026-11-28T00:15:00+00:00",
    "2026-11-28T08:10:00+08:00", "2026-11-28T08:15:30+08:00", "2026-11-28T00:00+08:00",
    "2026-11-27T16:00:00+00:00", "2026-11-28T05:45:00+05:30", "2026-11-28T08:15:00",
    "yesterday", "2026-11-28T08:15:00.5+08:00"])
_ROWS = st.fixed_dictionaries({
    "meter_id": st.sampled_from(["M-1", "m/1", "A" * 65]),
    "uscc": st.sampled_from([USCC, "123"]),
    "interval_start": _STARTS,
    "source": st.sampled_from(["electricity", "coal", "heat", "steam"]),
    "quantity": st.sampled_from(["12.50", "0", "-1", "1e3", "0.0000001", "7"]),
    "unit": st.sampled_from(["kWh", "t", "GJ", "MWh"]),
    "quality": st.sampled_from(["measured", "estimated", "guessed", ""])})


def _fresh(r: rd.Reading) -> rd.Reading:
    """The same reading without what parse_row seeded: every property computed anew."""
    return rd.Reading(r.meter_id, r.uscc, r.interval_start, r.source, r.quantity, r.unit,
                      r.quality)


@settings(max_examples=400, deadline=None)
@given(_ROWS)
def test_parse_row_is_check_and_encode_of_the_row(fields: dict) -> None:
    """parse_row works the interval out once per distinct text (a cache); what it seeds
    (key, day, leaf) and what it refuses are exactly what check() and encode() say."""
    for _ in range(2):   # the second call is served from the caches
        try:
            r = rd.parse_row(fields, 3)
        except rd.ReadingError as exc:
            refused = str(exc)
            start = fields["interval_start"]
            try:
                parsed = datetime.datetime.fromisoformat(start)
            except ValueError:
                assert refused.startswith("line 3: interval_start: ISO 8601"), refused
                continue
            if parsed.utcoffset() is None or fields["quantity"] == "1e3" or \
                    fields["source"] == "steam":
                continue   # refused before a Reading exists (tested by the table above)
            quality = fields["quality"] or "measured"
            candidate = rd.Reading(fields["meter_id"], fields["uscc"], parsed,
                                   fields["source"], Decimal(fields["quantity"]),
                                   fields["unit"], quality)
            with pytest.raises(rd.ReadingError) as err:
                rd.check(candidate, 3)
            assert str(err.value) == refused
            continue
        fresh = _fresh(r)
        assert rd.check(fresh, 3) == r
        assert (r.key, r.day, r.leaf) == (fresh.key, fresh.day, rd.encode(fresh))
