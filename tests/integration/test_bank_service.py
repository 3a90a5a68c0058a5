"""The bank's service on real peers: a report under the enterprise's consent, verified, and a
loan recorded on it; refused without consent, after revocation and after expiry (issue 14).

A fresh network of this module's own (PORT_BASE), its notary followers anchoring. The report
is issued as in test_report_flow (``carbontrust`` computes, attests, rates, issues and
writes report.json and bundle.json); the enterprise hands the two files to the bank. The
consent is the enterprise's own transaction, signed offline in another process
(test_consent's ``through_service``: the regulator's relay prepares, endorses, submits).
The bank's service runs as a process (``python -m gateway.service run bank``) with the MSP
roots its peer's channel configuration lists (``carbontrust audit roots --as BankMSP``) and
its own notary follower's store (``<run dir>/notary/bank/audit.db``: this network runs no
services, so its followers keep their own files; with services the default is the service's
store).
"""

from __future__ import annotations

import datetime
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.offline import Relay, prepare_revoke

from .carbon_world import END, START, World, results_world_without_services
from .test_consent import grant, identity, through_service
from .test_consent import key_files as key_files  # noqa: F401 - the fixture, used here
from .test_consent import relay as relay  # noqa: F401 - the fixture, used here
from .test_report_flow import cli
from .test_services import Service

pytestmark = pytest.mark.integration

PORT_BASE = 26000
PERIOD = ("--from", START, "--to", END)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """The module's own network, no services (this module starts its own), results ready."""
    yield from results_world_without_services("it-test_bank_service", PORT_BASE)


def call(svc: Service, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """(status, JSON answer); a problem is an answer too. 503 (the bank's own log not yet
    at the bundle's checkpoint) is retried for a minute."""
    deadline = time.monotonic() + 60
    while True:
        request = urllib.request.Request(
            svc.url + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {svc.token}",
                     **({} if body is None else {"Content-Type": "application/json"})})
        try:
            with urllib.request.urlopen(request, timeout=120) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as exc:
            answer = json.loads(exc.read())
            if exc.code != 503 or time.monotonic() > deadline:
                return exc.code, answer
        time.sleep(2)


def test_the_bank_gets_verifies_and_lends_only_under_consent(
        world: World, relay: Relay, key_files: dict[str, Path],  # noqa: F811
        tmp_path: Path) -> None:
    w = world
    for argv in (("results", "compute", w.e1, *PERIOD),
                 ("attest", w.e1, *PERIOD, "--assurance", "reasonable", "--opinion",
                  "unmodified", "--date", "2024-03-01"),
                 ("rating", "compute", w.e1, *PERIOD, "--as", "CertifierMSP")):
        r = cli(w, *argv)
        assert r.returncode == 0, r.stderr
    out = tmp_path / "issued"
    r = cli(w, "report", "issue", w.e1, *PERIOD, "--out", str(out), "--wait", "240")
    assert r.returncode == 0, r.stderr
    status = json.loads(r.stdout)["status"]
    rid = status["id"]
    roots = tmp_path / "roots"
    r = cli(w, "audit", "roots", "--out", str(roots), "--as", "BankMSP")
    assert r.returncode == 0, r.stderr
    handed = {"report": json.loads((out / "report.json").read_bytes()),
              "bundle": json.loads((out / "bundle.json").read_bytes())}

    svc = Service(w, "bank", PORT_BASE + 106, tmp_path / "bank", None,
                  msp_roots=str(roots),
                  audit_store=str(w.net.notary_store("bank") / "audit.db"))
    svc.start()
    try:
        # no consent: refused by the contract, nothing kept
        code, body = call(svc, "POST", "/v1/reports", handed)
        assert code == 403 and "consent.valid" in body["detail"], body
        assert call(svc, "GET", f"/v1/reports/{rid}")[0] == 404

        # the enterprise grants (signed offline): the bank gets, verifies and lends
        key = key_files["ent-own"]
        later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
        grant(w, relay, key, rid, "c-bank-1", later)
        code, body = call(svc, "POST", "/v1/reports", handed)
        assert code == 200, body
        assert body["verification"]["valid"] and body["verification"]["own_log"] == "agrees"
        assert body["verification"]["line"].startswith(f"VALID {rid} {status['digest']}")
        assert body["ledger_status"]["status"] == "valid" and body["consent_id"] == "c-bank-1"
        code, shown = call(svc, "GET", f"/v1/reports/{rid}")
        assert code == 200 and shown["report"] == handed["report"], shown
        assert shown["access_tx_id"] != body["access_tx_id"]   # each showing: an access
        loan = {"loan_id": "L-1", "report_id": rid, "amount": "8000000.00", "rate": "3.10",
                "credit_multiplier": "1.15", "decision": "approved"}
        code, decided = call(svc, "POST", "/v1/loans", loan)
        assert code == 200 and decided["state"] == "recorded", decided
        on_ledger = w.evaluate("bank-client", "loan:get", w.e1, rid, "L-1")
        assert on_ledger["terms_commitment"] == decided["commitment"]
        assert on_ledger["report_digest"] == status["digest"]
        assert "8000000" not in json.dumps(on_ledger)

        # revoked: the kept report is no longer shown, no loan is recorded on it
        request = prepare_revoke(relay, identity(w.who["ent-own"]), consent_id="c-bank-1",
                                 report_id=rid, bank="BankMSP")
        _rec, revoke_tx, _ = through_service(w, relay, request, key, "consent:revoke")
        code, body = call(svc, "GET", f"/v1/reports/{rid}")
        assert code == 403 and f"revoked in tx {revoke_tx}" in body["detail"], body
        assert "report" not in body
        code, body = call(svc, "POST", "/v1/loans", {**loan, "loan_id": "L-2"})
        assert code == 403 and "consent.valid" in body["detail"], body

        # a consent that expires: shown before, refused after
        soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=25)
        grant(w, relay, key, rid, "c-bank-2", soon)
        code, body = call(svc, "GET", f"/v1/reports/{rid}")
        assert code == 200 and body["consent_id"] == "c-bank-2", body
        time.sleep(max(0.0, (soon - datetime.datetime.now(datetime.UTC)).total_seconds()) + 2)
        code, body = call(svc, "GET", f"/v1/reports/{rid}")
        assert code == 403 and "expired" in body["detail"], body
        code, body = call(svc, "POST", "/v1/reports", handed)
        assert code == 403 and "expired" in body["detail"], body
    finally:
        svc.stop()
