"""verifier.report: the standardized carbon credit report, its schema and its PDF.

Pure: the standard library, the pinned libraries (rfc8785, jsonschema, reportlab, segno,
pypdf, cryptography), :mod:`accounting` and :mod:`notary` only.

* :func:`build_report` (records from the ledger -> report dict, checked and validated);
* :func:`canonical_bytes` / :func:`report_digest`: RFC 8785 bytes and their sha256;
* :func:`validate`: against the published schema (``schema/carbon-credit-report-1.0.json``);
* :func:`render_pdf`: the PDF for people, byte-identical for the same report;
* :func:`check_pdf`: a PDF checked against report JSON (re-rendered and compared).

docs/report.md describes the document and how a bank verifies it.
"""

from ._build import build_report, report_id
from ._canonical import canonical_bytes, parse_report_json, report_digest
from ._check import PdfCheck, check_pdf, extract_embedded_json
from ._errors import (
    PdfEmbeddedJsonError,
    PdfError,
    PdfMismatchError,
    PdfUnreadableError,
    ReportError,
    ReportInputError,
    ReportSchemaError,
)
from ._pdf import EMBEDDED_NAME, QR_SIZE_MM, RENDERER, qr_payload, render_pdf
from ._schema import SCHEMA_NAME, SCHEMA_VERSION, schema, schema_bytes, validate

__all__ = [
    "build_report",
    "report_id",
    "canonical_bytes",
    "report_digest",
    "parse_report_json",
    "validate",
    "render_pdf",
    "qr_payload",
    "RENDERER",
    "EMBEDDED_NAME",
    "QR_SIZE_MM",
    "check_pdf",
    "extract_embedded_json",
    "PdfCheck",
    "schema",
    "schema_bytes",
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "ReportError",
    "ReportInputError",
    "ReportSchemaError",
    "PdfError",
    "PdfUnreadableError",
    "PdfEmbeddedJsonError",
    "PdfMismatchError",
]
