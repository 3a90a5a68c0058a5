"""Typed errors of the accounting engine.

Every error names the input field it concerns (a dotted path such as
``activity[2].quantity``), the offending value, and what was expected, so a
person or a script can act on it without reading a traceback.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AccountingError",
    "InputError",
    "UnknownSourceError",
    "UnitError",
    "QuantityError",
    "PeriodError",
    "FactorYearError",
    "UnknownVersionError",
    "MissingFactorError",
    "DataFileError",
    "RatingError",
]


def _short(value: Any, limit: int = 120) -> str:
    """repr of a value, cut to ``limit`` characters (a bad input can be huge).

    Never raises: a tree too deep for ``repr`` (RecursionError) or an integer
    beyond Python's digit limit (ValueError) is described instead of shown.
    """
    try:
        text = repr(value)
    except RecursionError:
        return f"<{type(value).__name__} nested too deep to show>"
    except ValueError:
        return f"<{type(value).__name__} too large to show>"
    return text if len(text) <= limit else text[: limit - 5] + " ...)"


def _printable(text: str) -> str:
    """``text`` with any lone surrogate escaped, so a message can always be printed."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class AccountingError(ValueError):
    """Base class: something about the input or the data cannot be accounted for."""

    def __init__(self, field: str, value: Any, expected: str, detail: str = "") -> None:
        field, expected, detail = _printable(field), _printable(expected), _printable(detail)
        self.field = field
        self.value = value
        self.expected = expected
        self.detail = detail
        message = f"{field}: got {_short(value)}, expected {expected}"
        if detail:
            message += f" ({detail})"
        super().__init__(message)

    def evidence(self) -> dict[str, str]:
        """The error as plain strings, for JSON error reports."""
        return {
            "error": type(self).__name__,
            "field": self.field,
            "value": _short(self.value),
            "expected": self.expected,
            "detail": self.detail,
        }


class InputError(AccountingError):
    """The input document is malformed (missing field, wrong type, unknown key)."""


class UnknownSourceError(InputError):
    """An activity line names an emission source the factor set does not know."""


class UnitError(InputError):
    """A unit is unknown, or does not fit the source (kg of electricity)."""


class QuantityError(InputError):
    """A quantity is not a plain, finite, non-negative decimal string."""


class PeriodError(InputError):
    """A period date does not parse, or start is after end."""


class FactorYearError(PeriodError):
    """The period spans two calendar years, or its year is not the factor set's data year."""


class UnknownVersionError(AccountingError):
    """A factor set, rule set or benchmark set version is not shipped."""


class MissingFactorError(AccountingError):
    """The factor set has no factor for this region (or benchmark for this industry)."""


class DataFileError(AccountingError):
    """A shipped data file is malformed or its digest differs from the manifest."""


class RatingError(AccountingError):
    """A rating cannot be decided (no benchmark, unusable rule set, bad population)."""
