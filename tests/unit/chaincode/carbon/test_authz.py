"""The authorisation matrix at unit level: every transaction x every kind of caller.

The expected sets below are the issue's words written out by hand (not read back from
chaincode/carbon/_rules.py): the regulator writes the registry; every organisation reads it,
an enterprise only its own records; governance is proposed and activated by the regulator's
admin and approved by the policy's organisations' admins; operating data is declared by the
enterprise itself and read by certifier, regulator and the enterprise; whoami is open.  A
revoked certificate is refused everywhere.  Each allowed call must succeed (200) and each
refusal must be 403 naming the rule.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

import pytest

from verifier.report import canonical_bytes

from . import report_world as rpt
from . import results_world as rw
from .audit_notaries import Notaries
from .audit_notaries import binding as notary_binding
from .conftest import E1, E2, E3, World, build_world, record
from .identities import enterprise, issue, meter_gateway
from .test_consent import RID, RID2
from .test_consent import grant as consent_grant
from .test_operating import declaration_transient
from .test_readings import batch_transient, correction_transient, day_of, reading, submit

STAFF = [f"{o}-{k}" for o in ("power", "certifier", "bank", "regulator")
         for k in ("admin", "client")]
CALLERS = [*STAFF, "ent-own", "ent-other", "gateway", "revoked"]
REG = {"regulator-admin", "regulator-client"}
ALL_STAFF = set(STAFF)
POLICY = json.dumps({"orgs": ["PowerMSP", "CertifierMSP", "BankMSP"], "required": 2})


def _shipped(kind: str, version: str) -> str:
    import accounting
    return str((accounting.load_factor_set(version) if kind == "factor_set"
                else accounting.load_rule_set(version)).digest)


FS = _shipped("factor_set", "cn-2022")


def _proposed(w: World) -> None:
    w.ok("regulator-admin", "governance:propose", "factor_set", "cn-2022", FS, POLICY)


def _approved(w: World) -> None:
    _proposed(w)
    w.ok("power-admin", "governance:approve", "factor_set", "cn-2022", FS)
    w.ok("bank-admin", "governance:approve", "factor_set", "cn-2022", FS)


def _active(w: World) -> None:
    _approved(w)
    w.ok("regulator-admin", "governance:activate", "factor_set", "cn-2022")


def _declared(w: World) -> None:
    w.ok("ent1", "operating:declare", transient=declaration_transient(w["ent1"], E1))


def _nothing(w: World) -> None:
    pass


def _readings(w: World) -> None:
    submit(w, day_of(count=2))


def _batch_id(w: World) -> str:
    return str(w.ok("regulator-admin", "readings:locate", "M-1",
                    reading().interval_start.isoformat())["batch_id"])


PRIVATE = {"power-admin", "power-client", "certifier-admin", "certifier-client",
           "regulator-admin", "regulator-client"}
POWER_STAFF = {"power-admin", "power-client"}


def _notaries(w: World) -> None:
    w.notaries = Notaries(w)  # type: ignore[attr-defined]
    w.notaries.register()  # type: ignore[attr-defined]


def _notary_binding(w: World) -> tuple:
    import notary
    key = notary.Signer.generate("PowerMSP/notary").verifier
    return (json.dumps(notary_binding(w["power-admin"], key)),)


def _alarm(w: World) -> tuple:
    import notary
    n = w.notaries  # type: ignore[attr-defined]
    forged = notary.MemoryTree.from_entries([b"forged"] * 5)
    return (json.dumps({"accused": "BankMSP", "size": 5, "ours": n.signed(5, "PowerMSP"),
                        "theirs": n.signed(5, "BankMSP", tree=forged), "reason": "r"}),)


def _results_ready(w: World) -> None:
    rw.prepare(w, correct=False)


def _computed(w: World) -> None:
    _results_ready(w)
    rw.compute(w)


def _attested(w: World) -> None:
    _computed(w)
    assert rw.attest(w, w.ok("regulator-client", "results:get", E1, rw.START, rw.END,
                             "")).status == 200


def _rated(w: World) -> None:
    _attested(w)
    assert rw.rate(w).status == 200


def _issued(w: World) -> None:
    _rated(w)
    assert rpt.issue(w, rpt.report(w)).status == 200


def _attest_args(w: World, who: str) -> tuple:
    """A statement signed by the caller itself, naming itself (as the CLI makes it)."""
    result = w.ok("regulator-client", "results:get", E1, rw.START, rw.END, "")
    return rw.signed(w[who], rw.statement(w[who], rw.fingerprint(w[who]), result))


def _consent_granted(w: World) -> None:
    w.ok("ent1", "consent:grant", consent_grant(expires=CONSENT_EXPIRES))


def _loan_ready(w: World) -> None:
    """A report issued, the bank's consent to it granted and its access recorded."""
    _issued(w)
    w.ok("ent1", "consent:grant", consent_grant(rid=LOAN_RID, expires=CONSENT_EXPIRES,
                                                period={"start": rw.START, "end": rw.END}))
    w.ok("bank-client", "consent:access", E1, LOAN_RID)


