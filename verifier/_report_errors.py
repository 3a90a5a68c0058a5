"""Reason codes of ``carbontrust verify`` (a report checked against its proof bundle).

The codes are stable (docs/report.md, "The proof bundle"): the first word of the message
printed on a refusal. The audit-trail codes (``FORMAT``, ``BINDING_*``,
``COSIGNATURE_UNKNOWN_KEY``, ``THRESHOLD``, ``CHECKPOINT_INCONSISTENT``, ``ENTRY_PROOF``,
``ENTRY_ORDER``, ``ENTRY_DUPLICATE``) mean what they mean for an export.
"""

from __future__ import annotations

__all__ = ["REPORT_CODES", "ReportCheckError", "UnreadableInput"]

REPORT_CODES = (
    "FORMAT",                  # the bundle (or a part of it) is not of the agreed shape
    "REPORT_SCHEMA",           # report.json is not a valid carbon credit report document
    "REPORT_DIGEST",           # the report is not the one the bundle and its entry name
    "ROOTS_UNTRUSTED",         # the bundle names MSP roots the reader does not trust
    "BINDING_UNTRUSTED",
    "BINDING_SIGNATURE",
    "COSIGNATURE_UNKNOWN_KEY",
    "THRESHOLD",
    "CHECKPOINT_INCONSISTENT",
    "ENTRY_PROOF",
    "ENTRY_ORDER",
    "ENTRY_DUPLICATE",
    "ENTRY_MISSING",           # an audit entry the report relies on is not in the bundle
    "ENTRY_UNUSED",            # an entry in the bundle that nothing relies on
    "ENTRY_MISMATCH",          # an entry does not say what the record says
    "OPENING",                 # an opening does not open the entry's commitment
    "ATTESTATION_UNTRUSTED",   # the attestation's certificate is not CertifierMSP's
    "ATTESTATION_SIGNATURE",   # the statement is not signed by that certificate
    "TOTALS",                  # totals are not the sum of the transactions the result cites
    "RECOMPUTE",               # a figure of the records does not recompute
    "REPORT_MISMATCH",         # a field of the report differs from what the records give
    "STATUS",                  # the report or its attestation is not valid
    "PDF",                     # the PDF is not the rendering of this report
)


class ReportCheckError(Exception):
    """A report refused; ``code`` is one of :data:`REPORT_CODES` and starts the message."""

    def __init__(self, code: str, message: str) -> None:
        if code not in REPORT_CODES:
            raise ValueError(f"unknown report check code {code!r}")
        super().__init__(f"{code} {message}")
        self.code = code
        self.detail = message


class UnreadableInput(Exception):
    """An input that cannot be read at all (missing file, not UTF-8 JSON, bad roots
    directory): exit status 2, not a refusal."""
