"""The authorisation matrix on the real network: every transaction of the carbon contract x
every organisation's admin and client, an enterprise on its own and on another's records, a
meter gateway, and a revoked identity.  Only the intended callers succeed (reads evaluate,
writes commit VALID); every refusal is an endorsement error whose peer message names the
rule.  The expected sets are the issue's words, as in the unit matrix
(tests/unit/chaincode/carbon/test_authz.py), here against real peers, real MSP
identities and the real shim.  The results, attestation and rating cases, with the state
their allowed calls need, are in authz_results.py.

Runs on a fresh network of its own (.run/it-test_carbon_authz, PORT_BASE), taken down at
the end; CARBONTRUST_RUN_DIR is not consulted (carbon_world.carbon_network).
"""

from __future__ import annotations

import datetime
import itertools
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest

import accounting
import gateway as g
import notary
import verifier
from accounting import readings as rd

from . import authz_results
from .carbon_world import (
    ORGS,
    World,
    carbon_network,
    issue_user,
    new_uscc,
    next_number,
    record,
)

PORT_BASE = 23500
STAFF = [f"{o.removesuffix('MSP').lower()}-{k}" for o in ORGS for k in ("admin", "client")]
CALLERS = [*STAFF, "ent-own", "ent-other", "gateway", "revoked"]
REG = {"regulator-admin", "regulator-client"}
ADMINS = {f"{o.removesuffix('MSP').lower()}-admin" for o in ORGS}
ALL = set(STAFF)
FS = {v: str(accounting.load_factor_set(v).digest) for v in accounting.factor_set_versions()}
RS = {v: str(accounting.load_rule_set(v).digest) for v in accounting.rule_set_versions()}
#: the readings' readers: staff of the privateReadings members
READERS = {f"{o}-{k}" for o in ("power", "certifier", "regulator") for k in ("admin", "client")}
MEMBERS = ("PowerMSP", "CertifierMSP", "RegulatorMSP")
DAY0 = datetime.datetime(2026, 7, 1, tzinfo=rd.CHINA)   # in the past: intervals have ended
@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    for net in carbon_network("it-test_carbon_authz", PORT_BASE):
        w = World(net)
        yield w
        w.s.close()


# -- the cases: (kind, allowed callers, call(world, caller) -> result) -------------------
Call = Callable[[World, str], Any]


def _fresh_enterprise(w: World, caller: str) -> str:
    uscc = new_uscc(next_number())
    w.submit("regulator-admin", "registry:register_enterprise", record(uscc))
    return uscc


def _target(w: World, caller: str, allowed: set[str]) -> str:
    """A fresh enterprise for a caller whose write will succeed, else the shared one."""
    return _fresh_enterprise(w, caller) if caller in allowed else w.e1


def _own_or_other(w: World, caller: str) -> str:
    return w.e2 if caller == "ent-other" else w.e1


def _declare(w: World, caller: str) -> Any:
    year = 2000 + next_number() % 50
    t = w.declaration(w.e1, w.who["ent-own"], year)
    return w.submit(caller, "operating:declare", transient=t,
                    orgs=("CertifierMSP", "RegulatorMSP"))


_gov_setup: dict[str, bool] = {}


def _proposed(w: World) -> World:
    """Proposals the approve/activate/get cases act on (made once); returns w."""
    if not _gov_setup.get("approve"):
        w.submit("regulator-admin", "governance:propose", "factor_set", "cn-2022",
                 FS["cn-2022"], json.dumps({"orgs": [o for o in ORGS if o != "RegulatorMSP"],
                                            "required": 3}))
        w.submit("regulator-admin", "governance:propose", "rule_set", "zj-ce-2023",
                 RS["zj-ce-2023"], json.dumps({"orgs": ["BankMSP"], "required": 1}))
        w.submit("bank-admin", "governance:approve", "rule_set", "zj-ce-2023",
                 RS["zj-ce-2023"])
        _gov_setup["approve"] = True
    return w


def _in_force(w: World) -> World:
    """A version in force for the in_force case (made once); returns w."""
    if not _gov_setup.get("in_force"):
        w.submit("regulator-admin", "governance:propose", "factor_set", "cn-2023",
                 FS["cn-2023"], json.dumps({"orgs": ["CertifierMSP"], "required": 1}))
        w.submit("certifier-admin", "governance:approve", "factor_set", "cn-2023",
                 FS["cn-2023"])
        w.submit("regulator-admin", "governance:activate", "factor_set", "cn-2023")
        _gov_setup["in_force"] = True
    return w


