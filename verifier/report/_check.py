"""``check_pdf(pdf, report_json)``: does this PDF say exactly what this report JSON says?

Two checks, each a typed error naming what differs:

1. The PDF's embedded ``report.json`` (read with ``pypdf``) must be the report's RFC 8785
   bytes. When it is not, the error names the first JSON field that differs, with both
   values (``PdfEmbeddedJsonError``).
2. The PDF must be byte for byte what ``render_pdf`` makes of the report. When it is not,
   the error names the first PDF object that differs, what kind of object it is (a page's
   content stream with its page number, a font, the document information, ...) and the
   bytes around the first difference in each (``PdfMismatchError``).

A PDF that passes both is the rendering of the report and nothing else: no edited figure,
no added page, no incremental update appended after it.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pypdf
from pypdf.errors import PyPdfError

from ._canonical import canonical_bytes, parse_report_json, report_digest
from ._errors import (
    PdfEmbeddedJsonError,
    PdfMismatchError,
    PdfUnreadableError,
    ReportInputError,
)
from ._pdf import EMBEDDED_NAME, render_pdf
from ._schema import validate

__all__ = ["check_pdf", "extract_embedded_json", "PdfCheck"]

_XREF = re.compile(rb"xref\r?\n(\d+) (\d+)\r?\n")


@dataclass(frozen=True)
class PdfCheck:
    report_id: str
    digest: str
    pages: int
    embedded_json: bytes


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """pypdf logs what it repairs; a damaged PDF is reported by our errors, not its log."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _reader(pdf: bytes) -> pypdf.PdfReader:
    if not isinstance(pdf, bytes | bytearray) or not pdf.startswith(b"%PDF-"):
        raise PdfUnreadableError("pdf", "not a PDF (no %PDF- header)",
                                 found=bytes(pdf[:8]) if isinstance(pdf, bytes | bytearray)
                                 else type(pdf).__name__)
    try:
        return pypdf.PdfReader(io.BytesIO(bytes(pdf)), strict=True)
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError,
            RecursionError) as exc:
        raise PdfUnreadableError("pdf", f"cannot be parsed: {type(exc).__name__}: "
                                 f"{str(exc)[:160]}") from None


def extract_embedded_json(pdf: bytes) -> bytes:
    """The bytes of the PDF's embedded ``report.json``."""
    with _quiet():
        return _extract(pdf)


def _extract(pdf: bytes) -> bytes:
    reader = _reader(pdf)
    try:
        files = reader.attachments
        names = list(files)
        found = files[EMBEDDED_NAME] if EMBEDDED_NAME in names else None
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError,
            RecursionError) as exc:
        raise PdfUnreadableError("pdf.attachments", f"cannot be read: {type(exc).__name__}: "
                                 f"{str(exc)[:160]}") from None
    if found is None:
        raise PdfEmbeddedJsonError("pdf.attachments", f"no embedded {EMBEDDED_NAME}",
                                   expected=[EMBEDDED_NAME], found=names)
    if len(found) != 1 or names != [EMBEDDED_NAME]:
        raise PdfEmbeddedJsonError("pdf.attachments", f"exactly one attachment, "
                                   f"{EMBEDDED_NAME}", expected=[EMBEDDED_NAME],
                                   found=names + [EMBEDDED_NAME] * (len(found) - 1))
    return bytes(found[0])


