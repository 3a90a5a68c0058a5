"""What text and what JSON trees the engine accepts, checked in one place.

Two rules, applied at every entry point (``compute``, ``rate``,
``rate_personal``, ``inputs_digest``, ``verify_result`` and the CLI's JSON
reader):

* A document is a tree of bounded depth (:data:`MAX_DEPTH`) whose strings are
  well-formed Unicode: a lone surrogate (``"\\ud800"`` in JSON) has no UTF-8
  encoding, so it could never be hashed into an inputs digest or printed; it is
  refused with an :class:`InputError` naming its path.  Integers are bounded
  too (:data:`MAX_INT_DIGITS`, Python's own limit for ``int``/``str``), so a
  huge one is refused instead of failing inside ``repr``.
* Identifiers (enterprise id, industry, region, name, labels, behaviour names)
  carry no control characters (C0, DEL, C1, NUL included), no invisible
  formatting characters (Unicode category Cf: bidi embeddings, overrides and
  isolates such as U+202E, zero-width characters, the BOM) and no line or
  paragraph separators: such characters make two ids that print alike differ,
  or one that prints harmlessly read differently.

The walk is iterative (no recursion, so no RecursionError on deep input) and
runs on the hot path only for identifiers; whole trees are walked when an
encoding step has already failed, to name the offending field, and by the CLI
on every document it reads.  Hand-written because nothing in the standard
library names the JSON path of a bad string, and a dependency for ~60 lines
would be heavier than the code.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import Any

from ._errors import InputError

__all__ = ["MAX_DEPTH", "MAX_INT_DIGITS", "check_tree", "id_problem"]

#: deepest nesting of objects and arrays accepted (a valid input needs 4)
MAX_DEPTH = 64
#: most decimal digits in an integer (CPython's default int/str conversion limit)
MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300
_MAX_INT_BITS = int(MAX_INT_DIGITS * 3.3219280948873626)  # log2(10)

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0, DEL, C1, surrogates, line/paragraph separators; Cf is checked by category
_BAD_ID = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")


def id_problem(text: str) -> str | None:
    """Why ``text`` cannot be an identifier, or None when it can."""
    found = _BAD_ID.search(text)
    if found is not None:
        return f"contains U+{ord(found.group()):04X}, a control or surrogate character"
    if not text.isascii():
        for char in text:
            if unicodedata.category(char) == "Cf":
                name = unicodedata.name(char, "format character")
                return f"contains U+{ord(char):04X} {name}, an invisible formatting character"
    return None


def _surrogate_problem(text: str) -> str | None:
    if text.isascii():
        return None
    found = _SURROGATE.search(text)
    if found is None:
        return None
    return (f"contains a lone surrogate U+{ord(found.group()):04X} at offset {found.start()}"
            ", which is not a Unicode character and has no UTF-8 encoding")


def check_tree(obj: Any, field: str = "") -> None:
    """Refuse a tree too deep, an integer too large, or a string with a lone surrogate.

    Raises InputError naming the path of the first offence (depth-first order),
    as ``activity[0].label`` (``field`` prefixes it; the root is called "input").
    """
    stack: list[tuple[Any, str, int]] = [(obj, field, 0)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            problem = _surrogate_problem(value)
            if problem:
                raise InputError(path or "input", value, "well-formed Unicode text", problem)
        elif isinstance(value, int) and not isinstance(value, bool):
            if value.bit_length() > _MAX_INT_BITS:
                digits = f"<integer of about {value.bit_length() // 3.33:.0f} digits>"
                raise InputError(path or "input", digits, f"at most {MAX_INT_DIGITS} digits",
                                 "quantities are decimal strings anyway")
        elif isinstance(value, dict | list | tuple):
            if depth >= MAX_DEPTH:
                raise InputError(path or "input", f"<nested {MAX_DEPTH}+ levels>",
                                 f"at most {MAX_DEPTH} levels of nesting")
            if isinstance(value, dict):
                items = list(value.items())
                for key, item in reversed(items):
                    if isinstance(key, str):
                        problem = _surrogate_problem(key)
                        if problem:
                            raise InputError(f"{path or 'input'} key", key,
                                             "well-formed Unicode text", problem)
                    stack.append((item, f"{path}.{key}" if path else str(key), depth + 1))
            else:
                for i in range(len(value) - 1, -1, -1):
                    stack.append((value[i], f"{path or 'input'}[{i}]", depth + 1))
