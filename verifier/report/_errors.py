"""Typed errors of the report: each names the field or the PDF part and shows the evidence."""

from __future__ import annotations

from typing import Any

__all__ = [
    "ReportError",
    "ReportInputError",
    "ReportSchemaError",
    "PdfError",
    "PdfUnreadableError",
    "PdfEmbeddedJsonError",
    "PdfMismatchError",
]


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ReportError(ValueError):
    """Base class. ``field`` is a JSON path such as ``emissions.lines[2].tco2e``."""

    def __init__(self, field: str, detail: str, *, expected: Any = None,
                 found: Any = None) -> None:
        self.field = field
        self.detail = detail
        self.expected = expected
        self.found = found
        msg = f"{field}: {detail}"
        if expected is not None or found is not None:
            msg += f" (expected {_short(expected)}, found {_short(found)})"
        super().__init__(msg)

    def evidence(self) -> dict[str, Any]:
        return {"error": type(self).__name__, "field": self.field, "detail": self.detail,
                "expected": self.expected, "found": self.found}


class ReportInputError(ReportError):
    """The records a report is built from are missing something, disagree, or are malformed."""


class ReportSchemaError(ReportError):
    """A report document that does not satisfy the published JSON Schema."""


class PdfError(ReportError):
    """Base class of the PDF checks (``check_pdf``)."""


class PdfUnreadableError(PdfError):
    """Bytes that are not a PDF the checker can parse."""


class PdfEmbeddedJsonError(PdfError):
    """The PDF's embedded report JSON is missing, not canonical, or says something else."""


class PdfMismatchError(PdfError):
    """The PDF is not the rendering of the report: ``field`` names the first differing part."""
