"""The readings codec: ``accounting.readings``, imported on first use.

The canonical encoding, the batch root and inclusion proofs are one module shared with the
chaincode (issue 11's interface); this package never re-implements them. Importing it
lazily keeps ``carbontrust --help`` free of it and lets the submitter's tests run against a
stand-in while that module is built (tests only).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["codec"]


def codec() -> Any:
    """The ``accounting.readings`` module (parse_row, encode, encode_batch, batch_root...)."""
    return importlib.import_module("accounting.readings")
