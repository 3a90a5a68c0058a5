"""Credentials for the tests: records signed with the generated MSP of ``pki``, and a
ledger status seam (``LedgerStatus``: a dict standing in for ``attestation:status``)."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from verifier._entry import canonical
from verifier.credentials import (
    ANSWER_KIND,
    REPORT_ANSWER_KIND,
    attestation_credential,
    did_for,
    report_credential,
    sign_credential,
)

from ..pki import Identity, Org, orgs

CHANNEL, CHAINCODE = "carbon", "carbon"
ISSUED = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
GOLDEN = Path(__file__).parent.parent / "report" / "golden" / "report-12m.json"


def certifier() -> Org:
    return orgs()["CertifierMSP"]


def regulator() -> Org:
    return orgs()["RegulatorMSP"]


def statement(who: Identity, mspid: str = "CertifierMSP", version: int = 1) -> dict[str, Any]:
    fp = hashlib.sha256(who.cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    return {"v": 1, "kind": "carbontrust.attestation", "standard": "ISO 14064-3:2019",
            "enterprise": {"uscc": "914403001922038216"},
            "period": {"start": "2023-01-01", "end": "2023-12-31"},
            "result": {"version": version, "digest": "sha256:" + "ab" * 32},
            "criteria": {"method": "GB/T 32150-2015",
                         "factor_set": {"version": "cn-2023.1", "digest": "sha256:" + "cd" * 32}},
            "assurance": "reasonable", "materiality": {"threshold": "5", "unit": "percent"},
            "opinion": "unmodified", "basis": "recomputed from the cited inputs",
            "verifier": {"name": "Example Verification Co., Ltd.", "accreditation": "CNAS-X",
                         "mspid": mspid, "certificate_fingerprint": fp},
            "date": "2024-03-01"}


def record(who: Identity | None = None, version: int = 1) -> dict[str, Any]:
    """An ``attestation:get`` record, signed as the contract requires."""
    who = who or certifier().identities["client"]
    s = statement(who, version=version)
    assert isinstance(who.key, ec.EllipticCurvePrivateKey)
    sig = who.key.sign(canonical(s), ec.ECDSA(hashes.SHA256()))
    return {"v": 1, "kind": "carbontrust.attestation-record", "statement": s,
            "statement_digest": "sha256:" + hashlib.sha256(canonical(s)).hexdigest(),
            "signature": base64.b64encode(sig).decode(), "signature_algorithm":
            "ecdsa-with-SHA256", "certificate": who.cert_pem.decode(), "status": "valid",
            "attested": {"tx_id": "tx0022", "timestamp": "2024-03-01T02:00:00.000000000Z"},
            "withdrawn": None}


def golden_report() -> dict[str, Any]:
    return copy.deepcopy(json.loads(GOLDEN.read_bytes()))


def issue(doc_of: Any = None, org: Org | None = None, role: str = "client",
          **kw: Any) -> tuple[str, dict[str, Any]]:
    """(compact JWS, credential) of an attestation credential signed by ``org``'s ``role``."""
    org = org or certifier()
    who = org.identities[role]
    did = did_for(who.cert, org.ca.cert)
    build = doc_of or (lambda **a: attestation_credential(record(), **a))
    doc = build(issuer=did, issuer_name=org.mspid, channel=CHANNEL, chaincode=CHAINCODE,
                valid_from=kw.pop("valid_from", ISSUED), **kw)
    return sign_credential(doc, who.cert_pem, who.key_pem, org.ca.cert_pem), doc


def issue_report(org: Org | None = None, **kw: Any) -> tuple[str, dict[str, Any]]:
    report = kw.pop("report", None) or golden_report()
    return issue(lambda **a: report_credential(report, **a), org or regulator(), **kw)


class LedgerStatus:
    """The seam for ``attestation:status`` and ``report:status``: answers from a dict, in
    the shapes the contract answers (tests/unit/chaincode/carbon checks those)."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, ...], dict[str, Any]] = {}
        self.calls: list[dict[str, Any]] = []

    def put_report(self, doc: dict[str, Any], status: str = "valid") -> None:
        rep = doc["credentialSubject"]["report"]
        uscc, start, end, version = doc["credentialStatus"][0]["arguments"]
        gone = {"tx_id": "tx0040", "timestamp": "2024-05-01T00:00:00Z", "reason": "r"}
        self.records[("report:status", uscc, start, end, version)] = {
            "v": 1, "kind": REPORT_ANSWER_KIND, "id": rep["id"], "uscc": uscc,
            "period": {"start": start, "end": end}, "version": int(version),
            "digest": rep["digest"], "status": status, "supersedes": None,
            "superseded_by": {"id": "CCR-next", "digest": "sha256:" + "ee" * 32,
                              "tx_id": "tx0041"} if status == "superseded" else None,
            "issued": {"tx_id": "tx0039"},
            "withdrawn": gone if status == "withdrawn" else None}

    def put(self, uscc: str, start: str, end: str, version: int, digest: str,
            status: str = "active", latest: int | None = None) -> None:
        self.records[("attestation:status", uscc, start, end, str(version))] = {
            "v": 1, "kind": ANSWER_KIND, "uscc": uscc,
            "period": {"start": start, "end": end}, "version": version, "status": status,
            "statement_digest": digest, "changed": {"tx_id": "tx0031",
                                                    "timestamp": "2024-04-01T00:00:00Z"},
            "latest_version": latest or version}

    def of(self, doc: dict[str, Any], report: str = "valid", **kw: Any) -> LedgerStatus:
        """Record the status of the attestation ``doc`` (a credential) rests on, and of its
        report for a report credential."""
        sub = doc["credentialSubject"]
        digest = sub["statementDigest"] if "statementDigest" in sub else \
            sub["attestation"]["statementDigest"]
        entries = doc["credentialStatus"]
        if isinstance(entries, list):
            self.put_report(doc, report)
            entries = entries[-1]
        uscc, start, end, version = entries["arguments"]
        self.put(uscc, start, end, int(version), digest, **kw)
        return self

    def __call__(self, entry: dict[str, Any]) -> dict[str, Any]:
        self.calls.append(entry)
        return self.records[(entry["function"], *entry["arguments"])]
