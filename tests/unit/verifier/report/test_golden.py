"""Golden vector: a committed 1.0 report and the sha256 of its PDF.

A bank holds PDFs rendered today and will check them later with ``check_pdf``, which
re-renders. So the bytes a report renders to must not drift: a change of layout, font file
or ReportLab version fails here. Such a change is deliberate only with a new ``RENDERER``
name (docs/report.md, "The PDF"); then update the digest below with
``python tests/unit/verifier/report/test_golden.py --update``.
The committed report must also stay valid under the 1.0 schema: a 1.x schema only adds.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent / "golden"
REPORT = HERE / "report-12m.json"
DIGEST = HERE / "report-12m.pdf.sha256"


def test_committed_report_still_validates_and_is_canonical() -> None:
    from verifier.report import canonical_bytes, parse_report_json, validate

    data = REPORT.read_bytes()
    report = parse_report_json(data)
    validate(report)
    assert canonical_bytes(report) == data


def test_committed_report_renders_to_the_committed_bytes() -> None:
    from verifier.report import RENDERER, check_pdf, parse_report_json, render_pdf

    pdf = render_pdf(parse_report_json(REPORT.read_bytes()))
    assert hashlib.sha256(pdf).hexdigest() == DIGEST.read_text().strip(), (
        f"the renderer's output changed: if deliberate, rename RENDERER ({RENDERER!r}) and "
        "update the golden digest (see this module's docstring)")
    assert check_pdf(pdf, REPORT.read_bytes()).pages == 2


if __name__ == "__main__" and sys.argv[1:] == ["--update"]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[4]))
    from verifier.report import parse_report_json, render_pdf

    pdf = render_pdf(parse_report_json(REPORT.read_bytes()))
    DIGEST.write_text(hashlib.sha256(pdf).hexdigest() + "\n")
    print(DIGEST.read_text().strip())
