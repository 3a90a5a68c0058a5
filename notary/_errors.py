"""Typed verification failures, each carrying the evidence that made it fail.

Every failure raised while checking a proof, a note, a checkpoint or a bundle is a
:class:`ProofError`, so a verifier can catch one base class. Subclasses keep the
values a human needs to see what went wrong (expected vs calculated root, index and
sizes, the offending line, both checkpoints of a split view).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ProofError",
    "IndexOutOfRangeError",
    "TreeSizeError",
    "SizeOrderError",
    "ProofLengthError",
    "MalformedHashError",
    "RootMismatchError",
    "FormatError",
    "SignatureError",
    "PolicyError",
    "SplitViewError",
    "InconsistentCheckpointError",
    "RollbackError",
]


class ProofError(Exception):
    """Base class of every verification failure in :mod:`notary`."""


class IndexOutOfRangeError(ProofError):
    """The leaf index is not inside the tree (``index >= size`` or negative)."""

    def __init__(self, index: int, size: int) -> None:
        super().__init__(f"index {index} is out of range for a tree of size {size}")
        self.index = index
        self.size = size


class TreeSizeError(ProofError):
    """A tree size is impossible for the operation (negative, or zero where a leaf is needed)."""

    def __init__(self, message: str, **sizes: int) -> None:
        super().__init__(message)
        self.sizes = sizes


class SizeOrderError(TreeSizeError):
    """``size1 > size2`` in a consistency check: the newer tree cannot be smaller."""

    def __init__(self, size1: int, size2: int) -> None:
        super().__init__(
            f"sizes out of order: size1={size1} > size2={size2}", size1=size1, size2=size2
        )
        self.size1 = size1
        self.size2 = size2


class ProofLengthError(ProofError):
    """The proof has the wrong number of hashes for the given index and sizes."""

    def __init__(self, kind: str, expected: int, got: int, **context: int) -> None:
        where = ", ".join(f"{k}={v}" for k, v in context.items())
        super().__init__(f"{kind} proof for {where} needs {expected} hashes, got {got}")
        self.kind = kind
        self.expected = expected
        self.got = got
        self.context = context


class MalformedHashError(ProofError):
    """A hash is not 32 bytes long."""

    def __init__(self, what: str, length: int) -> None:
        super().__init__(f"{what} must be 32 bytes, got {length}")
        self.what = what
        self.length = length


class RootMismatchError(ProofError):
    """The root recomputed from the proof differs from the root claimed."""

    def __init__(self, which: str, expected: bytes, calculated: bytes, **context: int) -> None:
        where = ", ".join(f"{k}={v}" for k, v in context.items())
        super().__init__(
            f"{which} mismatch ({where}): expected {expected.hex()}, calculated {calculated.hex()}"
        )
        self.which = which
        self.expected = expected
        self.calculated = calculated
        self.context = context


class FormatError(ProofError, ValueError):
    """Text (note, checkpoint, key, bundle) that does not follow its format.

    ``line`` is the 1-based line number of the offending line, or 0 when the problem is
    not tied to one line.
    """

    def __init__(self, what: str, line: int, reason: str) -> None:
        at = f" line {line}" if line else ""
        super().__init__(f"malformed {what}{at}: {reason}")
        self.what = what
        self.line = line
        self.reason = reason


class SignatureError(ProofError):
    """A signature by a known key does not verify, or no trusted key signed at all."""

    def __init__(self, message: str, key_name: str = "") -> None:
        super().__init__(message)
        self.key_name = key_name


class PolicyError(ProofError):
    """Too few trusted signatures for the policy's threshold."""

    def __init__(self, needed: int, valid: list[str], origin: str) -> None:
        names = ", ".join(valid) or "none"
        super().__init__(
            f"checkpoint of {origin!r} needs {needed} trusted cosignatures, "
            f"has {len(valid)} ({names})"
        )
        self.needed = needed
        self.valid = valid
        self.origin = origin


class SplitViewError(ProofError):
    """Two checkpoints of one origin and size with different roots."""

    def __init__(self, first: Any, second: Any) -> None:
        super().__init__(
            f"split view of {first.origin!r} at size {first.size}: "
            f"root {first.root.hex()} vs {second.root.hex()}"
        )
        self.first = first
        self.second = second


class InconsistentCheckpointError(ProofError):
    """A newer checkpoint is not an extension of an older one."""

    def __init__(self, older: Any, newer: Any, cause: ProofError) -> None:
        super().__init__(
            f"checkpoint {newer.origin!r} size {newer.size} is not consistent with "
            f"size {older.size}: {cause}"
        )
        self.older = older
        self.newer = newer
        self.cause = cause


class RollbackError(ProofError):
    """A checkpoint smaller than one already accepted (a witness never cosigns backwards)."""

    def __init__(self, older: Any, newer: Any) -> None:
        super().__init__(
            f"rollback of {newer.origin!r}: offered size {newer.size} after size {older.size}"
        )
        self.older = older
        self.newer = newer