def _first_difference(expected: Any, found: Any, path: str) -> tuple[str, Any, Any] | None:
    if type(expected) is not type(found):
        return path, expected, found
    if isinstance(expected, dict):
        for k in sorted(set(expected) | set(found)):
            if k not in expected or k not in found:
                return f"{path}.{k}", expected.get(k, "<absent>"), found.get(k, "<absent>")
            d = _first_difference(expected[k], found[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(expected, list):
        for i, (a, b) in enumerate(zip(expected, found, strict=False)):
            d = _first_difference(a, b, f"{path}[{i}]")
            if d:
                return d
        if len(expected) != len(found):
            return f"{path}.length", len(expected), len(found)
        return None
    return None if expected == found else (path, expected, found)


def _check_embedded(embedded: bytes, report: dict[str, Any], expected: bytes) -> None:
    if embedded == expected:
        return
    try:
        parsed = parse_report_json(embedded)
    except ReportInputError as exc:
        raise PdfEmbeddedJsonError(f"pdf.report.json{exc.field.lstrip('$')}",
                                   f"not report JSON: {exc.detail}") from None
    diff = _first_difference(report, parsed, "report")
    if diff is None:
        raise PdfEmbeddedJsonError("pdf.report.json", "same values, but not the RFC 8785 "
                                   "canonical bytes", expected=len(expected),
                                   found=len(embedded))
    path, want, got = diff
    raise PdfEmbeddedJsonError(path.replace("report", "pdf.report.json", 1),
                               "the PDF's embedded report differs", expected=want, found=got)


def _object_at(pdf: bytes, offset: int) -> int | None:
    """The object whose bytes contain ``offset``, from the rendering's own xref table."""
    m = _XREF.search(pdf, max(0, pdf.rfind(b"\nxref")))
    if m is None:
        return None
    first, count = int(m.group(1)), int(m.group(2))
    table = pdf[m.end():m.end() + 20 * count]
    best: tuple[int, int] | None = None
    for i in range(count):
        entry = table[20 * i:20 * i + 20]
        if entry[17:18] != b"n":
            continue
        at = int(entry[:10])
        if at <= offset and (best is None or at > best[0]):
            best = (at, first + i)
    return None if best is None else best[1]


def _describe(expected_pdf: bytes, number: int) -> str:
    """What object ``number`` is in the expected rendering."""
    reader = pypdf.PdfReader(io.BytesIO(expected_pdf))
    for i, page in enumerate(reader.pages, start=1):
        if page.indirect_reference is not None and page.indirect_reference.idnum == number:
            return f"page {i} dictionary"
        contents = page.get("/Contents")
        refs = contents if isinstance(contents, list | pypdf.generic.ArrayObject) else [contents]
        for ref in refs:
            if getattr(ref, "idnum", None) == number:
                return f"page {i} content stream (the text and drawings of page {i})"
    obj = reader.get_object(number)
    if isinstance(obj, dict):
        kind = obj.get("/Type") or obj.get("/Subtype")
        if kind is not None:
            return f"{kind} object"
        if "/Producer" in obj:
            return "document information"
        if "/FontFile2" in obj or "/Length1" in obj:
            return "embedded font"
    return "object"


def _compare_bytes(pdf: bytes, expected: bytes) -> None:
    if pdf == expected:
        return
    n = min(len(pdf), len(expected))
    offset = next((i for i in range(n) if pdf[i] != expected[i]), n)
    where = expected.rfind(b"%%EOF")
    if offset >= len(expected) or offset > where >= 0:
        raise PdfMismatchError("pdf.trailer", f"bytes after the end of the rendering "
                               f"(offset {offset}): an appended update or trailing data",
                               expected=len(expected), found=len(pdf))
    number = _object_at(expected, offset)
    if number is None:
        raise PdfMismatchError("pdf.header", f"differs at byte {offset}",
                               expected=expected[offset:offset + 24],
                               found=pdf[offset:offset + 24])
    kind = _describe(expected, number)
    lo = max(0, offset - 24)
    raise PdfMismatchError(f"pdf.object[{number}]", f"{kind} differs from the rendering of "
                           f"the report at byte {offset}",
                           expected=expected[lo:offset + 40], found=pdf[lo:offset + 40])


def check_pdf(pdf_bytes: bytes, report_json_bytes: bytes) -> PdfCheck:
    """Prove ``pdf_bytes`` is the rendering of the report in ``report_json_bytes``."""
    report = parse_report_json(report_json_bytes)
    validate(report)
    expected_json = canonical_bytes(report)
    embedded = extract_embedded_json(pdf_bytes)
    _check_embedded(embedded, report, expected_json)
    expected_pdf = render_pdf(report)
    _compare_bytes(bytes(pdf_bytes), expected_pdf)
    pages = len(_reader(expected_pdf).pages)
    return PdfCheck(report_id=report["report"]["id"], digest=report_digest(report),
                    pages=pages, embedded_json=embedded)
