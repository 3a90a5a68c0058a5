"""Argument validation: every bad argument is a 400 that names the field, never a 500.

Contract functions take strings (the shim decodes them); these helpers turn them into
checked values or raise ``ContractError(..., 400)`` whose message starts with the field.
The error helpers for the other statuses (403 refused, 404 not found, 409 conflict) live
here too so every module words them alike.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from chaincode.shim import ContractError

MAX_TEXT = 256
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
_VERSION = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def bad(field: str, expected: str, found: Any) -> ContractError:
    shown = found if not isinstance(found, str) else found[:80]
    return ContractError(f"{field}: expected {expected}, found {shown!r}", 400)


def not_found(what: str, key: str) -> ContractError:
    return ContractError(f"{what} {key!r} not found", 404)


def conflict(message: str) -> ContractError:
    return ContractError(message, 409)


def _refuse_number(literal: str) -> Any:
    raise ValueError(f"number {literal} must be written as a decimal string")


def json_object(field: str, text: str) -> dict[str, Any]:
    try:
        value = json.loads(text, parse_float=_refuse_number, parse_constant=_refuse_number)
    except (ValueError, RecursionError) as exc:  # RecursionError: absurdly deep nesting
        raise bad(field, "a JSON object", f"invalid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise bad(field, "a JSON object", text)
    return value


def only_keys(field: str, value: dict[str, Any], allowed: set[str] | frozenset[str],
              required: set[str] | frozenset[str] = frozenset()) -> None:
    for key in sorted(value):
        if key not in allowed:
            raise bad(f"{field}.{key}", f"no such field (allowed: {', '.join(sorted(allowed))})",
                      key)
    for key in sorted(required):
        if key not in value:
            raise bad(f"{field}.{key}", "a value (required)", None)


def text(field: str, value: Any, max_len: int = MAX_TEXT) -> str:
    """Printable text, 1..max_len characters, no control or format characters."""
    if not isinstance(value, str) or not value.strip():
        raise bad(field, f"non-empty text of at most {max_len} characters", value)
    if len(value) > max_len:
        raise bad(field, f"at most {max_len} characters", f"{len(value)} characters")
    for ch in value:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            raise bad(field, "text without control or format characters", value)
    return value


def identifier(field: str, value: Any) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise bad(field, "an id of 1-64 characters [A-Za-z0-9._:-] starting alphanumeric",
                  value)
    return value


def version(field: str, value: Any) -> str:
    if not isinstance(value, str) or not _VERSION.fullmatch(value):
        raise bad(field, "a version of 1-64 characters [a-z0-9._-]", value)
    return value


def date(field: str, value: Any) -> str:
    import datetime
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            datetime.date.fromisoformat(value)
            return value
        except ValueError:
            pass
    raise bad(field, "an ISO date YYYY-MM-DD", value)


def choice(field: str, value: Any, options: tuple[str, ...]) -> str:
    if value not in options:
        raise bad(field, "one of " + ", ".join(options), value)
    return str(value)


def page_size(field: str, value: str, limit: int = 200) -> int:
    # ASCII only: str.isdigit() also takes "\u00b2", which int() refuses (a 500)
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= limit:
        raise bad(field, f"an integer 1-{limit}", value)
    return int(value)


def bookmark(field: str, value: str) -> str:
    if len(value) > 1024:
        raise bad(field, "a bookmark returned by a previous page (or empty)", value)
    return value
