"""registry:* records, meters, status, certificates, history, pagination, audit events."""

from __future__ import annotations

import json

from chaincode.carbon._codec import canonical

from .conftest import E1, E2, E3, World, record
from .identities import enterprise, issue


def test_register_stores_the_documented_record(world: World) -> None:
    got = world.ok("regulator-client", "registry:register_enterprise",
                   record(E3, region="guangdong", areas=["energy", "industry"]))
    assert got == {"uscc": E3, "name": "Enterprise 341L", "industry": "C38",
                   "region": "guangdong", "grid": "southern", "areas": ["industry", "energy"],
                   "status": "active", "status_reason": None, "meters": [],
                   "certificate": None, "version": 1}
    assert world.ok("bank-client", "registry:get_enterprise", E3) == got


def test_register_twice_is_409(world: World) -> None:
    res = world.call("regulator-admin", "registry:register_enterprise", record(E1))
    assert res.status == 409 and "already registered" in res.message


def test_every_change_is_in_history(world: World) -> None:
    world.ok("regulator-admin", "registry:update_enterprise", E1, '{"name":"Huawei"}')
    world.ok("regulator-admin", "registry:set_status", E1, "suspended", "inspection")
    hist = world.ok("power-client", "registry:history", E1)
    versions = [h["value"]["version"] for h in hist]
    assert versions == [5, 4, 3, 2, 1]   # newest first, as Fabric returns history
    assert hist[0]["value"]["status"] == "suspended"
    assert hist[1]["value"]["name"] == "Huawei"
    assert all(h["tx_id"] and h["timestamp"].endswith("Z") and not h["is_delete"]
               for h in hist)


def test_closed_is_final(world: World) -> None:
    world.ok("regulator-admin", "registry:set_status", E1, "closed", "dissolved")
    for fn, args in (("registry:set_status", (E1, "active", "reopen")),
                     ("registry:update_enterprise", (E1, '{"name":"x"}')),
                     ("registry:add_meter", (E1, "M-5")),
                     ("registry:bind_certificate", (E1, enterprise(E1).pem.decode()))):
        res = world.call("regulator-admin", fn, *args)
        assert res.status == 409 and "closed" in res.message, (fn, res.message)


def test_same_status_twice_is_409(world: World) -> None:
    res = world.call("regulator-admin", "registry:set_status", E1, "active", "again")
    assert res.status == 409


def test_meters_are_unique_channel_wide(world: World) -> None:
    res = world.call("regulator-admin", "registry:add_meter", E2, "M-1")
    assert res.status == 409 and E1 in res.message
    assert world.ok("gateway", "registry:get_meter", "M-1") == {
        "meter_id": "M-1", "uscc": E1, "status": "active"}
    assert world.ok("ent1", "registry:get_enterprise", E1)["meters"] == ["M-1"]


def test_unknown_things_are_404(world: World) -> None:
    assert world.call("bank-admin", "registry:get_enterprise", E3).status == 404
    assert world.call("bank-admin", "registry:history", E3).status == 404
    assert world.call("bank-admin", "registry:get_meter", "nope").status == 404
    assert world.call("regulator-admin", "registry:add_meter", E3, "M-7").status == 404


def test_enterprise_cannot_probe_other_meters(world: World) -> None:
    assert world.call("ent1", "registry:get_meter", "nope").status == 403
    assert world.call("ent1", "registry:get_meter", "M-2").status == 403


def test_pagination_with_bookmarks(world: World) -> None:
    world.ok("regulator-admin", "registry:register_enterprise", record(E3))
    seen, bookmark = [], ""
    for _ in range(5):
        page = world.ok("bank-client", "registry:list_enterprises", "2", bookmark)
        seen += [r["uscc"] for r in page["records"]]
        bookmark = page["bookmark"]
        if not bookmark:
            break
    assert sorted(seen) == sorted([E1, E2, E3]) and len(seen) == 3


def test_bound_certificate_must_be_the_enterprises(world: World) -> None:
    res = world.call("regulator-admin", "registry:bind_certificate", E1,
                     enterprise(E2).pem.decode())
    assert res.status == 400 and res.message.startswith("cert_pem:") and E2 in res.message
    res = world.call("regulator-admin", "registry:bind_certificate", E1,
                     issue("RegulatorMSP", "client", "plain").pem.decode())
    assert res.status == 400 and "role=enterprise" in res.message


def test_revoked_certificate_cannot_be_bound(world: World) -> None:
    cert = enterprise(E1)
    world.ok("regulator-admin", "registry:revoke_certificate", cert.pem.decode(), "lost")
    res = world.call("regulator-admin", "registry:bind_certificate", E1, cert.pem.decode())
    assert res.status == 409 and "revoked" in res.message
    res = world.call("regulator-admin", "registry:revoke_certificate", cert.pem.decode(), "x")
    assert res.status == 409 and "already revoked" in res.message


def test_one_canonical_audit_event_per_write(world: World) -> None:
    res = world.call("regulator-admin", "registry:add_meter", E2, "M-3")
    assert res.status == 200
    assert res.event is not None
    name, payload = res.event
    entry = json.loads(payload)
    assert name == "carbon.audit" and canonical(entry) == payload
    assert entry["entry"] == "registry.add_meter"
    assert entry["keys"] == {"uscc": E2, "meter_id": "M-3"}
    assert entry["tx_id"] == res.tx_id and entry["actor"]["mspid"] == "RegulatorMSP"
    stored = world.ledger.state[next((c, k) for c, k in world.ledger.state
                                     if c == "" and "enterprise" in k and E2 in k)]
    import hashlib
    assert entry["digests"]["record"] == "sha256:" + hashlib.sha256(stored).hexdigest()


def test_reads_emit_no_event_and_refusals_commit_nothing(world: World) -> None:
    before = dict(world.ledger.state)
    assert world.call("bank-admin", "registry:get_enterprise", E1).event is None
    res = world.call("bank-admin", "registry:add_meter", E1, "M-8")
    assert res.status == 403 and res.event is None and world.ledger.state == before


def test_identical_inputs_give_identical_bytes() -> None:
    """Determinism: two ledgers, same transactions -> same state bytes (no clock, no
    randomness in the contract)."""
    from chaincode.carbon import contracts

    from .conftest import World as W
    from .identities import org_admin
    from .ledger import MemoryLedger
    admin = org_admin("RegulatorMSP")
    states = []
    for _ in range(2):
        w = W(MemoryLedger(contracts(test_contracts=False)), {"a": admin})
        w.ok("a", "registry:register_enterprise", record(E1))
        w.ok("a", "registry:add_meter", E1, "M-1")
        states.append((dict(w.ledger.state), list(w.ledger.events)))
        w.ledger.close()
    assert states[0] == states[1]
