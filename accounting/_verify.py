"""Recompute a claimed result and compare it byte for byte.

The verifier and the endorsing peers hold the inputs and a result that someone
else produced.  :func:`verify_result` recomputes it with the factor, rule and
benchmark sets the result names and raises :class:`ResultMismatchError` at the
first field that differs, with the claimed and the recomputed value.  It never
returns False.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._emissions import compute
from ._errors import AccountingError, InputError
from ._ratings import rate
from ._text import MAX_DEPTH, check_tree

__all__ = ["ResultMismatchError", "verify_result"]


class ResultMismatchError(AccountingError):
    """A claimed result differs from the recomputed one (field, claimed, recomputed)."""


def _first_difference(claimed: Any, computed: Any, path: str) -> tuple[str, Any, Any] | None:
    if isinstance(claimed, dict) and isinstance(computed, dict):
        for key in sorted(set(claimed) | set(computed)):
            if key not in claimed or key not in computed:
                return (f"{path}.{key}".lstrip("."), claimed.get(key), computed.get(key))
            found = _first_difference(claimed[key], computed[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(claimed, list) and isinstance(computed, list):
        for i, (a, b) in enumerate(zip(claimed, computed, strict=False)):
            found = _first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        if len(claimed) != len(computed):
            return (f"{path}.length".lstrip("."), len(claimed), len(computed))
        return None
    if claimed != computed or type(claimed) is not type(computed):
        return (path.lstrip(".") or "result", claimed, computed)
    return None


def verify_result(doc: Mapping[str, Any], claimed: bytes) -> bytes:
    """Recompute ``claimed`` (canonical JSON of a compute or rate result) from ``doc``.

    A claimed result with ``ratings`` is recomputed with :func:`rate`, otherwise with
    :func:`compute`.  Returns the canonical bytes when they match exactly; raises
    ResultMismatchError (or the input's own AccountingError) otherwise.
    """
    try:
        data = json.loads(claimed)
    except (ValueError, UnicodeDecodeError) as exc:  # integers over the digit limit too
        raise InputError("result", claimed[:60], "canonical JSON bytes", str(exc)) from None
    except RecursionError:
        raise InputError("result", claimed[:60], "canonical JSON bytes",
                         f"nested deeper than {MAX_DEPTH} levels") from None
    check_tree(data, "result")  # depth, lone surrogates: bad input, not a mismatch
    if not isinstance(data, dict):
        raise InputError("result", data, "a JSON object")
    recomputed = (rate(doc) if "ratings" in data else compute(doc)).to_json()
    if recomputed == claimed:
        return recomputed
    found = _first_difference(data, json.loads(recomputed), "")
    if found is None:  # same content, different bytes: not canonical
        raise ResultMismatchError("result", "non-canonical bytes", "canonical JSON",
                                  "same content, different encoding")
    field, value, expected = found
    raise ResultMismatchError(field, value, f"the recomputed {expected!r}")
