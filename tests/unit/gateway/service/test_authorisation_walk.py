"""Every route of every service, called by every role of that service, by a user with no
role, with no credentials, with a bad token and with another service's token: only the
roles this table intends succeed (2xx); a wrong role is 403, anything else 401.

The table is written here, not read from the code, and must name exactly the routes each
application has: a new route without an entry fails the walk, and so does a route whose
dependency lets in a role the table does not.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from gateway.service._settings import ROLES, USER_ROLES
from tests.unit.gateway.ingest.rows import csv_text
from tests.unit.gateway.service.audit_walk import audit_rows, audit_settings
from tests.unit.gateway.service.bank_world import honest, on_ledger, own_store, trust_dir
from tests.unit.gateway.service.conftest import KEY, ServiceFactory, auth, user_name
from tests.unit.gateway.service.relay_world import walk_endorse, walk_prepare, walk_submit
from tests.unit.gateway.service.report_steps_fake import seeded_job
from tests.unit.gateway.service.world import PERIOD, REPORT, USCC, failed_job, fresh_uscc, seed

PUBLIC = {("POST", "/v1/token"), ("GET", "/healthz"), ("GET", "/openapi.json")}
Request = Callable[[TestClient, Any], dict[str, Any]]


def _get(path: str, **params: str) -> Request:
    return lambda _c, _w: {"method": "GET", "url": path, "params": params}


def _upload(_c: TestClient, _w: Any) -> dict[str, Any]:
    return {"method": "POST", "url": "/v1/ingest/jobs", "content": csv_text(4),
            "headers": {"Content-Type": "text/csv"}}


def _job(sub: str = "") -> Request:
    def make(c: TestClient, w: Any) -> dict[str, Any]:
        job = failed_job(w, c)
        method = "POST" if sub == "/retry" else "GET"
        return {"method": method, "url": f"/v1/ingest/jobs/{job}{sub}"}
    return make


def _register(_c: TestClient, _w: Any) -> dict[str, Any]:
    return {"method": "POST", "url": "/v1/enterprises", "json": {
        "uscc": fresh_uscc(), "name": "Xiamen Glass", "industry": "C30", "region": "fujian"}}


def _status(_c: TestClient, w: Any) -> dict[str, Any]:
    uscc = fresh_uscc()
    w.contract.enterprises[uscc] = {"uscc": uscc, "status": "active", "version": 1}
    w.contract.history[uscc] = []
    return {"method": "PUT", "url": f"/v1/enterprises/{uscc}/status",
            "json": {"status": "suspended", "reason": "inspection"}}


def _attest(_c: TestClient, _w: Any) -> dict[str, Any]:
    return {"method": "POST", "url": "/v1/attestations", "json": {
        "uscc": USCC, **PERIOD, "assurance": "reasonable", "opinion": "unmodified",
        "date": "2026-02-10"}}


def _withdraw(_c: TestClient, _w: Any) -> dict[str, Any]:
    return {"method": "POST", "url": f"/v1/attestations/{USCC}/withdrawal",
            "json": {**PERIOD, "version": 1, "reason": "error found"}}


def _access(_c: TestClient, _w: Any) -> dict[str, Any]:
    return {"method": "POST", "url": "/v1/consents/access",
            "json": {"uscc": USCC, "report_id": REPORT}}


def _bank_report(c: TestClient, w: Any) -> dict[str, Any]:
    h = honest()
    on_ledger(w, h)
    return {"method": "POST", "url": "/v1/reports", "json": {"report": h.report,
                                                            "bundle": h.bundle}}


def _posted(c: TestClient, w: Any) -> str:
    """The honest report handed to the bank by an analyst (so the route under test has it)."""
    request = _bank_report(c, w)
    r = c.request(**request, headers=auth(c, user_name("analyst")))
    assert r.status_code == 200, r.text
    return str(r.json()["report_id"])


def _bank_get(c: TestClient, w: Any) -> dict[str, Any]:
    return {"method": "GET", "url": f"/v1/reports/{_posted(c, w)}"}


def _loan(c: TestClient, w: Any) -> dict[str, Any]:
    return {"method": "POST", "url": "/v1/loans", "json": {
        "loan_id": f"L-{fresh_uscc()}", "report_id": _posted(c, w), "amount": "100.00",
        "rate": "3.5", "credit_multiplier": "1.1", "decision": "approved"}}


def _meter(_c: TestClient, _w: Any) -> dict[str, Any]:
    return {"method": "POST", "url": f"/v1/enterprises/{USCC}/meters",
            "json": {"meter_id": f"M-{fresh_uscc()}"}}


DIGEST = "sha256:" + "ef" * 32


def _proposed(w: Any, approvals: int = 0) -> str:
    """A fresh version of the factor set proposed in the fake ledger."""
    version = f"v{fresh_uscc().lower()}"
    w.contract.versions[("factor_set", version)] = {
        "kind": "factor_set", "version": version, "digest": DIGEST,
        "policy": {"orgs": ["CertifierMSP", "BankMSP"], "required": 2},
        "approvals": {o: "tx" for o in ("CertifierMSP", "BankMSP")[:approvals]},
        "status": "proposed"}
    return version


def _approve(_c: TestClient, w: Any) -> dict[str, Any]:
    return {"method": "POST", "url": f"/v1/governance/factor_set/{_proposed(w)}/approval",
            "json": {"digest": DIGEST}}


def _propose(_c: TestClient, _w: Any) -> dict[str, Any]:
    return {"method": "POST", "url": f"/v1/governance/factor_set/v{fresh_uscc().lower()}"
            "/proposal", "json": {"digest": DIGEST, "policy": {
                "orgs": ["CertifierMSP", "BankMSP"], "required": 2}}}


def _activate(_c: TestClient, w: Any) -> dict[str, Any]:
    return {"method": "POST",
            "url": f"/v1/governance/factor_set/{_proposed(w, approvals=2)}/activation"}


def _result(_c: TestClient, _w: Any) -> dict[str, Any]:
    return {"method": "POST", "url": "/v1/results", "json": {"uscc": USCC, **PERIOD}}


def _rating(_c: TestClient, w: Any) -> dict[str, Any]:
    key = (USCC, PERIOD["from"], PERIOD["to"])
    w.contract.results.setdefault(key, []).append({"uscc": USCC, "version": 1})
    return {"method": "POST", "url": "/v1/ratings", "json": {"uscc": USCC, **PERIOD}}


GOVERNANCE = _get("/v1/governance")
CONSENTS = _get(f"/v1/enterprises/{USCC}/consents")
ATTESTATION = _get(f"/v1/attestations/{USCC}", **PERIOD)
ENTERPRISE = _get(f"/v1/enterprises/{USCC}")
EVENTS = _get("/v1/events")

#: role -> {(method, path template): (roles that may call it, a valid request)}
TABLE: dict[str, dict[tuple[str, str], tuple[set[str], Request]]] = {
    "power": {
        ("GET", "/v1/events"): ({"operator", "viewer"}, EVENTS),
        ("GET", "/v1/enterprises/{uscc}"): ({"operator", "viewer"}, ENTERPRISE),
        ("POST", "/v1/ingest/jobs"): ({"operator"}, _upload),
        ("GET", "/v1/governance"): ({"operator", "viewer"}, GOVERNANCE),
        ("POST", "/v1/governance/{kind}/{version}/approval"): ({"operator"}, _approve),
        ("GET", "/v1/ingest/jobs"): ({"operator", "viewer"}, _get("/v1/ingest/jobs")),
        ("GET", "/v1/ingest/jobs/{job_id}"): ({"operator", "viewer"}, _job()),
        ("GET", "/v1/ingest/jobs/{job_id}/refusals"): ({"operator", "viewer"},
                                                       _job("/refusals")),
        ("POST", "/v1/ingest/jobs/{job_id}/retry"): ({"operator"}, _job("/retry")),
        ("GET", "/v1/batches/{batch_id}"): ({"operator", "viewer"}, None),  # type: ignore
        ("GET", "/v1/enterprises/{uscc}/totals"): ({"operator", "viewer"},
                                                   _get(f"/v1/enterprises/{USCC}/totals",
                                                        **PERIOD)),
    },
    "certifier": {
        ("GET", "/v1/events"): ({"attester", "viewer"}, EVENTS),
        ("GET", "/v1/enterprises/{uscc}"): ({"attester", "viewer"}, ENTERPRISE),
        ("GET", "/v1/attestations/{uscc}"): ({"attester", "viewer"}, ATTESTATION),
        ("POST", "/v1/attestations"): ({"attester"}, _attest),
        ("POST", "/v1/results"): ({"attester"}, _result),
        ("POST", "/v1/ratings"): ({"attester"}, _rating),
        ("GET", "/v1/governance"): ({"attester", "viewer"}, GOVERNANCE),
        ("POST", "/v1/governance/{kind}/{version}/approval"): ({"attester"}, _approve),
        ("POST", "/v1/attestations/{uscc}/withdrawal"): ({"attester"}, _withdraw),
        ("GET", "/v1/results/{uscc}"): ({"attester", "viewer"},
                                        _get(f"/v1/results/{USCC}", **PERIOD)),
    },
    "bank": {
        ("GET", "/v1/events"): ({"analyst"}, EVENTS),
        ("GET", "/v1/enterprises/{uscc}/consents"): ({"analyst"}, CONSENTS),
        ("POST", "/v1/consents/access"): ({"analyst"}, _access),
        ("GET", "/v1/enterprises/{uscc}"): ({"analyst"}, ENTERPRISE),
        ("GET", "/v1/attestations/{uscc}"): ({"analyst"}, ATTESTATION),
        ("POST", "/v1/reports"): ({"analyst"}, _bank_report),
        ("GET", "/v1/reports/{report_id}"): ({"analyst"}, _bank_get),
        ("POST", "/v1/loans"): ({"analyst"}, _loan),
        ("GET", "/v1/governance"): ({"analyst"}, GOVERNANCE),
        ("POST", "/v1/governance/{kind}/{version}/approval"): ({"analyst"}, _approve),
        ("GET", "/v1/loans"): ({"analyst"}, _get("/v1/loans")),
    },
    "regulator": {
        ("GET", "/v1/events"): ({"auditor"}, EVENTS),
        ("GET", "/v1/enterprises/{uscc}"): ({"registrar", "auditor"}, ENTERPRISE),
        ("GET", "/v1/attestations/{uscc}"): ({"registrar", "auditor"}, ATTESTATION),
        ("POST", "/v1/enterprises"): ({"registrar"}, _register),
        ("GET", "/v1/enterprises"): ({"registrar", "auditor"}, _get("/v1/enterprises")),
        ("GET", "/v1/enterprises/{uscc}/history"): ({"registrar", "auditor"},
                                                    _get(f"/v1/enterprises/{USCC}/history")),
        ("PUT", "/v1/enterprises/{uscc}/status"): ({"registrar"}, _status),
        ("POST", "/v1/enterprises/{uscc}/meters"): ({"registrar"}, _meter),
        ("POST", "/v1/results"): ({"registrar"}, _result),
        ("POST", "/v1/ratings"): ({"registrar"}, _rating),
        ("GET", "/v1/governance"): ({"registrar", "auditor"}, GOVERNANCE),
        ("POST", "/v1/governance/{kind}/{version}/proposal"): ({"registrar"}, _propose),
        ("POST", "/v1/governance/{kind}/{version}/activation"): ({"registrar"}, _activate),
        ("GET", "/v1/enterprises/{uscc}/consents"): ({"registrar", "auditor"}, CONSENTS),
    },
}


def _batch(_c: TestClient, w: Any) -> dict[str, Any]:
    # the fake ledger has no batch: 404 from the ledger is a call that passed authorisation
    return {"method": "GET", "url": "/v1/batches/b-1", "expect": 404}


TABLE["power"][("GET", "/v1/batches/{batch_id}")] = ({"operator", "viewer"}, _batch)
TABLE["regulator"].update({   # the relay: registrars only (docs/services.md, "Relay")
    ("POST", f"/v1/relay/{kind}/prepare"): ({"registrar"}, walk_prepare(kind))
    for kind in ("consent-grant", "consent-revoke", "operating-declaration")})
TABLE["regulator"][("POST", "/v1/relay/endorse")] = ({"registrar"}, walk_endorse)
TABLE["regulator"][("POST", "/v1/relay/submit")] = ({"registrar"}, walk_submit)
for _role, _readers in {"power": {"operator", "viewer"}, "certifier": {"attester", "viewer"},
                        "bank": {"analyst"}, "regulator": {"auditor"}}.items():
    TABLE[_role].update(audit_rows(_role, _readers))   # its own notary log; export, check


def _report_job(state: str, sub: str = "", method: str = "GET") -> Request:
    def make(_c: TestClient, w: Any) -> dict[str, Any]:
        return {"method": method, "url": f"/v1/report-jobs/{seeded_job(w, state)}{sub}"}
    return make


for _role, (_writers, _readers) in {"certifier": ({"attester"}, {"attester", "viewer"}),
                                    "regulator": ({"registrar"}, {"registrar", "auditor"})
                                    }.items():   # report jobs (docs/services.md)
    TABLE[_role].update({
        ("POST", "/v1/report-jobs"): (_writers, lambda _c, _w: {
            "method": "POST", "url": "/v1/report-jobs",
            "json": {"uscc": USCC, **PERIOD, "wait": 1}}),
        ("GET", "/v1/report-jobs"): (_readers, _get("/v1/report-jobs")),
        ("GET", "/v1/report-jobs/{job_id}"): (_readers, _report_job("failed")),
        ("GET", "/v1/report-jobs/{job_id}/{name}"): (_readers,
                                                     _report_job("done", "/report.pdf")),
        ("POST", "/v1/report-jobs/{job_id}/retry"): (_writers,
                                                     _report_job("failed", "/retry", "POST")),
    })


def _routes(app: Any) -> set[tuple[str, str]]:
    """Every (method, path) the application answers, included routers walked (none of them
    has a prefix), whether or not the route is in the OpenAPI document."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if hasattr(route, "original_router"):
            found |= _routes(route.original_router)
        elif isinstance(route, APIRoute):
            found |= {(m, route.path) for m in route.methods}
        elif getattr(route, "path", None) == "/openapi.json":
            found.add(("GET", "/openapi.json"))
    return found


