"""The authorisation rules: every rule id, who it lets in, and the one check that applies them.

Each transaction calls ``await require(stub, rule_id, uscc=...)`` first.  A refusal is
``ContractError(403)`` whose message starts ``refused by rule <rule-id>:`` and says what
the rule needs and what was found.  Checks, in order:

1. ``identity.not_revoked``: the caller's certificate (SHA-256 of its DER) is not in the
   ledger's revocation list (registry:revoke_certificate), for every transaction.
2. the rule's table entry: the caller's MSP id and kind (see _identity.py: NodeOU role, or
   the attribute role=enterprise / role=meter-gateway).
3. for enterprises (``identity.enterprise_registered``): issued under RegulatorMSP, carries
   a uscc, the enterprise record exists, its bound certificate is this one, and (for rules
   that write) the record is active; for rules marked *own*, the uscc the transaction is about
   is the caller's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chaincode.shim import ContractError, Stub

from ._identity import Caller, caller
from ._records import get_json, load_enterprise, revoked_key

REGULATOR, POWER, CERTIFIER, BANK = "RegulatorMSP", "PowerMSP", "CertifierMSP", "BankMSP"
ORGS = (POWER, CERTIFIER, BANK, REGULATOR)
BANKS = (BANK,)  # the organisations a consent may name (consent:grant's bank)
STAFF = frozenset({"admin", "client"})
ADMIN = frozenset({"admin"})


@dataclass(frozen=True)
class Rule:
    """Who may: org members ((MSP id, kind) pairs), enterprises, meter gateways."""

    staff: frozenset[tuple[str, str]]
    enterprise: str = ""         # "" no, "own" its own records only, "any" any record
    enterprise_active: bool = False
    meter_gateway: bool = False
    anyone: bool = False
    says: str = ""

    def admits_staff(self, c: Caller) -> bool:
        return self.anyone or (c.mspid, c.kind) in self.staff


def _r(orgs: tuple[str, ...], kinds: frozenset[str], says: str, **kw: Any) -> Rule:
    return Rule(frozenset((o, k) for o in orgs for k in kinds), says=says, **kw)


RULES: dict[str, Rule] = {
    "registry.write": _r((REGULATOR,), STAFF, "a RegulatorMSP admin or client (not an "
                         "enterprise or meter-gateway identity)"),
    "registry.read": _r(ORGS, STAFF, "an admin or client of a channel organisation, or the "
                        "enterprise itself", enterprise="own"),
    "registry.list": _r(ORGS, STAFF, "an admin or client of a channel organisation"),
    "registry.meter.read": _r(ORGS, STAFF, "an admin or client of a channel organisation, "
                              "the meter's enterprise, or a meter gateway",
                              enterprise="own", meter_gateway=True),
    "registry.revoke": Rule(frozenset({(REGULATOR, "client")} | {(o, "admin") for o in ORGS}),
                            says=("a RegulatorMSP admin or client (enterprise and meter-gateway "
                                  "certificates), a PowerMSP admin (meter gateways), an "
                                  "organisation's admin (certificates of its own CA)")),
    "governance.propose": _r((REGULATOR,), ADMIN, "a RegulatorMSP admin"),
    "governance.approve": _r(ORGS, ADMIN, "an admin of an organisation the version's "
                             "policy names"),
    "governance.approve.member": _r(ORGS, ADMIN, "an admin of an organisation the "
                                    "version's policy names (checked against the policy)"),
    "governance.activate": _r((REGULATOR,), ADMIN, "a RegulatorMSP admin"),
    "governance.read": _r(ORGS, STAFF, "any channel identity in good standing",
                          enterprise="any", meter_gateway=True),
    "operating.declare": _r((), frozenset(), "the enterprise itself, registered and active",
                            enterprise="own", enterprise_active=True),
    "operating.read": _r((CERTIFIER, REGULATOR), STAFF, "a CertifierMSP or RegulatorMSP "
                         "admin or client, or the enterprise itself", enterprise="own"),
    "identity.whoami": _r((), frozenset(), "any identity whose certificate is not revoked",
                          anyone=True),
    "readings.submit": _r((), frozenset(), "a PowerMSP meter-gateway identity",
                          meter_gateway=True),
    "readings.correct": _r((POWER,), ADMIN, "a PowerMSP meter-gateway identity or a "
                           "PowerMSP admin", meter_gateway=True),
    "readings.read": _r((POWER, CERTIFIER, REGULATOR), STAFF, "an admin or client of "
                        "PowerMSP, CertifierMSP or RegulatorMSP, or the enterprise itself",
                        enterprise="own"),
    "readings.batch": _r((POWER, CERTIFIER, REGULATOR), STAFF, "an admin or client of "
                         "PowerMSP, CertifierMSP or RegulatorMSP, or a meter gateway",
                         meter_gateway=True),
    "account.totals": _r((POWER, CERTIFIER, REGULATOR), STAFF, "an admin or client of "
                         "PowerMSP, CertifierMSP or RegulatorMSP, or the enterprise itself",
                         enterprise="own"),
    # results, attestation, rating (issue 13, docs/results.md)
    "results.compute": _r((CERTIFIER, REGULATOR), STAFF, "an admin or client of "
                          "CertifierMSP or RegulatorMSP, or the enterprise itself, active",
                          enterprise="own", enterprise_active=True),
    "results.read": _r((POWER, CERTIFIER, REGULATOR), STAFF, "an admin or client of "
                       "PowerMSP, CertifierMSP or RegulatorMSP, or the enterprise itself",
                       enterprise="own"),
    "attestation.attest": _r((CERTIFIER,), STAFF, "a CertifierMSP admin or client"),
    "attestation.withdraw": _r((CERTIFIER,), STAFF, "a CertifierMSP admin or client"),
    "attestation.read": _r(ORGS, STAFF, "an admin or client of a channel organisation, or "
                           "the enterprise itself", enterprise="own"),
    "rating.compute": _r((CERTIFIER, REGULATOR), STAFF, "an admin or client of "
                         "CertifierMSP or RegulatorMSP, or the enterprise itself, active",
                         enterprise="own", enterprise_active=True),
    "rating.read": _r((POWER, CERTIFIER, REGULATOR), STAFF, "an admin or client of "
                      "PowerMSP, CertifierMSP or RegulatorMSP, or the enterprise itself",
                      enterprise="own"),
    # the report (issue 13, docs/report.md)
    "report.issue": _r((CERTIFIER, REGULATOR), STAFF, "an admin or client of CertifierMSP "
                       "or RegulatorMSP, or the enterprise itself, active",
                       enterprise="own", enterprise_active=True),
    "report.withdraw": _r((CERTIFIER, REGULATOR), STAFF, "an admin or client of "
                          "CertifierMSP or RegulatorMSP"),
    "report.read": _r((POWER, CERTIFIER, REGULATOR), STAFF, "an admin or client of "
                      "PowerMSP, CertifierMSP or RegulatorMSP, or the enterprise itself",
                      enterprise="own"),
    "report.status": _r(ORGS, STAFF, "an admin or client of a channel organisation, or the "
                        "enterprise itself", enterprise="own"),
    # consent (issue 14, docs/consent.md)
    "consent.grant": _r((), frozenset(), "the enterprise itself, registered and active, "
                        "granting for its own report", enterprise="own", enterprise_active=True),
    "consent.revoke": _r((), frozenset(), "the enterprise itself, revoking its own consent",
                         enterprise="own"),
    "consent.access": _r(BANKS, STAFF, "an admin or client of a bank organisation"),
    "consent.read": _r((BANK, REGULATOR), STAFF, "an admin or client of RegulatorMSP or of "
                       "the bank a consent names, or the enterprise itself", enterprise="own"),
    # the bank's loan decisions (issue 14, chaincode/carbon/_loan.py)
    "loan.record": _r(BANKS, STAFF, "an admin or client of a bank organisation"),
    "audit.register_key": _r(ORGS, ADMIN, "an organisation's admin binding its own "
                             "organisation's notary key with its own certificate"),
    "audit.read": _r(ORGS, STAFF, "an admin or client of a channel organisation"),
    "audit.sign": _r(ORGS, STAFF, "an admin or client of an organisation with a registered "
                     "notary key, signing with that key"),
    "audit.anchor": _r(ORGS, STAFF, "an admin or client of a channel organisation"),
    "audit.alarm": _r(ORGS, STAFF, "an admin or client of an organisation with a registered "
                      "notary key, whose checkpoint is signed with that key"),
    "audit.history": _r(ORGS, STAFF, "an admin or client of a channel organisation (not an "
                        "enterprise or meter-gateway identity)"),
}


def refused(rule_id: str, found: str) -> ContractError:
    return ContractError(f"refused by rule {rule_id}: {found}", 403)


async def check_not_revoked(stub: Stub, c: Caller) -> None:
    entry = await get_json(stub, revoked_key(c.fingerprint))
    if entry is not None:
        raise refused("identity.not_revoked", f"certificate {c.fingerprint} of {c.mspid} "
                      f"(serial {c.serial}) was revoked in tx {entry.get('tx_id', '?')}: "
                      f"{entry.get('reason', '')}")


async def check_enterprise(stub: Stub, c: Caller, rule_id: str, rule: Rule,
                           uscc: str | None) -> None:
    """The enterprise-specific checks (the caller's kind is enterprise and the rule admits
    enterprises)."""
    if c.mspid != REGULATOR or not c.uscc:
        raise refused("identity.enterprise_registered", f"an enterprise identity must be "
                      f"issued under {REGULATOR} with a uscc attribute; found {c.describe()}")
    if rule.enterprise == "own" and uscc is None:
        raise RuntimeError(f"rule {rule_id} admits an enterprise on its own records only; "
                           "the transaction must say whose records it touches")
    if rule.enterprise == "own" and uscc != c.uscc:
        raise refused(rule_id, f"needs {rule.says}; found enterprise {c.uscc} acting on "
                      f"{uscc}")
    record = await load_enterprise(stub, c.uscc)
    if record is None:
        raise refused("identity.enterprise_registered", f"enterprise {c.uscc} is not "
                      "registered")
    bound = (record.get("certificate") or {}).get("fingerprint")
    if bound != c.fingerprint:
        raise refused("identity.enterprise_registered", f"certificate {c.fingerprint[:16]} "
                      f"is not the one bound to {c.uscc} (bound: "
                      f"{bound[:16] if bound else 'none'})")
    if rule.enterprise_active and record["status"] != "active":
        raise refused(rule_id, f"needs {rule.says}; enterprise {c.uscc} is "
                      f"{record['status']}")


async def require(stub: Stub, rule_id: str, uscc: str | None = None) -> Caller:
    """Apply rule_id to the transaction's creator; return the caller or raise 403."""
    rule = RULES[rule_id]
    c = caller(stub)
    await check_not_revoked(stub, c)
    if rule.anyone:
        return c
    if c.kind == "enterprise":
        if not rule.enterprise:
            raise refused(rule_id, f"needs {rule.says}; found {c.describe()}")
        await check_enterprise(stub, c, rule_id, rule, uscc)
        return c
    if c.kind == "meter-gateway":
        if rule.meter_gateway and c.mspid == POWER:
            return c
        raise refused(rule_id, f"needs {rule.says}; found {c.describe()}")
    if rule.admits_staff(c):
        return c
    raise refused(rule_id, f"needs {rule.says}; found {c.describe()}")


def static_rules(c: Caller) -> list[str]:
    """Rule ids whose table entry admits this caller (before record-dependent checks)."""
    out = []
    for rule_id, rule in sorted(RULES.items()):
        if c.kind == "enterprise":
            ok = bool(rule.enterprise) or rule.anyone
        elif c.kind == "meter-gateway":
            ok = (rule.meter_gateway and c.mspid == POWER) or rule.anyone
        else:
            ok = rule.admits_staff(c)
        if ok:
            out.append(rule_id)
    return out
