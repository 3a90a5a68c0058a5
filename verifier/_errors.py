"""The verifier's typed errors: each names what was checked and the evidence found."""

from __future__ import annotations

__all__ = ["AuditFormatError", "BindingError", "RootsError", "AuditCheckError", "CODES"]

# Stable reason codes of an export check (docs/audit.md, "Checking an export offline").
CODES = (
    "FORMAT",
    "BINDING_UNTRUSTED",
    "BINDING_SIGNATURE",
    "COSIGNATURE_UNKNOWN_KEY",
    "THRESHOLD",
    "CHECKPOINT_INCONSISTENT",
    "ENTRY_PROOF",
    "ENTRY_GAP",
    "ENTRY_ORDER",
    "ENTRY_DUPLICATE",
    "RANGE_INCOMPLETE",
    "RANGE_MISMATCH",
)


class AuditFormatError(ValueError):
    """Bytes that are not a well-formed audit leaf, canonical value or export field."""


class BindingError(ValueError):
    """A notary key binding refused.

    ``code`` says which check failed: ``"format"`` (not a binding of the agreed shape),
    ``"signature"`` (the admin certificate did not sign this statement) or ``"untrusted"``
    (the certificate is not an admin certificate issued by the MSP's roots).
    """

    def __init__(self, message: str, code: str = "format", mspid: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.mspid = mspid


class RootsError(ValueError):
    """An MSP roots directory that cannot be used (missing, empty, unreadable PEM)."""


class AuditCheckError(Exception):
    """An export refused; ``code`` is one of :data:`CODES` and starts the message."""

    def __init__(self, code: str, message: str) -> None:
        if code not in CODES:
            raise ValueError(f"unknown audit check code {code!r}")
        super().__init__(f"{code} {message}")
        self.code = code
        self.detail = message
