"""Problem details (RFC 9457) for every kind of error, and request ids in and out and in
the logs."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from gateway.service._requestid import RequestIdFilter
from tests.unit.gateway.service.conftest import ServiceFactory, auth
from tests.unit.gateway.service.world import USCC, seed


def _is_problem(r, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == status and body["title"] and body["type"]
    assert body["request_id"] == r.headers["x-request-id"]
    return dict(body)


def test_unknown_route_method_and_validation(service: ServiceFactory) -> None:
    client, _ = service("regulator")
    h = auth(client, "u-registrar")
    _is_problem(client.get("/v1/nothing", headers=h), 404)
    _is_problem(client.delete("/v1/enterprises", headers=h), 405)
    body = _is_problem(client.post("/v1/enterprises", headers=h, json={"uscc": "short"}), 422)
    assert body["type"] == "urn:carbontrust:problem:invalid-request"
    assert any(e["loc"][-1] == "uscc" for e in body["errors"])
    body = _is_problem(client.get("/v1/enterprises", headers=h, params={"limit": 5000}), 422)
    body = _is_problem(client.get("/v1/enterprises", headers=h, params={"limit": 201,
                                                                        "cursor": "x"}), 422)
    assert "at most 200" in body["detail"]
    body = _is_problem(client.get("/v1/enterprises", headers=h,
                                  params={"cursor": "%%%"}), 422)


def test_ledger_refusals_keep_the_contracts_words(service: ServiceFactory) -> None:
    client, world = service("regulator")
    seed(world)
    h = auth(client, "u-registrar")
    body = _is_problem(client.get("/v1/enterprises/91350100M000100Y44", headers=h), 404)
    assert body["type"] == "urn:carbontrust:problem:ledger-refused"
    assert "not found" in body["detail"] and body["ledger_status"] == 404
    r = client.post("/v1/enterprises", headers=h, json={
        "uscc": USCC, "name": "again", "industry": "C31", "region": "fujian"})
    assert _is_problem(r, 409)["detail"] == f"enterprise {USCC!r} exists"


def test_an_unreachable_ledger_is_503_with_retry_after(service: ServiceFactory,
                                                       tmp_path) -> None:  # type: ignore
    # a profile that is not there: the service cannot find its peer or identity
    client, _ = service("bank", profile=tmp_path / "nowhere.json")
    r = client.get(f"/v1/enterprises/{USCC}", headers=auth(client, "u-analyst"))
    body = _is_problem(r, 503)
    assert "no connection profile" in body["detail"] and r.headers["retry-after"] == "5"


def test_unexpected_errors_are_500_without_their_text(service: ServiceFactory,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    client, world = service("bank")

    def boom(*_a: object) -> bytes:
        raise RuntimeError("secret-value-xyz")

    world.app.state.ledger.ledger().evaluate = boom
    client = TestClient(world.app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR):
        r = client.get(f"/v1/enterprises/{USCC}", headers=auth(client, "u-analyst"))
    body = _is_problem(r, 500)
    assert "secret-value-xyz" not in r.text
    assert body["type"] == "urn:carbontrust:problem:internal"
    assert any("secret-value-xyz" in str(rec.exc_info) for rec in caplog.records)


def test_request_id_in_and_out_and_in_the_log(service: ServiceFactory,
                                              caplog: pytest.LogCaptureFixture) -> None:
    client, _ = service("bank")
    caplog.handler.addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO, logger="gateway.service.access"):
        r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
        assert r.headers["x-request-id"] == "abc-123"
        bad = client.get("/healthz", headers={"X-Request-ID": "evil\rinjected line"})
    made = bad.headers["x-request-id"]
    assert made != "evil\rinjected line" and len(made) == 32
    access = [rec for rec in caplog.records if rec.name == "gateway.service.access"]
    assert [rec.request_id for rec in access][-2:] == ["abc-123", made]  # type: ignore
    assert "/healthz 200" in access[-1].getMessage()


def test_the_banks_access_without_a_valid_consent_is_the_contracts_403(
        service: ServiceFactory) -> None:
    from tests.unit.gateway.service.world import REPORT

    client, world = service("bank")
    seed(world)
    h = auth(client, "u-analyst")
    ok = client.post("/v1/consents/access", headers=h, json={"uscc": USCC, "report_id": REPORT})
    assert ok.status_code == 200 and ok.json()["consent"]["accesses"] == 1
    world.contract.consents[0]["revoked"] = {"tx_id": "t"}
    body = _is_problem(client.post("/v1/consents/access", headers=h,
                                   json={"uscc": USCC, "report_id": REPORT}), 403)
    assert body["type"] == "urn:carbontrust:problem:ledger-refused"
    assert "consent.valid" in body["detail"]
    _is_problem(client.post("/v1/consents/access", headers=h,
                            json={"uscc": USCC, "report_id": "CCR-x"}), 422)


def test_a_nul_in_a_query_is_422_on_every_backend(service: ServiceFactory, db_url: str) -> None:
    """PostgreSQL text holds no NUL: the events filter refuses one before the database does
    (schemathesis found the 500 on PostgreSQL)."""
    client, _world = service("power", db_url=db_url)
    r = client.get("/v1/events", params={"event_name": "a\x00b"},
                   headers=auth(client, "u-operator"))
    assert r.status_code == 422 and "event_name" in r.json()["detail"], r.text
