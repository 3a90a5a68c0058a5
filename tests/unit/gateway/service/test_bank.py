"""The bank's reports under consent and its loan decisions (gateway/service/_bank.py).

A real report and bundle (verified by the real verifier against real MSP roots, and checked
against a real audit store); the fake ledger stands in for the contract (its consent and
loan checks mirror the contract's, which tests/unit/chaincode/carbon/test_loan.py tests)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from gateway.service._bank import commitment
from tests.unit.gateway.service.bank_world import honest, on_ledger, own_store, trust_dir
from tests.unit.gateway.service.conftest import auth, user_name


@pytest.fixture
def bank(service: Any, tmp_path: Path) -> tuple[Any, Any, dict[str, str]]:
    h = honest()
    client, world = service("bank", msp_roots=trust_dir(h, tmp_path / "roots"),
                            audit_store=own_store(h.leaves, tmp_path / "own" / "audit.db"))
    return client, world, auth(client, user_name("analyst"))


def _post(client: Any, headers: dict[str, str], report: Any = None, bundle: Any = None) -> Any:
    h = honest()
    return client.post("/v1/reports", headers=headers, json={
        "report": h.report if report is None else report,
        "bundle": h.bundle if bundle is None else bundle})


def test_a_consented_report_is_verified_kept_and_served_again(bank) -> None:
    client, world, headers = bank
    rid = on_ledger(world, honest())
    r = _post(client, headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["report_id"] == rid and body["consent_id"] == "c-9"
    assert body["verification"]["valid"] and body["verification"]["line"].startswith(
        f"VALID {rid} ")
    assert body["verification"]["own_log"] == "agrees"
    again = client.get(f"/v1/reports/{rid}", headers=headers)
    assert again.status_code == 200, again.text
    assert again.json()["report"] == honest().report
    assert again.json()["bundle"] == honest().bundle
    accesses = [f for _u, f, _a in world.contract.calls if f == "consent:access"]
    assert len(accesses) == 2       # every showing is a recorded access


def test_no_consent_is_refused_and_nothing_is_kept(bank) -> None:
    client, world, headers = bank
    rid = on_ledger(world, honest(), consent=False)
    r = _post(client, headers)
    assert r.status_code == 403 and "consent.valid" in r.json()["detail"]
    assert client.get(f"/v1/reports/{rid}", headers=headers).status_code == 404


@pytest.mark.parametrize("ended", ["revoked", "expired"])
def test_after_revocation_or_expiry_the_kept_report_is_refused(bank, ended: str) -> None:
    client, world, headers = bank
    rid = on_ledger(world, honest())
    assert _post(client, headers).status_code == 200
    world.contract.consents[-1][ended] = True
    r = client.get(f"/v1/reports/{rid}", headers=headers)
    assert r.status_code == 403 and "consent.valid" in r.json()["detail"], r.text
    assert "report" not in r.json()


def test_a_report_whose_digest_is_not_the_ledgers_is_refused(bank) -> None:
    client, world, headers = bank
    on_ledger(world, honest(), digest="sha256:" + "0" * 64)
    r = _post(client, headers)
    assert r.status_code == 409 and r.json()["type"].endswith("report-not-current"), r.text


def test_a_superseded_report_is_refused(bank) -> None:
    client, world, headers = bank
    on_ledger(world, honest(), status="superseded")
    r = _post(client, headers)
    assert r.status_code == 409 and "superseded" in r.json()["detail"], r.text


def test_a_bundle_that_does_not_verify_is_refused_with_the_verifiers_code(bank) -> None:
    client, world, headers = bank
    on_ledger(world, honest())
    bundle = copy.deepcopy(honest().bundle)
    bundle["openings"]["operating_data"]["salt"] = "00" * 32
    r = _post(client, headers, bundle=bundle)
    assert r.status_code == 422 and r.json()["type"].endswith("report-not-verified"), r.text
    assert r.json()["code"] == "OPENING"


def test_a_bundle_not_in_the_banks_own_log_is_refused(service: Any, tmp_path: Path) -> None:
    h = honest()
    other = [h.leaves[1], h.leaves[0], *h.leaves[2:]]    # the same leaves, another order
    client, world = service("bank", msp_roots=trust_dir(h, tmp_path / "roots"),
                            audit_store=own_store(other, tmp_path / "own" / "audit.db"))
    headers = auth(client, user_name("analyst"))
    on_ledger(world, h)
    r = _post(client, headers)
    assert r.status_code == 422 and r.json()["type"].endswith("bundle-not-in-own-log"), r.text


def test_a_loan_is_recorded_with_a_commitment_that_opens_to_its_terms(bank) -> None:
    client, world, headers = bank
    rid = on_ledger(world, honest())
    assert _post(client, headers).status_code == 200
    loan = {"loan_id": "L-1", "report_id": rid, "amount": "5000000.00", "rate": "3.45",
            "credit_multiplier": "1.2", "decision": "approved"}
    r = client.post("/v1/loans", headers=headers, json=loan)
    assert r.status_code == 200, r.text
    body = r.json()
    terms = {"amount": "5000000.00", "currency": "CNY", "rate": "3.45",
             "credit_multiplier": "1.2", "decision": "approved"}
    assert body["terms"] == terms and body["state"] == "recorded"
    assert body["commitment"] == commitment(terms, body["salt"])
    canonical = json.dumps({"salt": body["salt"], "terms": terms}, sort_keys=True,
                           separators=(",", ":")).encode()
    assert body["commitment"] == "sha256:" + hashlib.sha256(canonical).hexdigest()
    sent = world.contract.loans["L-1"]
    assert sent["terms_commitment"] == body["commitment"]
    assert "5000000" not in json.dumps([a for _u, _f, a in world.contract.calls])
    listed = client.get("/v1/loans", headers=headers).json()["items"]
    assert [x["loan_id"] for x in listed] == ["L-1"]
    assert client.post("/v1/loans", headers=headers, json=loan).status_code == 409


def test_a_loan_on_a_report_not_verified_here_or_after_revocation_is_refused(bank) -> None:
    client, world, headers = bank
    rid = on_ledger(world, honest())
    loan = {"loan_id": "L-2", "report_id": rid, "amount": "1", "rate": "1",
            "credit_multiplier": "1", "decision": "declined"}
    assert client.post("/v1/loans", headers=headers, json=loan).status_code == 404
    assert _post(client, headers).status_code == 200
    world.contract.consents[-1]["revoked"] = True
    r = client.post("/v1/loans", headers=headers, json=loan)
    assert r.status_code == 403, r.text
    assert client.get("/v1/loans", headers=headers).json()["items"] == []