def _loan_args(w: World) -> tuple:
    status = w.ok("bank-client", "report:status", *PERIOD, "")
    return ("L-1", LOAN_RID, status["digest"], "sha256:" + "ab" * 32)


def _loan_recorded(w: World) -> None:
    _loan_ready(w)
    w.ok("bank-client", "loan:record", *_loan_args(w))


CONSENT_EXPIRES = "2030-01-01T00:00:00Z"
LOAN_RID = f"CCR-{E1}-{rw.START.replace('-', '')}-{rw.END.replace('-', '')}-v1"
CONSENT = (E1, RID, "BankMSP", "c-1")
OTHER_CONSENT = (E2, RID2, "BankMSP", "c-1")
BANK_STAFF = {"bank-admin", "bank-client"}
PERIOD = (E1, rw.START, rw.END)
OTHER_PERIOD = (E2, rw.START, rw.END)
RESULTS_WRITERS = {"certifier-admin", "certifier-client", "regulator-admin",
                   "regulator-client", "ent-own"}
SALTED = {"results:compute", "rating:compute"}

# transaction -> (setup, args for ent-own / everyone, args when ent-other, allowed callers)
Case = tuple[Callable[[World], None], Callable[[World], tuple], Callable[[World], tuple] | None,
             set[str]]
