"""Typed failures of offline signing, each carrying its evidence (field, expected, found)."""

from __future__ import annotations

from typing import Any

__all__ = ["OfflineError", "OfflineExpectationError", "OfflineFormatError",
           "OfflineIdentityError", "OfflineSignatureError"]


class OfflineError(ValueError):
    """Base class: ``field`` names what is wrong, ``expected`` and ``found`` say how."""

    def __init__(self, field: str, expected: str, found: Any) -> None:
        shown = found if not isinstance(found, str) else found[:120]
        super().__init__(f"{field}: expected {expected}, found {shown!r}")
        self.field, self.expected, self.found = field, expected, found


class OfflineFormatError(OfflineError):
    """A document or its bytes cannot be read as the request it claims to be."""


class OfflineIdentityError(OfflineError):
    """The key does not belong to the request's creator (or the creator is unreadable)."""


class OfflineExpectationError(OfflineError):
    """The request is not what the signer was told to expect (function, channel, ...)."""


class OfflineSignatureError(OfflineError):
    """A signature does not verify with the creator's certificate over the request."""
