"""Canonical JSON, digests and exact decimal rounding.

Canonical JSON here means: keys sorted, separators ``(",", ":")``, no
insignificant whitespace, ``ensure_ascii=False``, encoded as UTF-8.  Binary
floats are refused: every number in a result is a decimal string.

Rounding is exact: :func:`div_round_half_up` divides two decimals with integer
division and an exact remainder, so no intermediate precision can move a value
across a rounding boundary.  The arithmetic context used by the engine traps
``Inexact``: any product or sum that would not be exact raises instead of
rounding silently.
"""

from __future__ import annotations

import hashlib
import json
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)
from typing import Any

from ._text import check_tree

__all__ = [
    "EXACT",
    "canonical_json",
    "sha256_digest",
    "div_round_half_up",
    "decimal_str",
    "encode_tree",
]

#: Arithmetic context of the engine: wide enough for every product of a
#: validated quantity and a shipped factor, and trapping anything inexact.
EXACT = Context(
    prec=100,
    rounding=ROUND_HALF_UP,
    Emin=-999_999,
    Emax=999_999,
    traps=[Inexact, InvalidOperation, Overflow, DivisionByZero],
)

_ENCODER = json.JSONEncoder(
    sort_keys=True,
    separators=(",", ":"),
    ensure_ascii=False,
    allow_nan=False,
)
# The C encoder behind _ENCODER, built once (json rebuilds it on every call).  No
# circular-reference markers: it only ever sees validated, tree-shaped documents.
_C_ENCODER = json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", True, False, False
) if getattr(json.encoder, "c_make_encoder", None) else None


def encode_tree(obj: Any) -> str:
    """Canonical JSON text of a validated tree of dicts, lists, str, int, bool, None."""
    if _C_ENCODER is None:  # pragma: no cover - CPython always has the C encoder
        return _ENCODER.encode(obj)
    return "".join(_C_ENCODER(obj, 0))


def _reject(obj: Any) -> Any:
    raise TypeError(f"canonical JSON accepts no {type(obj).__name__}: {obj!r}")


def canonical_json(obj: Any) -> bytes:
    """Encode ``obj`` as canonical JSON bytes; floats and Decimals are refused.

    A tree too deep to walk, or a string with a lone surrogate (no UTF-8
    encoding), raises InputError naming the field (see ``_text``).
    """
    try:
        _check_no_float(obj)
        return _ENCODER.encode(obj).encode("utf-8")
    except (RecursionError, UnicodeEncodeError):
        check_tree(obj)
        raise


def _check_no_float(obj: Any) -> None:
    if isinstance(obj, float):
        raise TypeError(f"canonical JSON refuses binary float {obj!r}; use a decimal string")
    if isinstance(obj, dict):
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"canonical JSON keys must be strings, got {key!r}")
            _check_no_float(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            _check_no_float(value)
    elif not (obj is None or isinstance(obj, str | int | bool)):
        _reject(obj)


def sha256_digest(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def div_round_half_up(numerator: Decimal, denominator: Decimal, places: int) -> Decimal:
    """``numerator / denominator`` rounded half away from zero to ``places`` decimals.

    Exact for any operands the engine produces: the quotient is found by integer
    division with an exact remainder (no intermediate rounding).  The result has
    exponent ``-places``; a negative zero is returned as zero.
    """
    if denominator <= 0:
        raise ValueError(f"denominator must be positive, got {denominator}")
    negative = numerator < 0
    scaled = EXACT.scaleb(EXACT.copy_abs(numerator), Decimal(places))
    quotient, remainder = EXACT.divmod(scaled, denominator)
    if remainder + remainder >= denominator:
        quotient += 1
    if negative and quotient:
        quotient = -quotient
    return EXACT.scaleb(quotient, Decimal(-places))


def decimal_str(value: Decimal) -> str:
    """Plain-notation string of a decimal (never exponent notation)."""
    text = format(value, "f")
    if text.startswith("-") and value == 0:
        return text[1:]
    return text