CASES: dict[str, Case] = {
    "registry:register_enterprise": (_nothing, lambda w: (record(E3),), None, REG),
    "registry:get_enterprise": (_nothing, lambda w: (E1,), lambda w: (E2,),
                                ALL_STAFF | {"ent-own"}),
    "registry:list_enterprises": (_nothing, lambda w: ("10", ""), None, ALL_STAFF),
    "registry:update_enterprise": (_nothing, lambda w: (E1, '{"name":"New"}'), None, REG),
    "registry:set_status": (_nothing, lambda w: (E1, "suspended", "audit"), None, REG),
    "registry:bind_certificate": (_nothing, lambda w: (E1, enterprise(E1).pem.decode()),
                                  None, REG),
    "registry:add_meter": (_nothing, lambda w: (E1, "M-9"), None, REG),
    "registry:get_meter": (_nothing, lambda w: ("M-1",), lambda w: ("M-2",),
                           ALL_STAFF | {"ent-own", "gateway"}),
    "registry:history": (_nothing, lambda w: (E1,), lambda w: (E2,),
                         ALL_STAFF | {"ent-own"}),
    "registry:revoke_certificate": (_nothing, lambda w: (meter_gateway("gw9").pem.decode(),
                                                         "key lost"), None,
                                    REG | {"power-admin"}),
    "governance:propose": (_nothing, lambda w: ("factor_set", "cn-2022", FS, POLICY), None,
                           {"regulator-admin"}),
    "governance:approve": (_proposed, lambda w: ("factor_set", "cn-2022", FS), None,
                           {f"{o}-admin" for o in ("power", "certifier", "bank")}),
    "governance:activate": (_approved, lambda w: ("factor_set", "cn-2022"), None,
                            {"regulator-admin"}),
    "governance:get": (_proposed, lambda w: ("factor_set", "cn-2022"), None,
                       ALL_STAFF | {"ent-own", "gateway"}),
    "governance:list": (_proposed, lambda w: ("factor_set",), None,
                        ALL_STAFF | {"ent-own", "gateway"}),
    "governance:in_force": (_active, lambda w: ("factor_set",), None,
                            ALL_STAFF | {"ent-own", "gateway"}),
    "operating:declare": (_nothing, lambda w: (), None, {"ent-own"}),
    "operating:get": (_declared, lambda w: (E1, "2025-01-01", "2025-12-31"),
                      lambda w: (E2, "2025-01-01", "2025-12-31"),
                      {"certifier-admin", "certifier-client", "regulator-admin",
                       "regulator-client", "ent-own"}),
    "identity:whoami": (_nothing, lambda w: (), None, set(CALLERS) - {"revoked"}),
    "readings:submit_batch": (_nothing, lambda w: (), None, {"gateway"}),
    "readings:correct": (_readings, lambda w: (), None, {"gateway", "power-admin"}),
    "readings:locate": (_readings, lambda w: ("M-1", reading().interval_start.isoformat()),
                        lambda w: ("M-2", reading().interval_start.isoformat()),
                        PRIVATE | {"ent-own"}),
    "readings:get_batch": (_readings, lambda w: (_batch_id(w),), None, PRIVATE | {"gateway"}),
    "account:totals": (_readings, lambda w: (E1, "2023-11-13", "2023-11-13"),
                       lambda w: (E2, "2023-11-13", "2023-11-13"), PRIVATE | {"ent-own"}),
    "audit:register_key": (_nothing, _notary_binding, None, {"power-admin"}),
    "audit:keys": (_notaries, lambda w: (), None, ALL_STAFF),
    "audit:sign": (_notaries, lambda w: (w.notaries.signed(5, "PowerMSP"),), None,
                   POWER_STAFF),
    "audit:signatures": (_nothing, lambda w: ("5",), None, ALL_STAFF),
    "audit:anchor": (_notaries, lambda w: (w.notaries.signed(5, "PowerMSP", "BankMSP",
                                                             "RegulatorMSP"), "[]"), None,
                     ALL_STAFF),
    "audit:head": (_nothing, lambda w: (), None, ALL_STAFF),
    "audit:anchors": (_nothing, lambda w: ("0",), None, ALL_STAFF),
    "audit:alarm": (_notaries, _alarm, None, POWER_STAFF),
    "audit:history": (_nothing, lambda w: ("enterprise", E1), None, ALL_STAFF),
    "results:compute": (_results_ready, lambda w: (*PERIOD, ""), lambda w: (*OTHER_PERIOD, ""),
                        RESULTS_WRITERS),
    "results:preview": (_results_ready, lambda w: (*PERIOD, ""), lambda w: (*OTHER_PERIOD, ""),
                        RESULTS_WRITERS),
    "results:get": (_computed, lambda w: (*PERIOD, ""), lambda w: (*OTHER_PERIOD, ""),
                    PRIVATE | {"ent-own"}),
    "attestation:attest": (_computed, lambda w: (), None,   # args: _attest_args
                           {"certifier-admin", "certifier-client"}),
    "attestation:withdraw": (_attested, lambda w: (*PERIOD, "1", "found faulty"), None,
                             {"certifier-admin", "certifier-client"}),
    "attestation:get": (_attested, lambda w: (*PERIOD, ""), lambda w: (*OTHER_PERIOD, ""),
                        ALL_STAFF | {"ent-own"}),
    "attestation:status": (_attested, lambda w: (*PERIOD, "1"), lambda w: (*OTHER_PERIOD, "1"),
                           ALL_STAFF | {"ent-own"}),
    "rating:compute": (_attested, lambda w: (*PERIOD, ""), lambda w: (*OTHER_PERIOD, ""),
                       RESULTS_WRITERS),
    "rating:get": (_rated, lambda w: (*PERIOD, ""), lambda w: (*OTHER_PERIOD, ""),
                   PRIVATE | {"ent-own"}),
    "report:issue": (_rated, lambda w: PERIOD, lambda w: OTHER_PERIOD, RESULTS_WRITERS),
    "report:withdraw": (_issued, lambda w: (*PERIOD, "1", "figures wrong"), None,
                        RESULTS_WRITERS - {"ent-own"}),
    "report:openings": (_rated, lambda w: (*PERIOD, ""), lambda w: (*OTHER_PERIOD, ""),
                        {"certifier-admin", "certifier-client", "regulator-admin",
                         "regulator-client", "ent-own"}),
    "report:status": (_issued, lambda w: (*PERIOD, ""), lambda w: (*OTHER_PERIOD, ""),
                      ALL_STAFF | {"ent-own"}),
    "report:get": (_issued, lambda w: (*PERIOD, ""), lambda w: (*OTHER_PERIOD, ""),
                   PRIVATE | {"ent-own"}),
    "consent:grant": (_nothing, lambda w: (consent_grant(expires=CONSENT_EXPIRES),),
                      lambda w: (consent_grant(E2, RID2, expires=CONSENT_EXPIRES),),
                      {"ent-own"}),
    "consent:revoke": (_consent_granted, lambda w: CONSENT, lambda w: OTHER_CONSENT,
                       {"ent-own"}),
    "consent:access": (_consent_granted, lambda w: (E1, RID), None, BANK_STAFF),
    "consent:get": (_consent_granted, lambda w: CONSENT, lambda w: OTHER_CONSENT,
                    BANK_STAFF | REG | {"ent-own"}),
    "consent:list": (_consent_granted, lambda w: (E1, "10", ""), lambda w: (E2, "10", ""),
                     BANK_STAFF | REG | {"ent-own"}),
    "loan:record": (_loan_ready, _loan_args, None, BANK_STAFF),
    "loan:get": (_loan_recorded, lambda w: (E1, LOAN_RID, "L-1"), None, BANK_STAFF),
}


