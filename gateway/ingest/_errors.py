"""Typed errors of the submitter; each carries its evidence (line, ids, expected vs found)."""

from __future__ import annotations

__all__ = ["BatchRefused", "IngestError", "SourceError", "StoreError"]


class IngestError(Exception):
    """Base of the errors this package raises."""


class SourceError(IngestError):
    """The input cannot be read as readings (encoding, NUL, header, a line too long...).

    ``line`` is the 1-based line number (0: the input as a whole).
    """

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.line = line
        self.reason = reason


class BatchRefused(IngestError):
    """The ledger refused a batch because of its content (a contract 400/404/409).

    The submitter splits such a batch until each refused reading stands alone.
    """

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class StoreError(IngestError):
    """The raw batch store lacks a batch, or holds bytes that do not match the root."""
