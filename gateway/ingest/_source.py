"""Rows of readings from CSV (a header row) or JSON lines, from a file or a stream.

Hand-written over ``csv`` and ``json`` of the standard library because the checks an
untrusted feed needs come before them: every line is read as bytes with a length limit (a
line with no end cannot exhaust memory), must be UTF-8 (a leading UTF-8 byte order mark,
as spreadsheet programs write, is dropped), and must hold no NUL. Anything the file's
*structure* gets wrong (encoding, header, a row with the wrong number of fields, a JSON
line that is not an object of strings) is a :class:`SourceError` naming the line: the
input is unreadable (exit 2). What a *value* gets wrong is for ``accounting.readings``'s
``parse_row`` to say (a refused row, exit 1).

The format is told by the first non-blank line: ``{`` starts JSON lines, anything else is
the CSV header. Each :class:`Row` carries the raw bytes of its line so the journal can
fingerprint the input it has consumed.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from gateway.ingest._errors import SourceError

__all__ = ["COLUMNS", "MAX_LINE", "OPTIONAL", "Row", "read_rows"]

COLUMNS = ("meter_id", "uscc", "interval_start", "source", "quantity", "unit")
OPTIONAL = ("quality",)
MAX_LINE = 64 * 1024
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Row:
    """One line of the input: its number, its raw bytes, and its fields (None: blank)."""

    line: int
    raw: bytes
    fields: dict[str, str] | None


def _text(raw: bytes, line: int) -> str:
    body = raw.rstrip(b"\r\n")
    nul = body.find(b"\x00")
    if nul >= 0:
        raise SourceError(line, f"NUL byte at column {nul + 1}")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(line, f"not UTF-8 (byte 0x{body[exc.start]:02x} at column "
                                f"{exc.start + 1})") from None


def _header(text: str, line: int) -> list[str]:
    names = [n.strip() for n in next(csv.reader([text]))]
    unknown = [n for n in names if n not in COLUMNS + OPTIONAL]
    if unknown:
        raise SourceError(line, f"unknown column {unknown[0]!r} in the header (expected "
                                f"{','.join(COLUMNS)}[,quality])")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise SourceError(line, f"column {dup[0]!r} appears twice in the header")
    missing = [n for n in COLUMNS if n not in names]
    if missing:
        raise SourceError(line, f"the header lacks column {missing[0]!r} (expected "
                                f"{','.join(COLUMNS)}[,quality])")
    return names


def _csv_row(text: str, names: list[str], line: int) -> dict[str, str]:
    if '"' in text or "\r" in text:   # quoting (or a stray CR): the csv module decides
        try:
            values = next(csv.reader([text], strict=True))
        except csv.Error as exc:
            raise SourceError(line, f"not a CSV row: {exc}") from None
    else:   # what csv.reader gives for a line with no quote character, a tenth of its cost
        values = text.split(",")
    if len(values) != len(names):
        raise SourceError(line, f"{len(values)} fields where the header has {len(names)}")
    return dict(zip(names, values, strict=True))


def _json_row(text: str, line: int) -> dict[str, str]:
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise SourceError(line, f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise SourceError(line, f"a JSON line must be an object, got {type(value).__name__}")
    unknown = [k for k in value if k not in COLUMNS + OPTIONAL]
    if unknown:
        raise SourceError(line, f"unknown field {unknown[0]!r}")
    missing = [k for k in COLUMNS if k not in value]
    if missing:
        raise SourceError(line, f"field {missing[0]!r} is missing")
    for k, v in value.items():
        if not isinstance(v, str):
            raise SourceError(line, f"field {k!r} must be a string (a decimal string for "
                                    f"quantity), got {type(v).__name__}")
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            raise SourceError(line, f"field {k!r} holds a lone surrogate") from None
    return value


def read_rows(stream: BinaryIO, max_line: int = MAX_LINE) -> Iterator[Row]:
    """Yield every line as a :class:`Row`; raise :class:`SourceError` at the first bad one.

    The header line (CSV) is yielded too, with ``fields=None``, as are blank lines, so the
    consumer sees every byte it must fingerprint.
    """
    names: list[str] | None = None
    jsonl = False
    number = 0
    while True:
        raw = stream.readline(max_line + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_line and not raw.endswith(b"\n"):
            raise SourceError(number, f"longer than {max_line} bytes")
        if number == 1 and raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise SourceError(1, "starts with a UTF-16 byte order mark: the input must be UTF-8")
        text = _text(raw[len(BOM):] if number == 1 and raw.startswith(BOM) else raw, number)
        if not text.strip():
            yield Row(number, raw, None)
            continue
        if names is None and not jsonl:
            if text.lstrip().startswith("{"):
                jsonl = True
            else:
                names = _header(text, number)
                yield Row(number, raw, None)
                continue
        fields = _json_row(text, number) if jsonl else _csv_row(text, names or [], number)
        yield Row(number, raw, fields)
