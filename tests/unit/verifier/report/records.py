"""Ledger records for report tests and the bench, in the shapes of docs/results.md.

The chaincode's own samples (tests/vectors/report/) cover one 3-month period; these make
any number of months, a Chinese name, green power, another opinion or several rule sets.
Every figure is computed by the real ``accounting`` package exactly as the contract does
(chaincode/carbon/_results.py: monthly totals run alone, source map, ``rate_result``), and
the attestation is signed by a real P-256 key over the statement's canonical bytes. Only
the ledger itself (transaction ids, timestamps, salts) is made up: that is the seam.
"""

from __future__ import annotations

import base64
import calendar
import datetime
from decimal import Decimal
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import accounting

USCC = "914403001922038216"
NAME_ZH = "广州示例制造有限公司"
SOURCE_MAP = {"coal": "bituminous_coal", "electricity": "electricity", "heat": "heat",
              "natural_gas": "natural_gas", "oil": "fuel_oil"}
_KEY = ec.derive_private_key(0x5EED_CAFE_F00D_1234_5678_9ABC_DEF0_1357_2468, ec.SECP256R1())


def _cert() -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "User1@CertifierMSP"),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "client")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(_KEY.public_key()).serial_number(1003)
            .not_valid_before(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
            .not_valid_after(datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC))
            .sign(_KEY, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


CERT = _cert()
FINGERPRINT = x509.load_pem_x509_certificate(CERT.encode()).fingerprint(hashes.SHA256()).hex()


def digest(value: Any) -> str:
    return accounting.sha256_digest(accounting.canonical_json(value))


def _tx(n: int) -> str:
    return f"{n:064x}"


def _month_totals(i: int) -> dict[str, dict[str, Any]]:
    """Deterministic, varied monthly metered totals (winter heating, summer cooling)."""
    season = [9, 8, 6, 5, 6, 9, 12, 12, 9, 6, 7, 9][i % 12]
    return {"coal": {"quantity": f"{Decimal(season) / 4}", "readings": 4, "unit": "t"},
            "electricity": {"quantity": f"{season * 15000 + i * 37}.5", "readings": 2976,
                            "unit": "kWh"},
            "natural_gas": {"quantity": str(1200 + 90 * season), "readings": 2976,
                            "unit": "Nm3"}}


def _activity(totals: dict[str, Any]) -> list[dict[str, str]]:
    return [{"source": SOURCE_MAP[s], "quantity": t["quantity"], "unit": t["unit"],
             "label": "metered"} for s, t in sorted(totals.items())]


def result_record(months: int = 12, year: int = 2023, name: str = NAME_ZH,
                  residual_electricity: bool = False) -> dict[str, Any]:
    start = f"{year}-01-01"
    end = datetime.date(year, months, calendar.monthrange(year, months)[1]).isoformat()
    fs = accounting.load_factor_set(f"cn-{year}.1")
    enterprise = {"id": USCC, "industry": "C38", "region": "southern"}
    monthly: dict[str, Any] = {}
    totals: dict[str, dict[str, Any]] = {}
    base = {"enterprise": enterprise, "factor_set": fs.version}
    for i in range(months):
        m = f"{year}-{i + 1:02d}"
        t = _month_totals(i)
        last = datetime.date(year, i + 1, calendar.monthrange(year, i + 1)[1]).isoformat()
        r = accounting.compute({**base, "period": {"start": m + "-01", "end": last},
                                "activity": _activity(t), "denominators": {}})
        monthly[m] = {"from": m + "-01", "to": last, "totals": t,
                      "scope1_tco2e": str(r.scope1_tco2e),
                      "scope2_tco2e": str(r.scope2_tco2e), "total_tco2e": str(r.total_tco2e)}
        for s, q in t.items():
            acc = totals.setdefault(s, {"quantity": Decimal(0), "readings": 0, "unit": q["unit"]})
            acc["quantity"] += Decimal(q["quantity"])
            acc["readings"] += q["readings"]
    total_text = {s: {"quantity": format(v["quantity"], "f"), "readings": v["readings"],
                      "unit": v["unit"]} for s, v in sorted(totals.items())}
    declaration = {"uscc": USCC, "period": {"start": start, "end": end},
                   "denominators": {"value_added": {"quantity": "5200", "unit": "10^4 CNY"},
                                    "output_value": {"quantity": "18025", "unit": "10^4 CNY"}}}
    activity = _activity(total_text)
    if residual_electricity:
        for line in activity:
            if line["source"] == "electricity":
                line["region"] = "national_residual"
    acc_input = {**base, "period": {"start": start, "end": end}, "activity": activity,
                 "denominators": declaration["denominators"]}
    result = accounting.compute(acc_input).to_dict()
    totals_rec = {"uscc": USCC, "from": start, "to": end, "totals": total_text}
    totals_rec["digest"] = digest(dict(totals_rec))
    return {
        "v": 1, "kind": "carbontrust.result", "uscc": USCC,
        "period": {"start": start, "end": end}, "version": 1, "supersedes": None,
        "enterprise": {"uscc": USCC, "name": name, "industry": "C38", "region": "southern",
                       "grid": "southern"},
        "inputs": {"factor_set": {"version": fs.version, "digest": fs.digest,
                                  "activated_tx": _tx(10)},
                   "totals": totals_rec, "monthly": monthly, "deltas": [],
                   "operating_data": {"tx_id": _tx(20), "declaration": declaration,
                                      "digest": digest(declaration), "signature": "AA==",
                                      "certificate_fingerprint": "00" * 32}},
        "source_map": SOURCE_MAP, "accounting_input": acc_input, "result": result,
        "result_digest": digest(result), "salt": "ab" * 32,
        "computed": {"tx_id": _tx(21), "timestamp": f"{year + 1}-01-15T02:00:00.000000000Z",
                     "by": {"mspid": "RegulatorMSP", "kind": "client",
                            "fingerprint": "11" * 32}}}


def attestation_record(result: dict[str, Any], opinion: str = "unmodified",
                       status: str = "valid") -> dict[str, Any]:
    year = int(result["period"]["end"][:4])
    fs = result["inputs"]["factor_set"]
    statement = {
        "v": 1, "kind": "carbontrust.attestation", "standard": "ISO 14064-3:2019",
        "enterprise": {"uscc": result["uscc"]}, "period": result["period"],
        "result": {"version": result["version"], "digest": digest(result)},
        "criteria": {"method": "GB/T 32150-2015",
                     "factor_set": {"version": fs["version"], "digest": fs["digest"]}},
        "assurance": "reasonable", "materiality": {"threshold": "5", "unit": "percent"},
        "opinion": opinion,
        "basis": "Metered readings under the batch roots, the signed operating data and the "
                 "factor set examined; figures recomputed (核查机构复算).",
        "verifier": {"name": "示例核查有限公司 Example Verification Co., Ltd.",
                     "accreditation": "CNAS-GHG-0000 (illustrative)", "mspid": "CertifierMSP",
                     "certificate_fingerprint": FINGERPRINT},
        "date": f"{year + 1}-03-01"}
    sig = _KEY.sign(accounting.canonical_json(statement), ec.ECDSA(hashes.SHA256()))
    withdrawn = None if status == "valid" else {"tx_id": _tx(30), "timestamp": "x",
                                                "reason": "evidence withdrawn",
                                                "by": {"mspid": "CertifierMSP",
                                                       "fingerprint": FINGERPRINT}}
    return {"v": 1, "kind": "carbontrust.attestation-record", "statement": statement,
            "statement_digest": digest(statement),
            "signature": base64.b64encode(sig).decode("ascii"),
            "signature_algorithm": "ecdsa-with-SHA256", "certificate": CERT,
            "status": status, "attested": {"tx_id": _tx(22), "timestamp": "x"},
            "withdrawn": withdrawn}


def rating_record(result: dict[str, Any], att: dict[str, Any], rule_set: str,
                  n: int = 0) -> dict[str, Any]:
    rs = accounting.load_rule_set(rule_set)
    bs = accounting.load_benchmark_set(accounting.DEFAULT_BENCHMARK_SET)
    computed = accounting.compute(result["accounting_input"])
    rating = accounting.rate_result(computed, rs, bs, "C38").to_dict()
    st = att["statement"]
    return {"v": 1, "kind": "carbontrust.rating", "uscc": result["uscc"],
            "period": result["period"],
            "result": {"version": result["version"], "digest": digest(result)},
            "attestation": {"statement_digest": att["statement_digest"],
                            "opinion": st["opinion"], "assurance": st["assurance"],
                            "tx_id": att["attested"]["tx_id"]},
            "rule_set": {"version": rs.version, "digest": rs.digest, "activated_tx": _tx(14)},
            "benchmark_set": {"version": bs.version, "digest": bs.digest},
            "industry": "C38", "rating": rating, "salt": "cd" * 32,
            "rated": {"tx_id": _tx(23 + n), "timestamp": "x",
                      "by": {"mspid": "CertifierMSP", "kind": "client",
                             "fingerprint": FINGERPRINT}}}


def inputs(months: int = 12, name: str = NAME_ZH, opinion: str = "unmodified",
           rule_sets: tuple[str, ...] = ("gz-ae-d1", "qz-4c-d1", "zj-ce-2023"),
           residual_electricity: bool = False) -> dict[str, Any]:
    """build_report inputs for a ``months``-month period of 2023."""
    result = result_record(months, name=name, residual_electricity=residual_electricity)
    att = attestation_record(result, opinion)
    return {"result": {"digest": digest(result), "record": result}, "attestation": att,
            "ratings": [rating_record(result, att, v, i) for i, v in enumerate(rule_sets)]}
