"""consent:* on the MemoryLedger: grant, revoke, the bank's access, refusals, time, audit entries.

The MemoryLedger's clock is the proposal timestamp it hands the contract (it starts in
November 2023 and moves 7 s per transaction); tests set it to put a transaction before or
after an expiry. Nothing here depends on the machine's clock: a consent that expired in 2024
by wall-clock time is still valid for a transaction stamped 2023.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from chaincode.carbon._codec import iso_time

from .conftest import E1, E2, World

RID = f"CCR-{E1}-20250101-20251231-v1"
RID2 = f"CCR-{E2}-20250101-20251231-v1"
PERIOD = {"start": "2025-01-01", "end": "2025-12-31"}
T0 = 1_800_000_000                   # 2027-01-15T08:00:00Z
EXPIRES = iso_time(T0 + 3600, 0)     # an hour later


def grant(uscc: str = E1, rid: str = RID, consent_id: str = "c-1", bank: str = "BankMSP",
          expires: str = EXPIRES, **extra: Any) -> str:
    doc = {"consent_id": consent_id, "uscc": uscc, "bank": bank, "report_id": rid,
           "period": PERIOD, "expires": expires, **extra}
    return json.dumps(doc)


def at(world: World, seconds: int) -> None:
    """The next transaction is stamped ``seconds + 7`` (the ledger adds 7 per transaction)."""
    world.ledger.clock = seconds - 7


def granted(world: World, consent_id: str = "c-1", expires: str = EXPIRES) -> dict[str, Any]:
    at(world, T0)
    return world.ok("ent1", "consent:grant", grant(consent_id=consent_id, expires=expires))


def event(world: World) -> dict[str, Any]:
    name, payload = world.ledger.events[-1]
    assert name == "carbon.audit"
    return json.loads(payload)


def state(world: World, *parts: str) -> bytes:
    key = "\x00" + "\x00".join(["consent", *parts]) + "\x00"
    return world.ledger.state[("", key)]


# -- grant -------------------------------------------------------------------------------

def test_grant_writes_the_terms_and_one_audit_entry(world: World) -> None:
    rec = granted(world)
    assert {k: rec[k] for k in ("consent_id", "uscc", "bank", "report_id", "period",
                                "expires", "revoked", "accesses", "last_access")} == {
        "consent_id": "c-1", "uscc": E1, "bank": "BankMSP", "report_id": RID,
        "period": PERIOD, "expires": "2027-01-15T09:00:00.000000000Z", "revoked": None,
        "accesses": 0, "last_access": None}
    assert rec["granted"]["timestamp"] == iso_time(T0, 0)
    der = x509.load_pem_x509_certificate(world["ent1"].pem).public_bytes(Encoding.DER)
    assert rec["granted"]["fingerprint"] == hashlib.sha256(der).hexdigest()
    entry = event(world)
    assert entry["entry"] == "consent.grant"
    assert entry["actor"]["kind"] == "enterprise"
    assert entry["keys"] == {"uscc": E1, "bank": "BankMSP", "report_id": RID,
                             "consent_id": "c-1", "expires": rec["expires"]}
    stored = state(world, E1, RID, "BankMSP", "c-1")
    assert entry["digests"] == {"consent": "sha256:" + hashlib.sha256(stored).hexdigest()}
    assert json.loads(stored) == rec
    assert entry["commitments"] == {}


def test_expires_with_an_offset_is_stored_in_utc(world: World) -> None:
    at(world, T0)
    rec = world.ok("ent1", "consent:grant", grant(expires="2027-01-15T17:30:00.5+08:00"))
    assert rec["expires"] == "2027-01-15T09:30:00.500000000Z"


def test_another_enterprise_cannot_grant_for_e1(world: World) -> None:
    res = world.call("ent2", "consent:grant", grant())
    assert res.status == 403
    assert res.message.startswith("refused by rule consent.grant:")
    assert f"acting on {E1}" in res.message


@pytest.mark.parametrize("who", ["bank-admin", "bank-client", "regulator-admin",
                                 "certifier-client"])
def test_only_the_enterprise_grants(world: World, who: str) -> None:
    res = world.call(who, "consent:grant", grant())
    assert res.status == 403 and res.message.startswith("refused by rule consent.grant:")


def test_a_suspended_enterprise_cannot_grant_but_can_revoke(world: World) -> None:
    granted(world)
    world.ok("regulator-admin", "registry:set_status", E1, "suspended", "audit")
    res = world.call("ent1", "consent:grant", grant(consent_id="c-2"))
    assert res.status == 403 and "suspended" in res.message
    assert world.ok("ent1", "consent:revoke", E1, RID, "BankMSP", "c-1")["revoked"]


def test_a_replayed_grant_is_refused_also_after_revocation(world: World) -> None:
    first = granted(world)
    res = world.call("ent1", "consent:grant", grant())
    assert res.status == 409 and f"already granted in tx {first['granted']['tx_id']}" \
        in res.message
    world.ok("ent1", "consent:revoke", E1, RID, "BankMSP", "c-1")
    res = world.call("ent1", "consent:grant", grant())      # the same grant cannot revive it
    assert res.status == 409 and "already granted" in res.message
    assert world.call("bank-client", "consent:access", E1, RID).status == 403


def test_one_live_consent_per_report_and_bank(world: World) -> None:
    granted(world)
    res = world.call("ent1", "consent:grant", grant(consent_id="c-2"))
    assert res.status == 409 and "c-1" in res.message and "revoke it first" in res.message
    world.ok("ent1", "consent:revoke", E1, RID, "BankMSP", "c-1")
    world.ok("ent1", "consent:grant", grant(consent_id="c-2"))
    assert world.ok("bank-client", "consent:access", E1, RID)["consent"]["consent_id"] == "c-2"


def test_a_new_grant_after_expiry_is_allowed(world: World) -> None:
    granted(world)
    at(world, T0 + 7200)
    world.ok("ent1", "consent:grant", grant(consent_id="c-2", expires=iso_time(T0 + 9000, 0)))


@pytest.mark.parametrize(("doc", "field"), [
    (grant(rid=RID2), "grant.report_id"),                           # another's report
    (grant(rid=f"CCR-{E1}-20250101-20250630-v1"), "grant.period"),  # another period
    (grant(rid=f"CCR-{E1}-20250101-20251331-v1"), "grant.report_id"),
    (grant(rid="report-1"), "grant.report_id"),
    (grant(bank="PowerMSP"), "grant.bank"),
    (grant(bank="RegulatorMSP"), "grant.bank"),
    (grant(expires="2027-01-15T09:00:00"), "grant.expires"),        # no zone
    (grant(expires="2027-02-30T09:00:00Z"), "grant.expires"),
    (grant(expires=iso_time(T0, 0)), "grant.expires"),              # not after the tx time
    (grant(expires="2027-01-15T08:30:00+01:00"), "grant.expires"),  # 07:30Z: before
    (grant(consent_id="has space"), "grant.consent_id"),
    (grant(uscc="914403001922038217"), "grant.uscc"),
    (grant(note="x"), "grant.note"),
    (json.dumps({"uscc": E1}), "grant.bank"),
    ("[1]", "grant"),
])
def test_bad_grants_name_the_field(world: World, doc: str, field: str) -> None:
    at(world, T0)
    res = world.call("ent1", "consent:grant", doc)
    assert res.status == 400, res.message
    assert res.message.split(":")[0] == field, res.message


# -- access ------------------------------------------------------------------------------

def test_the_bank_accesses_under_a_valid_consent(world: World) -> None:
    granted(world)
    at(world, T0 + 60)
    got = world.ok("bank-admin", "consent:access", E1, RID)
    assert got["access"]["timestamp"] == iso_time(T0 + 60, 0)
    assert got["consent"]["accesses"] == 1
    entry = event(world)
    assert entry["entry"] == "consent.access" and entry["actor"]["mspid"] == "BankMSP"
    assert entry["keys"] == {"uscc": E1, "bank": "BankMSP", "report_id": RID,
                             "consent_id": "c-1"}
    stored = state(world, E1, RID, "BankMSP", "c-1")
    assert entry["digests"]["consent"] == "sha256:" + hashlib.sha256(stored).hexdigest()
    assert world.ok("bank-client", "consent:access", E1, RID)["consent"]["accesses"] == 2


def test_access_without_consent_is_refused(world: World) -> None:
    res = world.call("bank-client", "consent:access", E1, RID)
    assert res.status == 403
    assert res.message.startswith("refused by rule consent.valid:")
    assert "no consent to BankMSP" in res.message
    assert res.event is None


def test_access_to_another_report_is_refused(world: World) -> None:
    granted(world)
    res = world.call("bank-client", "consent:access", E1, f"CCR-{E1}-20250101-20251231-v2")
    assert res.status == 403 and "no consent" in res.message


def test_access_after_revocation_is_refused(world: World) -> None:
    granted(world)
    world.ok("bank-client", "consent:access", E1, RID)
    revoked = world.ok("ent1", "consent:revoke", E1, RID, "BankMSP", "c-1")
    entry = event(world)
    assert entry["entry"] == "consent.revoke" and entry["keys"]["consent_id"] == "c-1"
    res = world.call("bank-client", "consent:access", E1, RID)
    assert res.status == 403 and res.message.startswith("refused by rule consent.valid:")
    assert f"revoked in tx {revoked['revoked']['tx_id']}" in res.message


def test_access_after_expiry_is_refused_by_the_transaction_time(world: World) -> None:
    granted(world)
    at(world, T0 + 3599)
    world.ok("bank-client", "consent:access", E1, RID)                   # a second before
    at(world, T0 + 3600)                                                 # exactly at expiry
    res = world.call("bank-client", "consent:access", E1, RID)
    assert res.status == 403
    assert f"expired at {EXPIRES} (transaction time {EXPIRES})" in res.message


def test_expiry_is_judged_by_the_proposal_time_not_the_machine_clock(world: World) -> None:
    past = 1_700_100_000                       # 2023: long before this machine's clock
    at(world, past)
    world.ok("ent1", "consent:grant", grant(expires=iso_time(past + 600, 0)))
    at(world, past + 300)
    assert world.ok("bank-client", "consent:access", E1, RID)["consent"]["accesses"] == 1


def test_a_backdated_access_is_refused(world: World) -> None:
    granted(world)
    at(world, T0 + 600)
    world.ok("bank-client", "consent:access", E1, RID)
    at(world, T0 + 100)                       # inside the lifetime, but before the last access
    res = world.call("bank-client", "consent:access", E1, RID)
    assert res.status == 403 and "backdated" in res.message
    at(world, T0 - 100)                       # before the grant itself
    res = world.call("bank-client", "consent:access", E1, RID)
    assert res.status == 403 and "backdated" in res.message


@pytest.mark.parametrize("who", ["ent1", "ent2", "regulator-admin", "certifier-client",
                                 "power-admin"])
def test_only_bank_staff_access(world: World, who: str) -> None:
    granted(world)
    res = world.call(who, "consent:access", E1, RID)
    assert res.status == 403 and res.message.startswith("refused by rule consent.access:")


def test_access_names_a_report_of_that_enterprise(world: World) -> None:
    res = world.call("bank-client", "consent:access", E2, RID)
    assert res.status == 400 and res.message.startswith("report_id:")


# -- revoke, get, list -------------------------------------------------------------------

def test_revoke_refusals(world: World) -> None:
    granted(world)
    res = world.call("ent2", "consent:revoke", E1, RID, "BankMSP", "c-1")
    assert res.status == 403 and res.message.startswith("refused by rule consent.revoke:")
    res = world.call("bank-admin", "consent:revoke", E1, RID, "BankMSP", "c-1")
    assert res.status == 403 and res.message.startswith("refused by rule consent.revoke:")
    assert world.call("ent1", "consent:revoke", E1, RID, "BankMSP", "c-9").status == 404
    world.ok("ent1", "consent:revoke", E1, RID, "BankMSP", "c-1")
    res = world.call("ent1", "consent:revoke", E1, RID, "BankMSP", "c-1")
    assert res.status == 409 and "already revoked" in res.message


def test_who_reads_consents(world: World) -> None:
    rec = granted(world)
    args = (E1, RID, "BankMSP", "c-1")
    for who in ("ent1", "bank-client", "regulator-admin"):
        assert world.ok(who, "consent:get", *args) == rec
        assert world.ok(who, "consent:list", E1, "50", "")["consents"] == [rec]
    for who in ("ent2", "certifier-admin", "power-client"):
        assert world.call(who, "consent:get", *args).status == 403
        assert world.call(who, "consent:list", E1, "50", "").status == 403


def test_list_pages_with_a_bookmark(world: World) -> None:
    for n in range(3):              # each expires before the next is granted
        at(world, T0 + 20 * n)
        world.ok("ent1", "consent:grant", grant(consent_id=f"c-{n}",
                                                expires=iso_time(T0 + 20 * n + 10, 0)))
    first = world.ok("ent1", "consent:list", E1, "2", "")
    assert [r["consent_id"] for r in first["consents"]] == ["c-0", "c-1"]
    rest = world.ok("ent1", "consent:list", E1, "2", first["bookmark"])
    assert [r["consent_id"] for r in rest["consents"]] == ["c-2"] and rest["bookmark"] == ""


def test_reads_emit_no_audit_entry(world: World) -> None:
    granted(world)
    n = len(world.ledger.events)
    world.ok("bank-client", "consent:get", E1, RID, "BankMSP", "c-1")
    world.ok("bank-client", "consent:list", E1, "10", "")
    assert len(world.ledger.events) == n


def test_the_audit_history_lists_every_version_of_a_consent(world: World) -> None:
    rec = granted(world)
    world.ok("bank-client", "consent:access", E1, RID)
    world.ok("ent1", "consent:revoke", E1, RID, "BankMSP", "c-1")
    key = f"{E1}/{RID}/BankMSP/c-1"
    history = world.ok("regulator-client", "audit:history", "consent", key)
    assert [h["value"]["accesses"] for h in history] == [1, 1, 0]      # newest first
    assert history[-1]["value"] == rec and history[0]["value"]["revoked"] is not None
    res = world.call("regulator-client", "audit:history", "consent", f"{E1}/{RID}/BankMSP")
    assert res.status == 400 and res.message.startswith("key:")


def test_carbontrust_audit_history_finds_every_consent_entry(world: World) -> None:
    """The CLI's record type (gateway/cli/_audit_types.py) matches the entries written,
    by the whole key (as audit:history takes it) and by a prefix."""
    from gateway.cli._audit_types import TYPES

    granted(world)
    world.ok("bank-client", "consent:access", E1, RID)
    world.ok("ent1", "consent:revoke", E1, RID, "BankMSP", "c-1")
    entries = [json.loads(p) for _n, p in world.ledger.events[-3:]]
    rtype = TYPES["consent"]
    for key in (f"{E1}/{RID}/BankMSP/c-1", f"{E1}/{RID}", E1):
        parts = rtype.key_parts(key)
        assert parts is not None
        assert [rtype.is_about(e, parts) for e in entries] == [True, True, True], key
    assert not any(rtype.is_about(e, [E1, RID, "BankMSP", "c-2"]) for e in entries)


@pytest.mark.parametrize("offset", [301.0, -301.0])
def test_an_access_stamped_away_from_the_endorsers_clock_is_refused(world: World,
                                                                     offset: float) -> None:
    """The endorser refuses a proposal whose time is more than the allowed skew (300 s) from
    its own clock: a bank sending its first access after expiry, stamped inside the
    consent's lifetime (offset > 0: the endorser's clock is later), or stamped ahead."""
    granted(world)
    at(world, T0 + 600)                       # inside the lifetime (EXPIRES is T0 + 3600)
    world.ledger.endorser_offset = offset
    res = world.call("bank-client", "consent:access", E1, RID)
    assert res.status == 400, (res.status, res.message)
    assert res.message.startswith("proposal.timestamp: expected a time within 300 s of this "
                                  "endorser's clock"), res.message
    assert res.event is None and not res.writes      # nothing recorded
    world.ledger.endorser_offset = 299.0              # within the skew: endorsed
    assert world.ok("bank-client", "consent:access", E1, RID)["consent"]["accesses"] == 1


def test_the_allowed_skew_is_configurable(world: World,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    granted(world)
    at(world, T0 + 600)
    world.ledger.endorser_offset = 90.0
    monkeypatch.setenv("CARBONTRUST_CC_MAX_CLOCK_SKEW", "60")
    res = world.call("bank-client", "consent:access", E1, RID)
    assert res.status == 400 and "within 60 s" in res.message, res.message
    monkeypatch.setenv("CARBONTRUST_CC_MAX_CLOCK_SKEW", "sixty")
    res = world.call("bank-client", "consent:access", E1, RID)
    assert res.status == 500 and "whole number of seconds" in res.message, res.message
    monkeypatch.delenv("CARBONTRUST_CC_MAX_CLOCK_SKEW")
    assert world.ok("bank-client", "consent:access", E1, RID)["consent"]["accesses"] == 1