_days = itertools.count()
_readings_setup: dict[str, str] = {}


def _day_batch(w: World) -> dict[str, bytes]:
    """A day of meter m1 not recorded yet (a day per call), as transient data."""
    start = DAY0 + datetime.timedelta(days=next(_days))
    rs = [rd.Reading(w.m1, w.e1, start + n * datetime.timedelta(minutes=15), "electricity",
                     Decimal(n + 1), "kWh") for n in range(96)]
    return {"batch": rd.encode_batch(rs), "salt": bytes(range(32))}


def _recorded(w: World) -> dict[str, str]:
    """One recorded day the locate/get_batch/correct cases act on (made once)."""
    if not _readings_setup:
        t = _day_batch(w)
        res = w.submit("gateway", "readings:submit_batch", transient=t, orgs=MEMBERS)
        first = rd.decode_batch(t["batch"])[0]
        _readings_setup.update(batch_id=res["batch_id"],
                               interval=first.interval_start.isoformat())
    return _readings_setup


def _correct(w: World, caller: str) -> Any:
    at = _recorded(w)
    new = rd.Reading(w.m1, w.e1, datetime.datetime.fromisoformat(at["interval"]),
                     "electricity", Decimal(next_number()), "kWh")
    return w.submit(caller, "readings:correct", orgs=MEMBERS, transient={
        "reading": rd.encode(new), "batch_id": at["batch_id"].encode(),
        "reason": b"authz matrix", "salt": bytes(range(32))})


# -- the audit trail (issue 12): the test owns the audit state from its first audit case on:
# the notary followers are stopped and every organisation's key is one registered here, so a
# follower's anchor never races the matrix's and no fake checkpoint reaches a follower
_audit_setup: dict[str, Any] = {}
_ROOTS = (notary.leaf_hash(b"authz matrix"), notary.leaf_hash(b"another log"))


def _new_binding(w: World, admin: str, mspid: str) -> tuple[notary.Signer, str]:
    signer = notary.Signer.generate(verifier.notary_key_name(mspid))
    who = w.who[admin]
    statement = verifier.binding_statement(w.info["channel"], mspid, signer.verifier)
    return signer, json.dumps(verifier.make_binding(statement, who.cert_pem, who.key_pem))


def _signers(w: World) -> dict[str, notary.Signer]:
    if not _audit_setup:
        for name in w.net.notary_names():
            w.net.stop_node(name)
        for mspid in ORGS:
            admin = f"{mspid.removesuffix('MSP').lower()}-admin"
            signer, text = _new_binding(w, admin, mspid)
            w.submit(admin, "audit:register_key", text)
            _audit_setup[mspid] = signer
    return _audit_setup


def _note(w: World, size: int, root: bytes, *mspids: str) -> str:
    body = notary.Checkpoint(verifier.origin(w.info["channel"]), size, root).body()
    return notary.sign_note(body, *(_signers(w)[m] for m in mspids))


def _own_msp(w: World, caller: str) -> str:
    """The caller's organisation for staff; PowerMSP's key for the others (refused anyway)."""
    return w.who[caller].mspid if caller in ALL else "PowerMSP"


def _register_key(w: World, caller: str) -> Any:
    _signers(w)
    if caller in ADMINS:   # a new key for its own organisation: replaces the old one
        mspid = w.who[caller].mspid
        signer, text = _new_binding(w, caller, mspid)
        out = w.submit(caller, "audit:register_key", text)
        _audit_setup[mspid] = signer
        return out
    return w.submit(caller, "audit:register_key", _new_binding(w, "power-admin", "PowerMSP")[1])


def _sign(w: World, caller: str) -> Any:
    size = 10**9 + next_number()          # far beyond the followers' log
    return w.submit(caller, "audit:sign", _note(w, size, _ROOTS[0], _own_msp(w, caller)))