RULE = {  # the rule a refusal of each transaction names
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
    "readings:submit_batch": "readings.submit", "readings:correct": "readings.correct",
    "readings:locate": "readings.read", "readings:get_batch": "readings.batch",
    "account:totals": "account.totals",
    "audit:register_key": "audit.register_key", "audit:keys": "audit.read",
    "audit:sign": "audit.sign", "audit:signatures": "audit.read",
    "audit:anchor": "audit.anchor", "audit:head": "audit.read", "audit:anchors": "audit.read",
    "audit:alarm": "audit.alarm", "audit:history": "audit.history",
    "results:compute": "results.compute", "results:preview": "results.compute",
    "results:get": "results.read", "attestation:attest": "attestation.attest",
    "attestation:withdraw": "attestation.withdraw", "attestation:get": "attestation.read",
    "attestation:status": "attestation.read",
    "rating:compute": "rating.compute", "rating:get": "rating.read",
    "report:issue": "report.issue", "report:withdraw": "report.withdraw",
    "report:status": "report.status", "report:get": "report.read",
    "report:openings": "report.issue",
    "consent:grant": "consent.grant", "consent:revoke": "consent.revoke",
    "consent:access": "consent.access", "consent:get": "consent.read",
    "consent:list": "consent.read", "loan:record": "loan.record", "loan:get": "loan.record",
}

# an admin, but of the proposer's organisation, which no policy names
RULE_FOR = {("governance:approve", "regulator-admin"): "governance.approve.member"}


