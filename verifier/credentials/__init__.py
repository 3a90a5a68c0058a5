"""verifier.credentials: the attestation and the report as W3C Verifiable Credentials 2.0.

Secured with VC-JOSE-COSE (a compact JWS, ``application/vc+jwt``, ES256 by the issuer's
Fabric identity key, the x5c chain to its MSP root in the header), issued by a did:x509
of that chain, with a status on the ledger (``attestation:status``) that the verifier
checks. docs/credentials.md says what and why.

Pure, like the rest of ``verifier``: the standard library, ``cryptography``, ``PyJWT``,
``rfc8785`` and ``verifier`` itself; never the gateway, the network or the chaincode.
"""

from ._didx509 import DidError, did_for, key_id, resolve
from ._errors import CREDENTIAL_CODES, CredentialError, StatusUnavailable
from ._jose import MEDIA_TYPE, read_jws, sign_credential
from ._model import (
    ATTESTATION_TYPE,
    BASE_CONTEXT,
    CONTEXT,
    REPORT_STATUS_FUNCTION,
    REPORT_TYPE,
    STATUS_FUNCTION,
    STATUS_TYPE,
    attestation_credential,
    credential_kind,
    report_credential,
    report_status_entry,
    status_entry,
    timestamp,
)
from ._status import (
    ANSWER_KIND,
    REPORT_ANSWER_KIND,
    SNAPSHOT_KIND,
    StatusSnapshot,
    check_answer,
    check_report_answer,
    make_snapshot,
)
from ._verify import ATTESTATION_ISSUERS, REPORT_ISSUERS, verify_credential

__all__ = [
    "ANSWER_KIND",
    "ATTESTATION_ISSUERS",
    "ATTESTATION_TYPE",
    "BASE_CONTEXT",
    "CONTEXT",
    "CREDENTIAL_CODES",
    "CredentialError",
    "DidError",
    "MEDIA_TYPE",
    "REPORT_ANSWER_KIND",
    "REPORT_ISSUERS",
    "REPORT_STATUS_FUNCTION",
    "REPORT_TYPE",
    "SNAPSHOT_KIND",
    "STATUS_FUNCTION",
    "STATUS_TYPE",
    "StatusSnapshot",
    "StatusUnavailable",
    "attestation_credential",
    "check_answer",
    "check_report_answer",
    "credential_kind",
    "did_for",
    "key_id",
    "make_snapshot",
    "read_jws",
    "report_credential",
    "report_status_entry",
    "resolve",
    "sign_credential",
    "status_entry",
    "timestamp",
    "verify_credential",
]