def _anchor(w: World, caller: str) -> Any:
    """The head's checkpoint re-signed by 3 registered keys (a no-op), or the first anchor."""
    _signers(w)
    head = w.evaluate("regulator-client", "audit:head")
    body = (notary.Note.parse(head["note"]).text if head else
            notary.Checkpoint(verifier.origin(w.info["channel"]), 1, _ROOTS[0]).body())
    note = notary.sign_note(body, *(_audit_setup[m] for m in ORGS[:3]))
    return w.submit(caller, "audit:anchor", note, "[]")


def _alarm(w: World, caller: str) -> Any:
    mspid = _own_msp(w, caller)
    accused = "PowerMSP" if mspid == "BankMSP" else "BankMSP"
    size = 10**9 + next_number()
    return w.submit(caller, "audit:alarm", json.dumps({
        "accused": accused, "size": size, "ours": _note(w, size, _ROOTS[0], mspid),
        "theirs": _note(w, size, _ROOTS[1], accused), "reason": "authz matrix"}))


def _audit_read(fn: str, *args: str) -> Call:
    return lambda w, c: (_signers(w), w.evaluate(c, fn, *args))


# -- consent (issue 14): each grant names a report version of its own, so grants never meet
BANK_STAFF = {"bank-admin", "bank-client"}
_consent_setup: dict[str, tuple[str, ...]] = {}


def _report(uscc: str) -> str:
    return f"CCR-{uscc}-20250101-20251231-v{next_number()}"


def _grant_text(uscc: str, rid: str) -> str:
    return json.dumps({"consent_id": f"c-{next_number()}", "uscc": uscc, "bank": "BankMSP",
                       "report_id": rid, "period": {"start": "2025-01-01", "end": "2025-12-31"},
                       "expires": "2099-01-01T00:00:00Z"})


def _granted(w: World) -> tuple[str, ...]:
    """A consent of e1 to BankMSP, granted by the enterprise: (uscc, report, bank, id)."""
    rid = _report(w.e1)
    text = _grant_text(w.e1, rid)
    w.submit("ent-own", "consent:grant", text)
    return (w.e1, rid, "BankMSP", json.loads(text)["consent_id"])


def _standing(w: World) -> tuple[str, ...]:
    if not _consent_setup:
        _consent_setup["c"] = _granted(w)
    return _consent_setup["c"]


def _other_consent(w: World) -> tuple[str, ...]:
    return (w.e2, _report(w.e2), "BankMSP", "c-1")


# -- loan (issue 14): a decision on the latest valid report, under a consent with access
_loan_consents: set[str] = set()


def _loan(w: World, c: str) -> Any:
    """loan:record by c; for the bank's staff the report is consented and accessed first."""
    authz_results._a_report(w, valid=True)
    status = authz_results._reports[-1]
    rid = status["id"]
    if c in BANK_STAFF:
        if rid not in _loan_consents:
            w.submit("ent-own", "consent:grant", json.dumps({
                "consent_id": f"c-{next_number()}", "uscc": w.e1, "bank": "BankMSP",
                "report_id": rid, "period": status["period"],
                "expires": "2099-01-01T00:00:00Z"}))
            _loan_consents.add(rid)
        w.submit(c, "consent:access", w.e1, rid)
    return w.submit(c, "loan:record", f"L-{next_number()}", rid, status["digest"],
                    "sha256:" + "ab" * 32)


