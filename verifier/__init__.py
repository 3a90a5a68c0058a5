"""verifier: offline checks of what carbontrust publishes, trusting only MSP roots.

Pure: imports the standard library, ``cryptography``, :mod:`notary` and :mod:`accounting`
only (never the gateway, the network or the chaincode), so a bank or regulator can run
it on a file without a Fabric connection.

* :mod:`verifier._entry`: the audit log's leaf, canonical JSON, origin and threshold;
* :mod:`verifier._binding`: notary key bindings signed by an organisation's admin;
* :func:`check_export`: an audit export checked offline (docs/audit.md);
* :func:`verify_report`: a carbon credit report checked with its proof bundle, which
  :func:`make_bundle` writes (docs/report.md); ``python -m verifier`` runs it.

Subpackages (``verifier.report``; ``verifier.credentials``, the attestation and the report
as W3C Verifiable Credentials) are imported by name, never from here.
"""

from ._binding import (
    BINDING_KIND,
    binding_statement,
    check_binding_chain,
    check_binding_signature,
    load_msp_roots,
    make_binding,
    node_ou,
    notary_key_name,
)
from ._bundle_format import BUNDLE_FORMAT, parse_bundle
from ._bundle_make import make_bundle, relied_tx_ids
from ._entry import (
    AUDIT_EVENT,
    HOUSEKEEPING_PREFIX,
    ORGANISATIONS,
    ORIGIN,
    ORIGIN_PREFIX,
    THRESHOLD,
    Leaf,
    audit_leaf,
    canonical,
    loads_strict,
    origin,
    parse_leaf,
)
from ._errors import CODES, AuditCheckError, AuditFormatError, BindingError, RootsError
from ._export import ExportSummary, check_export
from ._export_format import EXPORT_FORMAT, instant
from ._report_errors import REPORT_CODES, ReportCheckError, UnreadableInput
from ._verify_report import ReportSummary, verify_report
from ._window import ShownEntry, entry_uscc

__all__ = [
    "ORIGIN",
    "ORIGIN_PREFIX",
    "THRESHOLD",
    "ORGANISATIONS",
    "AUDIT_EVENT",
    "HOUSEKEEPING_PREFIX",
    "origin",
    "canonical",
    "loads_strict",
    "audit_leaf",
    "parse_leaf",
    "Leaf",
    "BINDING_KIND",
    "notary_key_name",
    "binding_statement",
    "make_binding",
    "check_binding_signature",
    "check_binding_chain",
    "node_ou",
    "load_msp_roots",
    "EXPORT_FORMAT",
    "check_export",
    "ExportSummary",
    "ShownEntry",
    "entry_uscc",
    "instant",
    "CODES",
    "AuditFormatError",
    "AuditCheckError",
    "BindingError",
    "RootsError",
    "BUNDLE_FORMAT",
    "parse_bundle",
    "make_bundle",
    "relied_tx_ids",
    "verify_report",
    "ReportSummary",
    "REPORT_CODES",
    "ReportCheckError",
    "UnreadableInput",
]
