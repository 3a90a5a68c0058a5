"""The audit routes' rows of the authorisation walk and the settings they need: every
service reads its own notary log (a real follower store: audit_routes_world for power,
certifier and regulator; the bank's is its own log of the honest report, bank_world, which
has no anchor, so its proof request is answered 409 ``not-anchored``, a call that passed
authorisation), and the regulator's auditors export and check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.unit.gateway.service.audit_routes_world import USCC, filled_log, roots_dir

Request = Callable[[TestClient, Any], dict[str, Any]]
REG_TX = f"{5:064x}"          # audit_routes_world's registration (anchored)
HONEST_BATCH = f"{100:064x}"  # the honest log's first readings batch
_EXPORT = {"from": "2026-03-01T10:10:00Z", "to": "2026-03-01T10:21:00Z", "uscc": USCC}


def audit_settings(role: str, tmp_path: Path, bank: bool = False) -> dict[str, Any]:
    """The audit store (and the regulator's MSP roots) of a service in the walk (which
    gives the bank its own log, the honest report's, unless ``bank``) or the fuzzer."""
    if role == "bank" and not bank:
        return {}
    w, _tx = filled_log(tmp_path / f"audit-{role}")
    w.close()
    extra: dict[str, Any] = {"audit_store": w.path / "audit.db"}
    if role == "regulator":
        extra["msp_roots"] = roots_dir(tmp_path / "audit-roots")
    return extra


def _get(path: str, expect: int | None = None, **params: str) -> Request:
    def make(_c: TestClient, _w: Any) -> dict[str, Any]:
        request: dict[str, Any] = {"method": "GET", "url": path, "params": params}
        if expect is not None:
            request["expect"] = expect
        return request
    return make


def _check(c: TestClient, w: Any) -> dict[str, Any]:
    from tests.unit.gateway.service.conftest import auth, user_name

    w.contract.audit_head = None
    r = c.get("/v1/audit/export", params=_EXPORT, headers=auth(c, user_name("auditor")))
    assert r.status_code == 200, r.text
    return {"method": "POST", "url": "/v1/audit/checks", "content": r.content,
            "headers": {"Content-Type": "application/json"}}


def audit_rows(role: str, readers: set[str]) -> dict[tuple[str, str], tuple[set[str], Any]]:
    bank = role == "bank"
    rows: dict[tuple[str, str], tuple[set[str], Any]] = {
        ("GET", "/v1/audit/checkpoint"): (readers, _get("/v1/audit/checkpoint")),
        ("GET", "/v1/audit/entries"): (readers, _get("/v1/audit/entries")),
        ("GET", "/v1/audit/proofs/{tx_id}"): (readers, _get(
            f"/v1/audit/proofs/{HONEST_BATCH if bank else REG_TX}",
            409 if bank else None)),
        ("GET", "/v1/audit/history/{record_type}"): (readers, _get(
            "/v1/audit/history/batch" if bank else "/v1/audit/history/enterprise",
            key=HONEST_BATCH if bank else USCC)),
    }
    if role == "regulator":
        rows[("GET", "/v1/audit/export")] = (readers, _get("/v1/audit/export", **_EXPORT))
        rows[("POST", "/v1/audit/checks")] = (readers, _check)
    return rows