CASES: dict[str, tuple[str, set[str], Call]] = {
    "loan:record": ("submit", BANK_STAFF, _loan),
    "loan:get": ("evaluate", BANK_STAFF, lambda w, c: (lambda out: w.evaluate(
        c, "loan:get", w.e1, out["report_id"], out["loan_id"]))(
            _loan(w, "bank-client"))),
    "consent:grant": ("submit", {"ent-own"}, lambda w, c: (lambda u: w.submit(
        c, "consent:grant", _grant_text(u, _report(u))))(_own_or_other(w, c))),
    "consent:revoke": ("submit", {"ent-own"}, lambda w, c: w.submit(
        c, "consent:revoke", *(_other_consent(w) if c == "ent-other" else _granted(w)))),
    "consent:access": ("submit", BANK_STAFF, lambda w, c: w.submit(
        c, "consent:access", *_standing(w)[:2])),
    "consent:get": ("evaluate", BANK_STAFF | REG | {"ent-own"}, lambda w, c: w.evaluate(
        c, "consent:get", *(_other_consent(w) if c == "ent-other" else _standing(w)))),
    "consent:list": ("evaluate", BANK_STAFF | REG | {"ent-own"}, lambda w, c: w.evaluate(
        c, "consent:list", _own_or_other(w, c), "10", "")),
    "registry:register_enterprise": ("submit", REG, lambda w, c: w.submit(
        c, "registry:register_enterprise", record(new_uscc(next_number())))),
    "registry:update_enterprise": ("submit", REG, lambda w, c: w.submit(
        c, "registry:update_enterprise", _target(w, c, REG), '{"name":"Renamed"}')),
    "registry:set_status": ("submit", REG, lambda w, c: w.submit(
        c, "registry:set_status", _target(w, c, REG), "suspended", "inspection")),
    "registry:bind_certificate": ("submit", REG, lambda w, c: (lambda u: w.submit(
        c, "registry:bind_certificate", u,
        w.enterprise_identity(u, f"b{next_number()}").cert_pem.decode()))(_target(w, c, REG))),
    "registry:add_meter": ("submit", REG, lambda w, c: w.submit(
        c, "registry:add_meter", w.e1, f"M-{next_number()}")),
    "registry:revoke_certificate": ("submit", REG | {"power-admin"}, lambda w, c: w.submit(
        c, "registry:revoke_certificate", issue_user(
            w.net, "PowerMSP", f"gw{next_number()}", {"role": "meter-gateway"}, "x")
        .cert_pem.decode(), "retired")),
    "registry:get_enterprise": ("evaluate", ALL | {"ent-own"}, lambda w, c: w.evaluate(
        c, "registry:get_enterprise", _own_or_other(w, c))),
    "registry:list_enterprises": ("evaluate", ALL, lambda w, c: w.evaluate(
        c, "registry:list_enterprises", "5", "")),
    "registry:get_meter": ("evaluate", ALL | {"ent-own", "gateway"}, lambda w, c: w.evaluate(
        c, "registry:get_meter", w.m2 if c == "ent-other" else w.m1)),
    "registry:history": ("evaluate", ALL | {"ent-own"}, lambda w, c: w.evaluate(
        c, "registry:history", _own_or_other(w, c))),
    "governance:propose": ("submit", {"regulator-admin"}, lambda w, c: w.submit(
        c, "governance:propose", "factor_set", "cn-2021", FS["cn-2021"],
        json.dumps({"orgs": ["BankMSP"], "required": 1}))),
    "governance:approve": ("submit", ADMINS - {"regulator-admin"}, lambda w, c: _proposed(w).submit(
        c, "governance:approve", "factor_set", "cn-2022", FS["cn-2022"])),
    "governance:activate": ("submit", {"regulator-admin"}, lambda w, c: _proposed(w).submit(
        c, "governance:activate", "rule_set", "zj-ce-2023")),
    "governance:get": ("evaluate", ALL | {"ent-own", "gateway"}, lambda w, c: _proposed(
        w).evaluate(c, "governance:get", "factor_set", "cn-2022")),
    "governance:list": ("evaluate", ALL | {"ent-own", "gateway"}, lambda w, c: w.evaluate(
        c, "governance:list", "factor_set")),
    "governance:in_force": ("evaluate", ALL | {"ent-own", "gateway"}, lambda w, c: _in_force(
        w).evaluate(c, "governance:in_force", "factor_set")),
    "operating:declare": ("submit", {"ent-own"}, _declare),
    "operating:get": ("evaluate", {"certifier-admin", "certifier-client", "regulator-admin",
                                   "regulator-client", "ent-own"}, lambda w, c: w.evaluate(
        c, "operating:get", _own_or_other(w, c), "2024-01-01", "2024-12-31")),
    "identity:whoami": ("evaluate", set(CALLERS) - {"revoked"}, lambda w, c: w.evaluate(
        c, "identity:whoami")),
    "audit:register_key": ("submit", ADMINS, _register_key),
    "audit:keys": ("evaluate", ALL, _audit_read("audit:keys")),
    "audit:sign": ("submit", ALL, _sign),
    "audit:signatures": ("evaluate", ALL, _audit_read("audit:signatures", "5")),
    "audit:anchor": ("submit", ALL, _anchor),
    "audit:head": ("evaluate", ALL, _audit_read("audit:head")),
    "audit:anchors": ("evaluate", ALL, _audit_read("audit:anchors", "0")),
    "audit:alarm": ("submit", ALL, _alarm),
    "audit:history": ("evaluate", ALL, lambda w, c: w.evaluate(c, "audit:history",
                                                               "enterprise", w.e1)),
    "readings:submit_batch": ("submit", {"gateway"}, lambda w, c: w.submit(
        c, "readings:submit_batch", transient=_day_batch(w), orgs=MEMBERS)),
    "readings:correct": ("submit", {"gateway", "power-admin"}, _correct),
    "readings:locate": ("evaluate", READERS | {"ent-own"}, lambda w, c: w.evaluate(
        c, "readings:locate", w.m2 if c == "ent-other" else w.m1, _recorded(w)["interval"])),
    "readings:get_batch": ("evaluate", READERS | {"gateway"}, lambda w, c: w.evaluate(
        c, "readings:get_batch", _recorded(w)["batch_id"])),
    "account:totals": ("evaluate", READERS | {"ent-own"}, lambda w, c: w.evaluate(
        c, "account:totals", _own_or_other(w, c), "2026-07-01", "2026-07-31")),
    **authz_results.CASES,
}
RULE = {
    **{f"registry:{f}": "registry.write" for f in ("register_enterprise", "update_enterprise",
                                                     "set_status", "bind_certificate",
                                                     "add_meter")},
    "registry:get_enterprise": "registry.read", "registry:history": "registry.read",
    "registry:list_enterprises": "registry.list", "registry:get_meter": "registry.meter.read",
    "registry:revoke_certificate": "registry.revoke",
    "governance:propose": "governance.propose", "governance:approve": "governance.approve",
    "governance:activate": "governance.activate", "governance:get": "governance.read",
    "governance:list": "governance.read", "governance:in_force": "governance.read",
    "operating:declare": "operating.declare", "operating:get": "operating.read",
    "identity:whoami": "identity.whoami",
    "audit:register_key": "audit.register_key", "audit:keys": "audit.read",
    "audit:sign": "audit.sign", "audit:signatures": "audit.read",
    "audit:anchor": "audit.anchor", "audit:head": "audit.read", "audit:anchors": "audit.read",
    "audit:alarm": "audit.alarm", "audit:history": "audit.history",
    "readings:submit_batch": "readings.submit", "readings:correct": "readings.correct",
    "readings:locate": "readings.read", "readings:get_batch": "readings.batch",
    "account:totals": "account.totals",
    "consent:grant": "consent.grant", "consent:revoke": "consent.revoke",
    "consent:access": "consent.access", "consent:get": "consent.read",
    "loan:record": "loan.record", "loan:get": "loan.record",
    "consent:list": "consent.read",
    **authz_results.RULE,
}
# an admin, but of the proposer's organisation, which no policy names
RULE_FOR = {("governance:approve", "regulator-admin"): "governance.approve.member"}
PER_ENTERPRISE = {"registry:get_enterprise", "registry:get_meter", "registry:history",
                  "operating:get", "readings:locate", "account:totals", "consent:grant",
                  "consent:revoke", "consent:get", "consent:list",
                  *authz_results.PER_ENTERPRISE}
MATRIX = [(fn, c) for fn in CASES for c in CALLERS
          if c != "ent-other" or fn in PER_ENTERPRISE]



def test_every_transaction_is_in_the_matrix() -> None:
    from chaincode.carbon import contracts
    from chaincode.shim import Dispatcher
    assert set(Dispatcher(*contracts(test_contracts=False)).table) == set(CASES)


@pytest.mark.parametrize(("fn", "caller"), MATRIX)
def test_matrix(world: World, fn: str, caller: str) -> None:
    _kind, allowed, call = CASES[fn]
    if fn == "operating:get" and not _gov_setup.get("declared"):
        t = world.declaration(world.e1, world.who["ent-own"], 2024)
        world.submit("ent-own", "operating:declare", transient=t,
                     orgs=("CertifierMSP", "RegulatorMSP"))
        _gov_setup["declared"] = True
    if caller in allowed:
        call(world, caller)   # raises EvaluateError / EndorseError / CommitError if refused
        return
    with pytest.raises(g.GatewayError) as err:
        call(world, caller)
    rule = ("identity.not_revoked" if caller == "revoked"
            else RULE_FOR.get((fn, caller), RULE[fn]))
    text = str(err.value)
    assert f"refused by rule {rule}:" in text, text
