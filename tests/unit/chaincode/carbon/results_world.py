"""A world with everything a result needs: factor and rule sets in force, a quarter of
metered readings for E1 (electricity, natural gas, a coal delivery, one correction) and E1's
declared operating data; helpers to compute, attest and rate through the real contract."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from decimal import Decimal
from typing import Any

import accounting
from accounting import readings as rd
from chaincode.carbon._codec import canonical

from .conftest import E1, World
from .identities import Ident

FACTOR_SET = "cn-2023.1"
RULE_SET = "gz-ae-d1"
START, END = "2023-01-01", "2023-03-31"
SALT = bytes(range(32))
RESULT_SALT = bytes(range(100, 132))
RATING_SALT = bytes(range(200, 232))
FIGURES = {"value_added": {"quantity": "52.5", "unit": "10^4 CNY"},
           "output_value": {"quantity": "180.25", "unit": "10^4 CNY"}}
ATTEST_DATE = "2023-11-01"   # after END, before the MemoryLedger's clock (2023-11-14)


def in_force(w: World, kind: str, version: str) -> None:
    doc = (accounting.load_factor_set(version) if kind == "factor_set"
           else accounting.load_rule_set(version))
    policy = json.dumps({"orgs": ["CertifierMSP", "BankMSP"], "required": 2})
    w.ok("regulator-admin", "governance:propose", kind, version, str(doc.digest), policy)
    for org in ("certifier-admin", "bank-admin"):
        w.ok(org, "governance:approve", kind, version, str(doc.digest))
    w.ok("regulator-admin", "governance:activate", kind, version)


def _at(day: str, n: int = 0) -> datetime.datetime:
    return (datetime.datetime.fromisoformat(day).replace(tzinfo=rd.CHINA)
            + n * datetime.timedelta(minutes=15))


def readings() -> list[list[rd.Reading]]:
    """Three batches: a day of electricity in January, gas in February, coal in March."""
    elec = [rd.Reading("M-1", E1, _at("2023-01-15", n), "electricity", Decimal(f"{40 + n}.5"),
                       "kWh", "measured") for n in range(96)]
    gas = [rd.Reading("M-1", E1, _at("2023-02-10", n), "natural_gas", Decimal("310.25"),
                      "Nm3", "measured") for n in range(48)]
    coal = [rd.Reading("M-1", E1, _at("2023-03-05"), "coal", Decimal("2.5"), "t", "measured")]
    return [elec, gas, coal]


def submit(w: World, batch: list[rd.Reading]) -> dict[str, Any]:
    return w.ok("gateway", "readings:submit_batch",
                transient={"batch": rd.encode_batch(batch), "salt": SALT})


def declare(w: World, who: str = "ent1", uscc: str = E1, start: str = START,
            end: str = END) -> None:
    raw = canonical({"uscc": uscc, "period": {"start": start, "end": end},
                     "denominators": FIGURES})
    w.ok(who, "operating:declare",
         transient={"declaration": raw, "signature": w[who].sign(raw), "salt": SALT})


def prepare(w: World, correct: bool = True) -> None:
    in_force(w, "factor_set", FACTOR_SET)
    in_force(w, "rule_set", RULE_SET)
    for batch in readings():
        submit(w, batch)
    if correct:
        first = readings()[0][0]
        fixed = rd.Reading(first.meter_id, first.uscc, first.interval_start, first.source,
                           Decimal("41"), first.unit, "measured")
        batch_id = w.ok("regulator-admin", "readings:locate", first.meter_id,
                        first.interval_start.isoformat())["batch_id"]
        w.ok("gateway", "readings:correct", transient={
            "reading": rd.encode(fixed), "batch_id": batch_id.encode(),
            "reason": b"meter re-read", "salt": SALT})
    declare(w)


def compute(w: World, who: str = "regulator-client", uscc: str = E1,
            factor_set: str = "") -> dict[str, Any]:
    """results:compute, then the record as ``carbontrust results compute`` reads it: its
    answer names the version and digest only; ``results:get`` of that version answers
    {"digest", "record"}, checked against them."""
    receipt = w.ok(who, "results:compute", uscc, START, END, factor_set,
                   transient={"salt": RESULT_SALT})
    got: dict[str, Any] = w.ok(who, "results:get", uscc, START, END, str(receipt["version"]))
    assert got["digest"] == receipt["digest"], (got["digest"], receipt)
    assert got["record"]["computed"]["tx_id"] == receipt["tx_id"]
    return got


def rating_of(w: World, receipt: dict[str, Any], who: str = "certifier-client") -> Any:
    """The rating record a rating:compute answer names (rating:get, matched by rule set and
    checked against the answer's digest)."""
    ratings = w.ok(who, "rating:get", receipt["uscc"], START, END,
                   str(receipt["version"]))["ratings"]
    record, = [r for r in ratings if r["rule_set"]["version"] == receipt["rule_set"]]
    assert "sha256:" + hashlib.sha256(canonical(record)).hexdigest() == receipt["digest"]
    return record


def statement(signer: Ident, fingerprint: str, result: dict[str, Any],
              opinion: str = "unmodified", **over: Any) -> dict[str, Any]:
    rec = result["record"]
    s = {"v": 1, "kind": "carbontrust.attestation", "standard": "ISO 14064-3:2019",
         "enterprise": {"uscc": rec["uscc"]}, "period": rec["period"],
         "result": {"version": rec["version"], "digest": result["digest"]},
         "criteria": {"method": "GB/T 32150-2015",
                      "factor_set": {"version": rec["inputs"]["factor_set"]["version"],
                                     "digest": rec["inputs"]["factor_set"]["digest"]}},
         "assurance": "reasonable", "materiality": {"threshold": "5", "unit": "percent"},
         "opinion": opinion,
         "basis": "Evidence examined: metered readings under the batch roots, the signed "
                  "operating data, the factor set cited; recomputed with GB/T 32150-2015.",
         "verifier": {"name": "Example Verification Co., Ltd.",
                      "accreditation": "CNAS-GHG-0000 (illustrative)",
                      "mspid": signer.mspid, "certificate_fingerprint": fingerprint},
         "date": ATTEST_DATE}
    s.update(over)
    return s


def signed(signer: Ident, s: dict[str, Any]) -> tuple[str, str]:
    raw = canonical(s)
    return raw.decode("utf-8"), base64.b64encode(signer.sign(raw)).decode("ascii")


def fingerprint(ident: Ident) -> str:
    from chaincode.carbon._identity import cert_facts
    return cert_facts(ident.pem)[1]


def attest(w: World, result: dict[str, Any], who: str = "certifier-client",
           opinion: str = "unmodified", **over: Any) -> Any:
    s = statement(w[who], fingerprint(w[who]), result, opinion, **over)
    return w.call(who, "attestation:attest", *signed(w[who], s))


def rate(w: World, who: str = "certifier-client", version: str = "") -> Any:
    return w.call(who, "rating:compute", E1, START, END, version,
                  transient={"salt": RATING_SALT})
