"""The published JSON Schema of the report and validation against it (``jsonschema``).

The schema file ``schema/carbon-credit-report-<version>.json`` is the contract with banks'
systems; it is loaded from the package (``importlib.resources``), checked against the
draft 2020-12 meta-schema once per process, and every report is validated against it
before it is canonicalised or rendered. Beyond what a schema can say, ``validate`` checks
that dates are real calendar dates, that the period does not end before it starts, and
that the report agrees with itself (``_consistency``).
"""

from __future__ import annotations

import datetime
import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

from ._consistency import check_consistency
from ._errors import ReportSchemaError

__all__ = ["SCHEMA_VERSION", "SCHEMA_NAME", "schema", "schema_bytes", "validate"]

SCHEMA_VERSION = "1.0"
SCHEMA_NAME = f"carbontrust.carbon-credit-report/{SCHEMA_VERSION}"
_FILE = f"carbon-credit-report-{SCHEMA_VERSION}.json"


def schema_bytes() -> bytes:
    """The schema file exactly as published."""
    return resources.files(__package__).joinpath("schema", _FILE).read_bytes()


@cache
def _validator() -> Draft202012Validator:
    doc = json.loads(schema_bytes())
    Draft202012Validator.check_schema(doc)
    return Draft202012Validator(doc)


def schema() -> dict[str, Any]:
    """A copy of the schema document."""
    return dict(json.loads(schema_bytes()))


def _path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "$"


def _date(report: dict[str, Any], path: str, text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ReportSchemaError(path, "not a calendar date", found=text) from None


def validate(report: Any) -> None:
    """Raise ``ReportSchemaError`` naming the first failing field, else return None."""
    errors = sorted(_validator().iter_errors(report),
                    key=lambda e: (list(map(str, e.absolute_path)), e.validator))
    if errors:
        first = errors[0]
        raise ReportSchemaError(_path(first.absolute_path),
                                f"{first.validator}: {first.message}"[:300],
                                expected=first.validator_value
                                if not isinstance(first.validator_value, dict | list)
                                else None,
                                found=first.instance
                                if not isinstance(first.instance, dict | list) else None)
    start = _date(report, "period.start", report["period"]["start"])
    end = _date(report, "period.end", report["period"]["end"])
    if end < start:
        raise ReportSchemaError("period.end", "ends before period.start",
                                expected=f">= {start}", found=str(end))
    if start.year != end.year:
        raise ReportSchemaError("period.end", "the period lies in one calendar year",
                                expected=start.year, found=end.year)
    att = report["attestation"]["statement"]
    _date(report, "attestation.statement.date", att["date"])
    check_consistency(report)
