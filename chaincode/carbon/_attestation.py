"""attestation:* the certifier's ISO 14064-3 statement over a stored result (docs/results.md).

``attest(statement_json, signature_b64)``: the statement is canonical JSON signed (ECDSA
P-256, SHA-256, DER) by the key of the very certificate that submits the transaction, so
the record verifies offline with nothing but the certificate and its MSP root, without
Fabric's proposal bytes.  The statement cites the result by version and digest; the digest
must be the hash the ledger keeps of that private record, which every peer reads with
``GetPrivateDataHash``, member of ``privateReadings`` or not, so the public attestation can
be endorsed by any organisation.  One attestation per result version; ``withdraw`` marks it
withdrawn (the key's history keeps both), and a new attestation needs a new result version.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from chaincode.shim import CompositeKey, Contract, Stub, create_composite_key, transaction

from . import _args, _enterprise
from ._audit import emit
from ._codec import canonical, digest, load, tx_time
from ._identity import cert_facts
from ._readings import COLLECTION
from ._records import get_json, put_json
from ._results import period_args, result_key, version_arg
from ._rules import require

STATEMENT_KIND = "carbontrust.attestation"
RECORD_KIND = "carbontrust.attestation-record"
STATUS_KIND = "carbontrust.attestation-status"
STANDARD = "ISO 14064-3:2019"
METHOD = "GB/T 32150-2015"
ASSURANCE = ("reasonable", "limited")
OPINIONS = ("unmodified", "qualified", "adverse")
RATABLE = ("unmodified", "qualified")
STATEMENT_KEYS = frozenset({"v", "kind", "standard", "enterprise", "period", "result",
                            "criteria", "assurance", "materiality", "opinion", "basis",
                            "verifier", "date"})
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_PERCENT = re.compile(r"(0|[1-9][0-9]?)(\.[0-9]{1,2})?|100")
CHINA = datetime.timezone(datetime.timedelta(hours=8))


def attestation_key(uscc: str, start: str, end: str, version: int) -> CompositeKey:
    return create_composite_key("attestation", [uscc, start, end, f"{version:06d}"])


def _obj(field: str, value: Any, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _args.bad(field, "a JSON object", value)
    _args.only_keys(field, value, keys, keys)
    return value


def _digest(field: str, value: Any) -> str:
    if not isinstance(value, str) or not _DIGEST.fullmatch(value):
        raise _args.bad(field, "sha256:<64 lower-case hex digits>", value)
    return value


def parse_statement(text: str) -> tuple[dict[str, Any], bytes]:
    """The statement, checked field by field and for canonical form; its bytes."""
    s = _args.json_object("statement", text)
    _args.only_keys("statement", s, STATEMENT_KEYS, STATEMENT_KEYS)
    if s["v"] != 1 or isinstance(s["v"], bool):
        raise _args.bad("statement.v", "1", s["v"])
    _args.choice("statement.kind", s["kind"], (STATEMENT_KIND,))
    _args.choice("statement.standard", s["standard"], (STANDARD,))
    _enterprise.uscc("statement.enterprise.uscc",
                     _obj("statement.enterprise", s["enterprise"], {"uscc"})["uscc"])
    p = _obj("statement.period", s["period"], {"start", "end"})
    period_args(s["enterprise"]["uscc"], _args.date("statement.period.start", p["start"]),
                _args.date("statement.period.end", p["end"]))
    r = _obj("statement.result", s["result"], {"version", "digest"})
    if isinstance(r["version"], bool) or not isinstance(r["version"], int) \
            or not 1 <= r["version"] <= 999_999:
        raise _args.bad("statement.result.version", "an integer 1-999999", r["version"])
    _digest("statement.result.digest", r["digest"])
    crit = _obj("statement.criteria", s["criteria"], {"method", "factor_set"})
    _args.choice("statement.criteria.method", crit["method"], (METHOD,))
    fs = _obj("statement.criteria.factor_set", crit["factor_set"], {"version", "digest"})
    _args.version("statement.criteria.factor_set.version", fs["version"])
    _digest("statement.criteria.factor_set.digest", fs["digest"])
    _args.choice("statement.assurance", s["assurance"], ASSURANCE)
    m = _obj("statement.materiality", s["materiality"], {"threshold", "unit"})
    if not isinstance(m["threshold"], str) or not _PERCENT.fullmatch(m["threshold"]):
        raise _args.bad("statement.materiality.threshold", "a percentage 0-100 as a "
                        "decimal string (at most 2 decimals)", m["threshold"])
    _args.choice("statement.materiality.unit", m["unit"], ("percent",))
    _args.choice("statement.opinion", s["opinion"], OPINIONS)
    _args.text("statement.basis", s["basis"], 2000)
    v = _obj("statement.verifier", s["verifier"], {"name", "accreditation", "mspid",
                                                    "certificate_fingerprint"})
    _args.text("statement.verifier.name", v["name"])
    _args.text("statement.verifier.accreditation", v["accreditation"])
    _args.date("statement.date", s["date"])
    try:
        data = canonical(s)
    except UnicodeEncodeError:
        raise _args.bad("statement", "UTF-8 text", "a lone surrogate escape") from None
    if data != text.encode("utf-8"):
        raise _args.bad("statement", "canonical JSON (sorted keys, no whitespace, UTF-8): "
                        "the signature is over these exact bytes", "another encoding")
    return s, data


def verify(cert_pem: bytes, data: bytes, signature: bytes) -> None:
    cert, _ = cert_facts(cert_pem)
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise _args.bad("signature", "an ECDSA signature (the submitter has an EC key)",
                        type(key).__name__)
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise _args.bad("signature", "ECDSA-SHA256 over the statement's canonical bytes by "
                        "the submitting certificate's key", "a signature that does not "
                        "verify with it") from None


async def load_attestation(stub: Stub, uscc: str, start: str, end: str,
                           version: int) -> dict[str, Any]:
    found = await get_json(stub, attestation_key(uscc, start, end, version))
    if found is None:
        raise _args.not_found("attestation", f"{uscc} {start}..{end} version {version}")
    return dict(found)


async def latest_attestation(stub: Stub, uscc: str, start: str, end: str) -> dict[str, Any]:
    """The attestation of the highest attested result version of the period (404 if none)."""
    rows = await stub.get_state_by_partial_composite_key("attestation",
                                                         [uscc, start, end]).to_list()
    if not rows:
        raise _args.not_found("attestation", f"{uscc} {start}..{end}")
    return dict(load(rows[-1][1]))


class Attestation(Contract):
    name = "attestation"

    @transaction
    async def attest(self, stub: Stub, statement_json: str,
                     signature_b64: str) -> dict[str, Any]:
        s, data = parse_statement(statement_json)
        try:
            signature = base64.b64decode(signature_b64, validate=True)
        except (binascii.Error, ValueError):
            raise _args.bad("signature", "base64 of a DER ECDSA signature",
                            signature_b64) from None
        uscc, p, version = s["enterprise"]["uscc"], s["period"], s["result"]["version"]
        c = await require(stub, "attestation.attest", uscc=uscc)
        verify(c.cert_pem, data, signature)
        found = {"mspid": s["verifier"]["mspid"],
                 "certificate_fingerprint": s["verifier"]["certificate_fingerprint"]}
        if found != {"mspid": c.mspid, "certificate_fingerprint": c.fingerprint}:
            raise _args.bad("statement.verifier", f"mspid {c.mspid} and certificate_"
                            f"fingerprint {c.fingerprint} (the submitter's)", str(found))
        tx_time(stub)  # 400 when the proposal has no timestamp
        assert stub.timestamp is not None
        today = datetime.datetime.fromtimestamp(stub.timestamp[0], CHINA).date().isoformat()
        if not p["end"] <= s["date"] <= today:
            raise _args.bad("statement.date", f"a date from the period's end {p['end']} to "
                            f"the transaction's day {today} (UTC+08:00)", s["date"])
        held = await stub.get_private_data_hash(COLLECTION,
                                                result_key(uscc, p["start"], p["end"], version))
        if not held:
            raise _args.not_found("result", f"{uscc} {p['start']}..{p['end']} version "
                                  f"{version}")
        if "sha256:" + held.hex() != s["result"]["digest"]:
            raise _args.conflict(f"statement.result.digest {s['result']['digest']} is not the "
                                 f"ledger's hash of result version {version} "
                                 f"(sha256:{held.hex()})")
        key = attestation_key(uscc, p["start"], p["end"], version)
        existing = await get_json(stub, key)
        if existing is not None:
            raise _args.conflict(f"result {uscc} {p['start']}..{p['end']} version {version} "
                                 f"was attested already in tx {existing['attested']['tx_id']} "
                                 f"({existing['status']})")
        record = {"v": 1, "kind": RECORD_KIND, "statement": s, "statement_digest": digest(data),
                  "signature": base64.b64encode(signature).decode("ascii"),
                  "signature_algorithm": "ecdsa-with-SHA256",
                  "certificate": c.cert_pem.decode("ascii"), "status": "valid",
                  "attested": {"tx_id": stub.tx_id, "timestamp": tx_time(stub)},
                  "withdrawn": None}
        stored = await put_json(stub, key, record)
        emit(stub, "attestation.attest", {"uscc": uscc, "period_start": p["start"],
                                          "period_end": p["end"], "version": version,
                                          "assurance": s["assurance"], "opinion": s["opinion"]},
             {"attestation": digest(stored), "statement": digest(data),
              "result": s["result"]["digest"]})
        return record

    @transaction
    async def withdraw(self, stub: Stub, uscc: str, from_date: str, to_date: str,
                       version: str, reason: str) -> dict[str, Any]:
        period_args(uscc, from_date, to_date)
        n = version_arg(version)
        if n is None:
            raise _args.bad("version", "the attested result version", version)
        _args.text("reason", reason)
        c = await require(stub, "attestation.withdraw", uscc=uscc)
        record = await load_attestation(stub, uscc, from_date, to_date, n)
        if record["status"] != "valid":
            raise _args.conflict(f"attestation of {uscc} {from_date}..{to_date} version {n} "
                                 f"is already {record['status']} (tx "
                                 f"{record['withdrawn']['tx_id']})")
        record.update(status="withdrawn", withdrawn={
            "tx_id": stub.tx_id, "timestamp": tx_time(stub), "reason": reason,
            "by": {"mspid": c.mspid, "fingerprint": c.fingerprint}})
        stored = await put_json(stub, attestation_key(uscc, from_date, to_date, n), record)
        emit(stub, "attestation.withdraw", {"uscc": uscc, "period_start": from_date,
                                            "period_end": to_date, "version": n},
             {"attestation": digest(stored)})
        return record

    @transaction
    async def get(self, stub: Stub, uscc: str, from_date: str, to_date: str,
                  version: str) -> dict[str, Any]:
        period_args(uscc, from_date, to_date)
        n = version_arg(version)
        await require(stub, "attestation.read", uscc=uscc)
        if n is None:
            return await latest_attestation(stub, uscc, from_date, to_date)
        return await load_attestation(stub, uscc, from_date, to_date, n)

    @transaction
    async def status(self, stub: Stub, uscc: str, from_date: str, to_date: str,
                     version: str) -> dict[str, Any]:
        """``active`` or ``withdrawn``: the status a verifiable credential points at
        (docs/credentials.md). Public facts of the record only: no statement, certificate
        or withdrawal reason; the statement digest ties the answer to one credential."""
        period_args(uscc, from_date, to_date)
        n = version_arg(version)
        if n is None:
            raise _args.bad("version", "the attested result version the credential names",
                            version)
        await require(stub, "attestation.read", uscc=uscc)
        record = await load_attestation(stub, uscc, from_date, to_date, n)
        latest = await latest_attestation(stub, uscc, from_date, to_date)
        changed = record["withdrawn"] or record["attested"]
        return {"v": 1, "kind": STATUS_KIND, "uscc": uscc,
                "period": {"start": from_date, "end": to_date}, "version": n,
                "status": "active" if record["status"] == "valid" else "withdrawn",
                "statement_digest": record["statement_digest"],
                "changed": {"tx_id": changed["tx_id"], "timestamp": changed["timestamp"]},
                "latest_version": latest["statement"]["result"]["version"]}


__all__ = ["ASSURANCE", "Attestation", "OPINIONS", "RATABLE", "attestation_key",
           "latest_attestation", "load_attestation", "parse_statement"]
