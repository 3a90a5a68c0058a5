"""The report's byte form: RFC 8785 (JCS) canonical JSON through the ``rfc8785`` library.

The report digest is ``sha256:`` + hex of SHA-256 over these bytes. JCS defines numbers
as IEEE doubles; the report carries every quantity as a decimal string and allows only
integers (counts, versions, scopes), so a float anywhere is refused before encoding:
its text would be a rounding of a binary value, not the figure that was meant.

Parsing (``parse_report_json``) is strict the same way: duplicate keys, floats, NaN and
Infinity are refused with the path where they occur, so one report has one meaning.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

from ._errors import ReportInputError

__all__ = ["canonical_bytes", "report_digest", "parse_report_json"]

_MAX_DEPTH = 32


def _refuse_floats(value: Any) -> None:
    stack: list[tuple[Any, str, int]] = [(value, "$", 0)]
    while stack:
        v, path, depth = stack.pop()
        if depth > _MAX_DEPTH:
            raise ReportInputError(path, f"nested deeper than {_MAX_DEPTH} levels")
        if isinstance(v, bool) or v is None or isinstance(v, str | int):
            continue
        if isinstance(v, float):
            raise ReportInputError(path, "a JSON number with a fraction; quantities are "
                                   "decimal strings", found=v)
        if isinstance(v, dict):
            for k, item in v.items():
                if not isinstance(k, str):
                    raise ReportInputError(path, "a key that is not a string", found=k)
                stack.append((item, f"{path}.{k}", depth + 1))
        elif isinstance(v, list | tuple):
            stack.extend((item, f"{path}[{i}]", depth + 1) for i, item in enumerate(v))
        else:
            raise ReportInputError(path, "not a JSON value", found=type(v).__name__)


def canonical_bytes(report: Any) -> bytes:
    """RFC 8785 canonical JSON of ``report`` (UTF-8 bytes)."""
    _refuse_floats(report)
    try:
        return rfc8785.dumps(report)
    except rfc8785.CanonicalizationError as exc:  # an integer beyond 2**53, a lone surrogate
        raise ReportInputError("$", f"cannot be canonicalised: {exc}") from None


def report_digest(report: Any) -> str:
    """``sha256:<hex>`` of the canonical bytes."""
    return "sha256:" + hashlib.sha256(canonical_bytes(report)).hexdigest()


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ReportInputError(k, "duplicate key in a JSON object")
        out[k] = v
    return out


def _no_float(text: str) -> Any:
    raise ReportInputError("$", "a JSON number with a fraction or exponent; quantities are "
                           "decimal strings", found=text)


def _no_constant(text: str) -> Any:
    raise ReportInputError("$", "not JSON", found=text)


def parse_report_json(data: bytes) -> Any:
    """Parse report JSON bytes strictly (UTF-8, no duplicate keys, no floats)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReportInputError("$", f"not UTF-8 at byte {exc.start}") from None
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_float=_no_float,
                           parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise ReportInputError("$", f"not JSON: {exc.msg} at line {exc.lineno} column "
                               f"{exc.colno}") from None
    except RecursionError:
        raise ReportInputError("$", "nested too deeply") from None
    _refuse_floats(value)
    return value
