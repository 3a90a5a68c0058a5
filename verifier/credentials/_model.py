"""The two credentials as W3C Verifiable Credentials Data Model 2.0 documents.

* :func:`attestation_credential`: the certifier's ISO 14064-3 attestation (an
  ``attestation:get`` record), the statement exactly as signed on the ledger;
* :func:`report_credential`: a carbon credit report's digest and key figures.

Both carry ``credentialStatus`` entries of our own type ``CarbonTrustLedgerStatus``: the
channel, chaincode and a read-only contract function with its arguments. The attestation
credential has one, ``attestation:status`` (``active`` or ``withdrawn``); the report
credential two: ``report:status`` of its report version (``valid``, ``withdrawn`` or
``superseded``) and ``attestation:status`` of the attestation it rests on. The ledger is
the status list; nothing is published elsewhere.

``@context`` is the VC 2.0 base context followed by an inline context object (allowed by
VC 2.0 section 4.3) that maps every term of ours to a ``urn:carbontrust:vocab:`` IRI; the
structured values are JSON literals (``@type: @json``), so decimals stay the exact strings
of the records and no remote context has to be fetched to process a credential.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

from .._entry import canonical

__all__ = [
    "ATTESTATION_TYPE",
    "BASE_CONTEXT",
    "CONTEXT",
    "REPORT_TYPE",
    "REPORT_STATUS_FUNCTION",
    "STATUS_FUNCTION",
    "STATUS_TYPE",
    "attestation_credential",
    "credential_kind",
    "report_credential",
    "report_status_entry",
    "status_entry",
    "timestamp",
]

BASE_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VOCAB = "urn:carbontrust:vocab:"
ATTESTATION_TYPE = "CarbonTrustAttestationCredential"
REPORT_TYPE = "CarbonTrustReportCredential"
STATUS_TYPE = "CarbonTrustLedgerStatus"
STATUS_FUNCTION = "attestation:status"
REPORT_STATUS_FUNCTION = "report:status"
_JSON_TERMS = ("attestation", "ledgerRecord", "report", "enterprise", "period", "emissions",
               "intensities", "ratings", "dataQuality", "arguments")
_TEXT_TERMS = ("statementDigest", "statusPurpose", "channel", "chaincode", "function")
CONTEXT: dict[str, Any] = {
    ATTESTATION_TYPE: VOCAB + ATTESTATION_TYPE,
    REPORT_TYPE: VOCAB + REPORT_TYPE,
    STATUS_TYPE: VOCAB + STATUS_TYPE,
    **{t: {"@id": VOCAB + t, "@type": "@json"} for t in _JSON_TERMS},
    **{t: VOCAB + t for t in _TEXT_TERMS},
}
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, VOCAB)


def timestamp(when: dt.datetime) -> str:
    """An XML Schema dateTimeStamp in UTC, whole seconds (``2024-03-01T08:00:00Z``)."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{when!r} has no time zone; credentials need an instant")
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_entry(channel: str, chaincode: str, uscc: str, start: str, end: str,
                 version: int) -> dict[str, Any]:
    """The ledger status entry of the attestation ``uscc start..end`` of result ``version``."""
    args = [uscc, start, end, str(version)]
    return {"id": f"urn:carbontrust:status:{channel}:{chaincode}:attestation:"
                  f"{':'.join(args)}",
            "type": STATUS_TYPE, "statusPurpose": "revocation", "channel": channel,
            "chaincode": chaincode, "function": STATUS_FUNCTION, "arguments": args}


def report_status_entry(channel: str, chaincode: str, uscc: str, start: str, end: str,
                        version: int) -> dict[str, Any]:
    """The ledger status entry of report ``version`` of ``uscc start..end``
    (``report:status``: valid, withdrawn or superseded)."""
    args = [uscc, start, end, str(version)]
    return {"id": f"urn:carbontrust:status:{channel}:{chaincode}:report:{':'.join(args)}",
            "type": STATUS_TYPE, "statusPurpose": "revocation", "channel": channel,
            "chaincode": chaincode, "function": REPORT_STATUS_FUNCTION, "arguments": args}


def _issuer(did: str, name: str) -> dict[str, Any]:
    return {"id": did, "name": name}


