"""Reading rows from hostile input: every structural fault is a SourceError naming the line."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.ingest import SourceError, read_rows
from tests.unit.gateway.ingest.rows import HEADER, csv_text, row


def rows(data: bytes, **kw: int) -> list:
    return list(read_rows(io.BytesIO(data), **kw))


def error(data: bytes, **kw: int) -> SourceError:
    with pytest.raises(SourceError) as caught:
        rows(data, **kw)
    return caught.value


def test_csv_rows_carry_line_numbers_and_raw_bytes() -> None:
    data = csv_text(3).encode()
    got = rows(data)
    assert [r.line for r in got] == [1, 2, 3, 4]
    assert got[0].fields is None  # the header
    assert got[1].fields is not None and got[1].fields["meter_id"] == "M0"
    assert b"".join(r.raw for r in got) == data


def test_a_utf8_byte_order_mark_is_dropped() -> None:
    got = rows(b"\xef\xbb\xbf" + csv_text(1).encode())
    assert got[1].fields is not None and set(got[1].fields) >= {"meter_id", "quality"}


def test_blank_lines_and_crlf() -> None:
    got = rows((HEADER + "\r\n" + row("M1", 0)).replace("\n", "\r\n").encode())
    assert [r.fields is None for r in got] == [True, True, False]
    assert got[2].fields is not None and got[2].fields["quality"] == "measured"


@pytest.mark.parametrize(("data", "line", "words"), [
    (b"meter_id,uscc,interval_start,source,quantity\n", 1, "lacks column 'unit'"),
    (b"meter_id,uscc,interval_start,source,quantity,unit,colour\n", 1, "unknown column"),
    (b"meter_id,meter_id,uscc,interval_start,source,quantity,unit\n", 1, "twice"),
    ((HEADER + "M1,x\n").encode(), 2, "2 fields where the header has 7"),
    ((HEADER + row("M1", 0)).encode().replace(b"M1", b"M\x001"), 2, "NUL byte at column 2"),
    ((HEADER + row("M1", 0)).encode().replace(b"M1", b"M\xed\xa0\x80"), 2, "not UTF-8"),
    (HEADER.encode() + b"\xff\xfe\n", 2, "not UTF-8 (byte 0xff at column 1)"),
    (b"\xff\xfem\x00e\x00", 1, "UTF-16 byte order mark"),  # UTF-16 with its BOM
    ((HEADER + 'M1,"x\n').encode(), 2, "not a CSV row"),
    (b'{"meter_id": "M1"}\n', 1, "field 'uscc' is missing"),
    (b'{"meter_id":"M","uscc":"U","interval_start":"t","source":"s","quantity":"1",'
     b'"unit":"kWh"}\n[1]\n', 2, "must be an object"),
    (b'{"meter_id":"M","uscc":"U","interval_start":"t","source":"s","quantity":1.5,'
     b'"unit":"kWh"}\n', 1, "must be a string"),
    (b'{"meter_id":"\\ud800","uscc":"U","interval_start":"t","source":"s","quantity":"1",'
     b'"unit":"kWh"}\n', 1, "lone surrogate"),
    (b"{" * 100_000 + b"\n", 1, "not JSON"),
])
def test_hostile_input_names_the_line(data: bytes, line: int, words: str) -> None:
    err = error(data, max_line=200_000)
    assert err.line == line
    assert words in err.reason


def test_a_huge_line_is_refused_without_reading_it_whole() -> None:
    class Endless(io.RawIOBase):
        read_bytes = 0

        def readable(self) -> bool:
            return True

        def readinto(self, b: bytearray) -> int:  # type: ignore[override]
            b[:] = b"x" * len(b)
            self.read_bytes += len(b)
            if self.read_bytes > 10_000_000:
                raise AssertionError("read the endless line")
            return len(b)

    stream = Endless()
    with pytest.raises(SourceError) as caught:
        list(read_rows(io.BufferedReader(stream), max_line=1024))
    assert caught.value.line == 1 and "longer than 1024 bytes" in caught.value.reason


def test_json_lines() -> None:
    got = rows(b'{"meter_id":"M","uscc":"U","interval_start":"t","source":"s",'
               b'"quantity":"1","unit":"kWh"}\n\n')
    assert got[0].fields is not None and got[0].fields["quantity"] == "1"
    assert got[1].fields is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(['a', '1', ' ', ',', '"', '\r', '\t', 'é']),
                        max_size=12), min_size=7, max_size=7))
def test_a_row_splits_as_the_csv_module_splits_it(cells: list[str]) -> None:
    """Lines without a quote character skip csv.reader; with one (or a stray CR) it reads
    them: either way the fields (or the refusal) are csv.reader's."""
    names = ["meter_id", "uscc", "interval_start", "source", "quantity", "unit", "quality"]
    line = ",".join(cells)
    data = (",".join(names) + "\n" + line + "\n").encode()
    try:
        want: list[str] | str = next(csv.reader([line], strict=True))
    except csv.Error:
        want = "not a CSV row"
    try:
        got: list[str] | str = [*(rows(data)[1].fields or {}).values()]
    except SourceError as exc:
        got = "not a CSV row" if "not a CSV row" in str(exc) else str(exc)
    if isinstance(want, list) and len(want) != len(names):
        assert isinstance(got, str) and "fields where the header has 7" in got, got
    else:
        assert got == want
