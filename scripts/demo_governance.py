"""Demo step: the factor set and the rating rule set put in force by governance.

`carbontrust governance`: the regulator's admin proposes each version with the content digest
the accounting package ships (`governance digest`), the certifier's and the bank's admins
approve it (the policy the proposal names: 2 of those two), the regulator's admin activates
it; then the power company and the bank read what is in force from their own peers. A version
can be proposed once ever, so on a re-run every step answers "already" and the demo goes on.
When the services run, the same steps go through each organisation's own service
(`POST /v1/governance/{kind}/{version}/proposal|approval|activation`, `GET /v1/governance`).
"""

from __future__ import annotations

import json

from demo_common import FACTOR_SET, RULE_SET, already, cli, say, section, state
from demo_services import ORG_KEYS

POLICY = json.dumps({"orgs": ["CertifierMSP", "BankMSP"], "required": 2})
ADMIN = ("--user", "Admin")


def _via_services(kind: str, version: str) -> None:
    """The same steps through each organisation's service (signed by its admin there)."""
    assert state.services is not None
    base = f"/v1/governance/{kind}/{version}"
    steps = [("RegulatorMSP", "proposal", {"policy": json.loads(POLICY)}),
             ("CertifierMSP", "approval", {}), ("BankMSP", "approval", {}),
             ("RegulatorMSP", "activation", None)]
    for org, step, body in steps:
        answer = state.services.call(ORG_KEYS[org], "POST", f"{base}/{step}", ok=(200, 201, 409),
                                     **({"json": body} if body is not None else {}))
        if answer.status_code == 409:
            say(f"409: {answer.json().get('detail')}")


def put_in_force(kind: str, version: str) -> None:
    if state.services is not None:
        return _via_services(kind, version)
    digest = cli("governance", "digest", kind, version).stdout.strip()
    res = cli("governance", "propose", kind, version, "--digest", digest, "--policy", POLICY,
              "--as", "RegulatorMSP", *ADMIN, expect=(0, 1))
    already(res, f"propose {kind} {version}")
    for org in ("CertifierMSP", "BankMSP"):
        res = cli("governance", "approve", kind, version, "--digest", digest, "--as", org,
                  *ADMIN, expect=(0, 1))
        already(res, f"approve {kind} {version} by {org}")
    res = cli("governance", "activate", kind, version, "--as", "RegulatorMSP", *ADMIN,
              expect=(0, 1))
    already(res, f"activate {kind} {version}")


def run() -> None:
    section("regulator: approves and activates the factor set and the rating rule set "
            "(certifier and bank approve)")
    put_in_force("factor_set", FACTOR_SET)
    put_in_force("rule_set", RULE_SET)
    for org in ("PowerMSP", "BankMSP"):
        for kind in ("factor_set", "rule_set"):
            if state.services is not None:
                page = state.services.call(ORG_KEYS[org], "GET", "/v1/governance",
                                           params={"kind": kind}).json()
                rec = page["items"][0]
            else:
                rec = json.loads(cli("governance", "in-force", kind, "--as", org).stdout)
            say(f"{org} sees {kind} {rec['version']} in force since {rec['since'][:19]}Z "
                f"(tx {rec['since_tx'][:12]}), digest {rec['digest'][:23]}...")