def _validity(doc: dict[str, Any], valid_from: dt.datetime,
              valid_until: dt.datetime | None) -> dict[str, Any]:
    doc["validFrom"] = timestamp(valid_from)
    if valid_until is not None:
        if valid_until < valid_from:
            raise ValueError(f"validUntil {timestamp(valid_until)} is before validFrom "
                             f"{doc['validFrom']}")
        doc["validUntil"] = timestamp(valid_until)
    return doc


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def attestation_credential(record: dict[str, Any], *, issuer: str, issuer_name: str,
                           channel: str, chaincode: str, valid_from: dt.datetime,
                           valid_until: dt.datetime | None = None) -> dict[str, Any]:
    """The credential of an attestation record (``attestation:get``; status ``valid``).

    ``issuer`` is the signer's did:x509 (:func:`verifier.credentials.did_for`);
    ``valid_from`` the issuance instant (the caller's clock: this module reads none).
    """
    statement = record.get("statement") if isinstance(record, dict) else None
    if not isinstance(statement, dict) or record.get("kind") != \
            "carbontrust.attestation-record":
        raise ValueError("not an attestation record (kind carbontrust.attestation-record "
                         "with a statement)")
    if record.get("status") != "valid":
        raise ValueError(f"the attestation is {record.get('status')!r}; only a valid "
                         "attestation is issued as a credential")
    digest = _sha256(canonical(statement))
    if record.get("statement_digest") != digest:
        raise ValueError(f"statement_digest {record.get('statement_digest')!r} is not the "
                         f"statement's digest {digest}")
    p, result = statement["period"], statement["result"]
    uscc = statement["enterprise"]["uscc"]
    doc = {
        "@context": [BASE_CONTEXT, CONTEXT],
        "id": f"urn:uuid:{uuid.uuid5(_NAMESPACE, 'attestation:' + digest)}",
        "type": ["VerifiableCredential", ATTESTATION_TYPE],
        "name": "Carbon emissions verification statement (ISO 14064-3)",
        "description": f"{statement['opinion']} opinion, {statement['assurance']} assurance, "
                       f"on the GB/T 32150 emissions of {uscc} for {p['start']}..{p['end']}",
        "issuer": _issuer(issuer, issuer_name),
    }
    _validity(doc, valid_from, valid_until)
    doc["credentialSubject"] = {
        "attestation": statement,
        "statementDigest": digest,
        "ledgerRecord": {"channel": channel, "chaincode": chaincode,
                         "txId": record["attested"]["tx_id"],
                         "timestamp": record["attested"]["timestamp"],
                         "signature": record["signature"],
                         "signatureAlgorithm": record["signature_algorithm"]},
    }
    doc["credentialStatus"] = status_entry(channel, chaincode, uscc, p["start"], p["end"],
                                           result["version"])
    return doc


def report_credential(report: dict[str, Any], *, issuer: str, issuer_name: str,
                      channel: str, chaincode: str, valid_from: dt.datetime,
                      valid_until: dt.datetime | None = None) -> dict[str, Any]:
    """The credential of a carbon credit report (a valid 1.0 document, status ``valid``):
    its RFC 8785 digest and key figures; the full report stays the verified document."""
    from verifier.report import report_digest, validate

    validate(report)   # ReportSchemaError (a ValueError) names the field
    rep = report["report"]
    if rep["status"] != "valid":
        raise ValueError(f"the report is {rep['status']!r}; only a valid report is issued "
                         "as a credential")
    digest = report_digest(report)
    att, em, p = report["attestation"], report["emissions"], report["period"]
    ent = report["enterprise"]
    doc = {
        "@context": [BASE_CONTEXT, CONTEXT],
        "id": f"urn:uuid:{uuid.uuid5(_NAMESPACE, 'report:' + digest)}",
        "type": ["VerifiableCredential", REPORT_TYPE],
        "name": "Carbon credit report",
        "description": f"{rep['id']}: {em['total_tco2e']} tCO2e, {ent['name']} "
                       f"({ent['uscc']}) {p['start']}..{p['end']}",
        "issuer": _issuer(issuer, issuer_name),
    }
    _validity(doc, valid_from, valid_until)
    statement = att["statement"]
    doc["credentialSubject"] = {
        "report": {"id": rep["id"], "version": rep["version"], "digest": digest,
                   "schema": report["schema"], "supersedes": rep["supersedes"]},
        "enterprise": {"uscc": ent["uscc"], "name": ent["name"],
                       "industry": ent["industry"]},
        "period": p,
        "emissions": {k: em[k] for k in ("total_tco2e", "scope1_tco2e",
                                         "scope2_location_based_tco2e",
                                         "scope2_market_based_tco2e", "biomass_tco2e")},
        "intensities": report["intensities"],
        "ratings": [{"rule_set": r["rule_set"], "label": r["label"]}
                    for r in report["rating"]["ratings"]],
        "attestation": {"statementDigest": att["statement_digest"],
                        "opinion": statement["opinion"],
                        "assurance": statement["assurance"],
                        "result": statement["result"]},
        "dataQuality": report["data_quality"],
    }
    doc["credentialStatus"] = [
        report_status_entry(channel, chaincode, ent["uscc"], p["start"], p["end"],
                            rep["version"]),
        status_entry(channel, chaincode, ent["uscc"], p["start"], p["end"],
                     statement["result"]["version"])]
    return doc


def credential_kind(doc: dict[str, Any]) -> str:
    """``attestation`` or ``report``, from the credential's type."""
    types = doc.get("type")
    if types == ["VerifiableCredential", ATTESTATION_TYPE]:
        return "attestation"
    if types == ["VerifiableCredential", REPORT_TYPE]:
        return "report"
    raise ValueError(f"type {json.dumps(types)[:120]} is not one of ours")