def _world_for(caller: str) -> tuple[World, str]:
    w = build_world()
    if caller == "revoked":
        w.ids["revoked"] = issue("RegulatorMSP", "admin", "Admin2@regulator")
        w.ok("regulator-admin", "registry:revoke_certificate", w["revoked"].pem.decode(),
             "compromised")
        return w, "revoked"
    return w, {"ent-own": "ent1", "ent-other": "ent1"}.get(caller, caller)


# "ent-other" only where a transaction is about one enterprise's records
MATRIX = [(fn, c) for fn in sorted(CASES) for c in CALLERS
          if c != "ent-other" or CASES[fn][2] is not None]


@pytest.mark.parametrize(("fn", "caller"), MATRIX)
def test_matrix(fn: str, caller: str) -> None:
    setup, own_args, other_args, allowed = CASES[fn]
    w, who = _world_for(caller)
    setup(w)
    args = (other_args or own_args)(w) if caller == "ent-other" else own_args(w)
    if fn == "attestation:attest":
        args = _attest_args(w, who)
    transient = (declaration_transient(w["ent1"], E1) if fn == "operating:declare" else
                 batch_transient(day_of(count=1)) if fn == "readings:submit_batch" else
                 correction_transient(w, reading(qty="9"), batch_id=_batch_id(w))
                 if fn == "readings:correct" else
                 {"salt": rw.RESULT_SALT} if fn in SALTED else
                 {"report": canonical_bytes(rpt.report(w))} if fn == "report:issue" else None)
    res = w.call(who, fn, *args, transient=transient)
    if caller in allowed:
        assert res.status == 200, (fn, caller, res.message)
    else:
        assert res.status == 403, (fn, caller, res.status, res.message)
        assert res.message.startswith("refused by rule "), res.message
        rule = res.message.split()[3].rstrip(":")
        want = ("identity.not_revoked" if caller == "revoked"
                else RULE_FOR.get((fn, caller), RULE[fn]))
        assert rule == want, res.message
    w.ledger.close()


def test_every_transaction_is_in_the_matrix() -> None:
    from chaincode.carbon import contracts
    from chaincode.shim import Dispatcher
    assert sorted(Dispatcher(*contracts(test_contracts=False)).table) == sorted(CASES)


def test_enterprise_identity_under_another_msp_is_not_an_enterprise(world: World) -> None:
    fake = enterprise(E1, mspid="PowerMSP")
    res = world.call(fake, "registry:get_enterprise", E1)
    assert res.status == 403 and "identity.enterprise_registered" in res.message


def test_unbound_enterprise_certificate_is_refused(world: World) -> None:
    other_cert = enterprise(E1)  # right attributes, but not the certificate bound to E1
    res = world.call(other_cert, "registry:get_enterprise", E1)
    assert res.status == 403 and "identity.enterprise_registered" in res.message
    assert "not the one bound" in res.message


def test_rebinding_moves_the_enterprise_to_the_new_certificate(world: World) -> None:
    new = enterprise(E1)
    world.ok("regulator-admin", "registry:bind_certificate", E1, new.pem.decode())
    assert world.call("ent1", "registry:get_enterprise", E1).status == 403
    assert world.ok(new, "registry:get_enterprise", E1)["uscc"] == E1


def test_revoked_enterprise_certificate_is_refused(world: World) -> None:
    world.ok("regulator-admin", "registry:revoke_certificate", world["ent1"].pem.decode(),
             "key lost")
    res = world.call("ent1", "registry:get_enterprise", E1)
    assert res.status == 403 and res.message.startswith(
        "refused by rule identity.not_revoked:")
    assert "key lost" in res.message