@pytest.mark.parametrize("role", ROLES)
def test_every_route_every_role(service: ServiceFactory, role: str, tmp_path: Path) -> None:
    h = honest()
    client, world = service(role, **audit_settings(role, tmp_path), **({} if role != "bank" else {
        "msp_roots": trust_dir(h, tmp_path / "roots"),
        "audit_store": own_store(h.leaves, tmp_path / "own" / "audit.db")}))
    seed(world)
    other, _ = service("bank" if role != "bank" else "power")
    foreign = auth(other, user_name(USER_ROLES["bank" if role != "bank" else "power"][0]))
    table = TABLE[role]
    assert _routes(world.app) - PUBLIC == set(table), "the table must name every route"
    headers = {r: auth(client, user_name(r)) for r in USER_ROLES[role]}
    headers["(no role)"] = auth(client, "u-none")
    forged = {"Authorization": "Bearer " + _forge(role)}
    outcomes = []
    for (method, path), (allowed, make) in sorted(table.items()):
        for who, hdrs in [*headers.items(), ("(no credentials)", {}), ("(forged)", forged),
                          ("(other service's token)", foreign)]:
            request = make(client, world)
            expect = request.pop("expect", None)
            request["headers"] = {**request.get("headers", {}), **hdrs}
            r = client.request(**request)
            if who in allowed:
                ok = r.status_code == expect if expect else 200 <= r.status_code < 300
            elif who in USER_ROLES[role] or who == "(no role)":
                ok = r.status_code == 403
            else:
                ok = r.status_code == 401 and "Bearer" in r.headers.get("www-authenticate", "")
            outcomes.append((ok, method, path, who, r.status_code, r.text[:200]))
            if r.status_code >= 400:
                assert r.headers["content-type"] == "application/problem+json"
    wrong = [o[1:] for o in outcomes if not o[0]]
    assert not wrong, wrong
    assert len(outcomes) == len(table) * (len(USER_ROLES[role]) + 4)


def _forge(role: str) -> str:
    """A token with the right claims signed with another key."""
    import time

    import jwt

    now = int(time.time())
    return jwt.encode({"iss": f"carbontrust:{role}", "aud": f"carbontrust:{role}",
                       "sub": user_name(USER_ROLES[role][0]), "roles": list(USER_ROLES[role]),
                       "iat": now, "exp": now + 60, "jti": "x"}, KEY[::-1] + "z",
                      algorithm="HS256")
