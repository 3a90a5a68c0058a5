"""Typed refusals of a verifiable credential, each with a stable reason code.

The code is the first word of the message (``carbontrust credential verify`` prints it
and exits 1); ``detail`` carries the evidence: what was expected and what was found.
"""

from __future__ import annotations

__all__ = ["CREDENTIAL_CODES", "CredentialError", "StatusUnavailable"]

CREDENTIAL_CODES = (
    "FORMAT",            # not a compact JWS of a JSON credential (segments, base64url, JSON)
    "HEADER",            # the protected header is not ES256 / vc+jwt / kid / x5c as issued
    "SIGNATURE",         # the signature does not verify with the x5c leaf certificate's key
    "UNTRUSTED",         # the x5c chain does not end in a trusted MSP root of the issuing org
    "ISSUER",            # issuer / kid is not the did:x509 of the x5c chain
    "CREDENTIAL",        # the payload is not a credential of our shape (VC 2.0, our types)
    "NOT_YET_VALID",     # validFrom after now, or the certificate was not valid at validFrom
    "EXPIRED",           # validUntil before now
    "STATUS_WITHDRAWN",  # the ledger says the attestation was withdrawn
    "STATUS_SUPERSEDED",  # a later result version was attested (report credentials)
    "STATUS_MISMATCH",   # the status answer is not about this credential's record
    "STATUS_STALE",      # an offline status snapshot older than allowed
    "STATUS_UNAVAILABLE",  # no status could be had (no answer, nothing in the snapshot)
)


class CredentialError(Exception):
    """A credential refused; ``code`` is one of :data:`CREDENTIAL_CODES`."""

    def __init__(self, code: str, detail: str) -> None:
        if code not in CREDENTIAL_CODES:
            raise ValueError(f"unknown credential code {code!r}")
        super().__init__(f"{code} {detail}")
        self.code = code
        self.detail = detail


class StatusUnavailable(Exception):
    """Raised by a status lookup that could not get an answer (peer unreachable,
    nothing in a snapshot): the credential is neither accepted nor refused on status."""