def test_each_party_revokes_only_its_own(world: World) -> None:
    """Revocation locks an identity out of everything: the regulator may not lock out the
    bank's staff (by fingerprint or PEM), the bank's admin may; a bare fingerprint is only
    accepted for the caller's own certificate."""
    bank_pem = world["bank-client"].pem.decode()
    fp = world.ok("bank-client", "identity:whoami")["fingerprint"]
    for who, what in (("regulator-client", fp), ("regulator-admin", bank_pem),
                      ("power-admin", bank_pem), ("bank-admin", fp)):
        res = world.call(who, "registry:revoke_certificate", what, "left the bank")
        assert res.status == 403 and res.message.startswith(
            "refused by rule registry.revoke:"), (who, res.message)
    assert world.call("bank-client", "identity:whoami").status == 200
    world.ok("bank-admin", "registry:revoke_certificate", bank_pem, "left the bank")
    assert world.call("bank-client", "identity:whoami").status == 403
    own = world.ok("certifier-admin", "identity:whoami")["fingerprint"]
    world.ok("certifier-admin", "registry:revoke_certificate", own, "key exposed")
    assert world.call("certifier-admin", "identity:whoami").status == 403


def test_power_admin_revokes_only_meter_gateway_certificates(world: World) -> None:
    res = world.call("power-admin", "registry:revoke_certificate",
                     world["ent1"].pem.decode(), "x")
    assert res.status == 403 and "registry.revoke" in res.message and "role=enterprise" \
        in res.message
    fp = world.ok("bank-client", "identity:whoami")["fingerprint"]
    res = world.call("power-admin", "registry:revoke_certificate", fp, "x")
    assert res.status == 403 and "bare fingerprint" in res.message
    world.ok("power-admin", "registry:revoke_certificate", world["gateway"].pem.decode(), "x")
    assert world.call("gateway", "registry:get_meter", "M-1").status == 403


def test_suspended_enterprise_reads_but_cannot_declare(world: World) -> None:
    world.ok("regulator-admin", "registry:set_status", E1, "suspended", "inspection")
    assert world.ok("ent1", "registry:get_enterprise", E1)["status"] == "suspended"
    res = world.call("ent1", "operating:declare",
                     transient=declaration_transient(world["ent1"], E1))
    assert res.status == 403 and "operating.declare" in res.message and "suspended" \
        in res.message


def test_peer_identity_is_refused_everywhere_but_whoami(world: World) -> None:
    peer = issue("RegulatorMSP", "peer", "peer0.regulator")
    assert world.call(peer, "registry:get_enterprise", E1).status == 403
    assert world.ok(peer, "identity:whoami")["role"] == "peer"


def test_contracts_include_the_probe_only_with_the_test_flag(monkeypatch) -> None:
    from chaincode.carbon import contracts
    monkeypatch.delenv("CARBONTRUST_CC_TEST_CONTRACTS", raising=False)
    assert [c.name for c in contracts()] == ["registry", "governance", "operating",
                                             "identity", "readings", "account", "audit",
                                             "results", "attestation", "rating", "consent",
                                             "report", "loan"]
    monkeypatch.setenv("CARBONTRUST_CC_TEST_CONTRACTS", "1")
    assert "Probe" in [type(c).__name__ for c in contracts()]
    assert os.environ["CARBONTRUST_CC_TEST_CONTRACTS"] == "1"


def test_meter_gateway_attribute_under_another_msp_is_refused(world: World) -> None:
    fake = meter_gateway(mspid="RegulatorMSP")
    res = world.call(fake, "registry:get_meter", "M-1")
    assert res.status == 403 and res.message.startswith("refused by rule registry.meter.read:")
    assert "RegulatorMSP meter-gateway" in res.message


def test_enterprise_identity_is_not_a_regulator_client(world: World) -> None:
    """An enterprise certificate is a RegulatorMSP client (OU client), yet never passes the
    regulator's rules."""
    res = world.call("ent1", "registry:register_enterprise", record(E3))
    assert res.status == 403 and res.message.startswith("refused by rule registry.write:")
    assert "RegulatorMSP enterprise uscc=" + E1 in res.message
    assert world.ok("ent1", "identity:whoami")["ou"] == "client"
