"""check_pdf: the rendering of the JSON passes; any other PDF is refused, naming what differs."""

from __future__ import annotations

import copy
import io
import json
import logging
import random
from typing import Any

import pypdf
import pytest

from verifier.report import (
    PdfEmbeddedJsonError,
    PdfMismatchError,
    PdfUnreadableError,
    ReportError,
    ReportInputError,
    ReportSchemaError,
    canonical_bytes,
    check_pdf,
    render_pdf,
    report_digest,
)


@pytest.fixture(scope="module")
def rendered(sample_report: dict[str, Any]) -> tuple[bytes, bytes]:
    return render_pdf(sample_report), canonical_bytes(sample_report)


def test_rendering_passes(sample_report: dict[str, Any], rendered: tuple[bytes, bytes]) -> None:
    pdf, js = rendered
    got = check_pdf(pdf, js)
    assert (got.report_id, got.digest, got.pages) == (sample_report["report"]["id"],
                                                      report_digest(sample_report), 2)
    assert got.embedded_json == js


def test_json_need_not_be_canonical_text(sample_report: dict[str, Any],
                                         rendered: tuple[bytes, bytes]) -> None:
    """The same values, pretty-printed by a bank's tool, identify the same report."""
    pretty = json.dumps(sample_report, indent=2, ensure_ascii=True).encode()
    assert check_pdf(rendered[0], pretty).digest == report_digest(sample_report)


def _replace_in_embedded(pdf: bytes, old: bytes, new: bytes) -> bytes:
    assert len(old) == len(new)
    start = pdf.index(b"/Type /EmbeddedFile")
    at = pdf.index(old, start)
    return pdf[:at] + new + pdf[at + len(old):]


def test_edited_embedded_json_names_the_field(rendered: tuple[bytes, bytes]) -> None:
    pdf, js = rendered
    forged = _replace_in_embedded(pdf, b'"total_tco2e":"40.793"', b'"total_tco2e":"10.793"')
    with pytest.raises(PdfEmbeddedJsonError) as exc:
        check_pdf(forged, js)
    assert exc.value.field == "pdf.report.json.emissions.total_tco2e"
    assert (exc.value.expected, exc.value.found) == ("40.793", "10.793")


def test_pdf_of_another_report_names_the_field(sample_report: dict[str, Any],
                                               rendered: tuple[bytes, bytes]) -> None:
    """A genuine rendering, but of a report that says another rating."""
    other = copy.deepcopy(sample_report)
    other["rating"]["ratings"][0]["label"] = "A"
    with pytest.raises(PdfEmbeddedJsonError) as exc:
        check_pdf(render_pdf(other), rendered[1])
    assert exc.value.field == "pdf.report.json.rating.ratings[0].label"
    assert (exc.value.expected, exc.value.found) == ("D", "A")


def test_edited_page_names_the_page(rendered: tuple[bytes, bytes]) -> None:
    """A page changed with the embedded JSON intact: the re-rendering differs there."""
    pdf, js = rendered
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    content = reader.pages[0].get("/Contents")  # unresolved: the IndirectObject
    assert content is not None
    number = (content[0] if isinstance(content, list) else content).idnum
    at = pdf.index(f"\n{number} 0 obj".encode())
    target = pdf.index(b" re f", at)          # a filled rectangle of page 1: move it
    digit = pdf[target - 1:target]
    forged = pdf[:target - 1] + (b"8" if digit != b"8" else b"9") + pdf[target:]
    with pytest.raises(PdfMismatchError) as exc:
        check_pdf(forged, js)
    assert exc.value.field == f"pdf.object[{number}]"
    assert "page 1 content stream" in exc.value.detail


def test_edited_document_info(rendered: tuple[bytes, bytes]) -> None:
    pdf, js = rendered
    forged = pdf.replace(b"(carbontrust report renderer 1)", b"(carbontrust report renderer 2)")
    with pytest.raises(PdfMismatchError) as exc:
        check_pdf(forged, js)
    assert exc.value.field.startswith("pdf.object[")
    assert "document information" in exc.value.detail


def test_appended_update_is_refused(rendered: tuple[bytes, bytes]) -> None:
    pdf, js = rendered
    with pytest.raises(PdfMismatchError) as exc:
        check_pdf(pdf + b"\n% an incremental update would follow\n", js)
    assert exc.value.field == "pdf.trailer"


@pytest.mark.parametrize("bad", [b"", b"hello", b"%PDF-1.4\n garbage", b"%PDF-"])
def test_unreadable_pdf(bad: bytes, rendered: tuple[bytes, bytes]) -> None:
    with pytest.raises(PdfUnreadableError):
        check_pdf(bad, rendered[1])


def test_truncated_pdf(rendered: tuple[bytes, bytes]) -> None:
    with pytest.raises((PdfUnreadableError, PdfEmbeddedJsonError)):
        check_pdf(rendered[0][: len(rendered[0]) // 2], rendered[1])


def test_pdf_without_the_attachment(rendered: tuple[bytes, bytes]) -> None:
    pdf, js = rendered
    renamed = pdf.replace(b"(report.json)", b"(report.jsom)")
    with pytest.raises(PdfEmbeddedJsonError) as exc:
        check_pdf(renamed, js)
    assert exc.value.field == "pdf.attachments"
    assert exc.value.found == ["report.jsom"]


def test_bad_report_json(rendered: tuple[bytes, bytes], sample_report: dict[str, Any]) -> None:
    with pytest.raises(ReportInputError):
        check_pdf(rendered[0], b'{"schema": 1.5}')
    broken = copy.deepcopy(sample_report)
    broken["data_quality"]["pcaf_score"] = 5
    with pytest.raises(ReportSchemaError) as exc:
        check_pdf(rendered[0], canonical_bytes(broken))
    assert exc.value.field == "data_quality.pcaf_score"


def test_damaged_pdfs_are_refused_with_typed_errors(rendered: tuple[bytes, bytes],
                                                    caplog: pytest.LogCaptureFixture) -> None:
    """Random damage (byte changed, cut short, bytes removed, bytes inserted): always a
    ReportError, never another exception, never accepted, and nothing logged."""
    pdf, js = rendered
    caplog.set_level(logging.DEBUG)
    rng = random.Random(20261128)
    kinds: set[str] = set()
    for i in range(120):
        b = bytearray(pdf)
        at = rng.randrange(len(b))
        mode = i % 4
        if mode == 0:
            b[at] = (b[at] + rng.randrange(1, 256)) % 256
        elif mode == 1:
            del b[at:]
        elif mode == 2:
            del b[at:at + rng.randrange(1, 200)]
        else:
            b[at:at] = rng.randbytes(rng.randrange(1, 30))
        with pytest.raises(ReportError) as exc:
            check_pdf(bytes(b), js)
        kinds.add(type(exc.value).__name__)
    # pypdf repairs (and logs) superfluous whitespace in an object header
    at = pdf.index(b" 0 obj", pdf.index(b"/Type /EmbeddedFile") - 200)
    with pytest.raises(ReportError):
        check_pdf(pdf[:at] + b" " + pdf[at:], js)
    assert kinds == {"PdfUnreadableError", "PdfMismatchError", "PdfEmbeddedJsonError"}
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pypdf")] == []
