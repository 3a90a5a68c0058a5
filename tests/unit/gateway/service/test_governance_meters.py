"""The governance routes (each organisation on its own service, signed by its admin) and the
regulator's meter route, against the fake ledger seam."""

from __future__ import annotations

from typing import Any

from gateway.cli.governance import shipped_digest
from tests.unit.gateway.service.conftest import ServiceFactory, auth, user_name
from tests.unit.gateway.service.world import USCC, seed

POLICY = {"orgs": ["CertifierMSP", "BankMSP"], "required": 2}


def _services(service: ServiceFactory) -> dict[str, tuple[Any, Any, dict[str, str]]]:
    """regulator, certifier and bank services sharing one fake contract's governance."""
    made = {}
    for role, user in (("regulator", "registrar"), ("certifier", "attester"),
                       ("bank", "analyst")):
        client, world = service(role)
        made[role] = (client, world, auth(client, user_name(user)))
    shared = made["regulator"][1].contract
    for _c, world, _h in made.values():
        world.contract.versions = shared.versions
        world.contract.in_force = shared.in_force
    return made


def test_propose_approve_activate_then_in_force(service: ServiceFactory) -> None:
    s = _services(service)
    reg, _rw, rh = s["regulator"]
    digest = shipped_digest("factor_set", "cn-2023.1")
    r = reg.post("/v1/governance/factor_set/cn-2023.1/proposal", json={"policy": POLICY},
                 headers=rh)
    assert r.status_code == 201, r.text
    assert r.json()["digest"] == digest  # the shipped digest, as `governance digest` prints
    r = reg.post("/v1/governance/factor_set/cn-2023.1/activation", headers=rh)
    assert r.status_code == 409, r.text  # no approvals yet
    for role in ("certifier", "bank"):
        client, _w, h = s[role]
        r = client.post("/v1/governance/factor_set/cn-2023.1/approval", json={}, headers=h)
        assert r.status_code == 200, r.text
    assert set(r.json()["approvals"]) == {"CertifierMSP", "BankMSP"}
    r = reg.post("/v1/governance/factor_set/cn-2023.1/activation", headers=rh)
    assert r.status_code == 200, r.text
    client, world, h = s["bank"]
    r = client.get("/v1/governance", headers=h)
    assert r.status_code == 200, r.text
    assert [v["version"] for v in r.json()["items"]] == ["cn-2023.1"]
    # every write was signed by each organisation's admin, on its own service
    writes = [(c[0], c[1]) for w in (s["regulator"][1], s["certifier"][1], world)
              for c in w.contract.calls if c[1] != "governance:in_force"]
    assert writes and all(user == "Admin" for user, _f in writes), writes


def test_governance_refusals_are_problems(service: ServiceFactory) -> None:
    reg, world = service("regulator")
    h = auth(reg, user_name("registrar"))
    r = reg.post("/v1/governance/factor_set/no-such/proposal", json={"policy": POLICY},
                 headers=h)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert "no-such" in r.json()["detail"] and "cn-2023.1" in r.json()["detail"]
    r = reg.post("/v1/governance/factor_set/Bad%20V/proposal", json={"policy": POLICY},
                 headers=h)
    assert r.status_code == 422
    r = reg.post("/v1/governance/factor_set/cn-2023.1/proposal",
                 json={"policy": {"orgs": ["RegulatorMSP"], "required": 1}}, headers=h)
    assert r.status_code == 422  # the proposer never approves itself
    assert world.contract.calls == []  # bad input reached no ledger
    r = reg.post("/v1/governance/factor_set/cn-2023.1/activation", headers=h)
    assert r.status_code == 404 and r.json()["type"].endswith("ledger-refused")


def test_governance_in_force_pages(service: ServiceFactory) -> None:
    client, world = service("regulator")
    world.contract.in_force = {k: {"kind": k, "version": "x"} for k in ("factor_set",
                                                                        "rule_set")}
    h = auth(client, user_name("auditor"))
    first = client.get("/v1/governance", params={"limit": 1}, headers=h).json()
    assert [i["kind"] for i in first["items"]] == ["factor_set"] and first["next_cursor"]
    second = client.get("/v1/governance", params={"limit": 1, "cursor": first["next_cursor"]},
                        headers=h).json()
    assert [i["kind"] for i in second["items"]] == ["rule_set"]
    assert second["next_cursor"] is None
    only = client.get("/v1/governance", params={"kind": "rule_set"}, headers=h).json()
    assert [i["kind"] for i in only["items"]] == ["rule_set"]


def test_add_meter(service: ServiceFactory) -> None:
    client, world = service("regulator")
    seed(world)
    h = auth(client, user_name("registrar"))
    r = client.post(f"/v1/enterprises/{USCC}/meters", json={"meter_id": "M-1"}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["meters"] == ["M-1"] and r.json()["version"] == 2
    assert world.contract.calls[-1][1:] == ("registry:add_meter", (USCC, "M-1"))
    r = client.post(f"/v1/enterprises/{USCC}/meters", json={"meter_id": "M-1"}, headers=h)
    assert r.status_code == 409 and "M-1" in r.json()["detail"]
    r = client.post("/v1/enterprises/91350100M000100Y44/meters", json={"meter_id": "M-2"},
                    headers=h)
    assert r.status_code == 404
    calls = len(world.contract.calls)
    # the CLI's USCC check (no I, O, Z, S, V), shared: 422 naming the character, no call
    r = client.post("/v1/enterprises/91350100M000100I43/meters", json={"meter_id": "M-3"},
                    headers=h)
    assert r.status_code == 422 and "character 16" in r.json()["detail"], r.text
    r = client.post(f"/v1/enterprises/{USCC}/meters", json={"meter_id": "-bad"}, headers=h)
    assert r.status_code == 422
    assert len(world.contract.calls) == calls
