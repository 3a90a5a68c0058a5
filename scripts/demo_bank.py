"""Demo step: the enterprise lets the bank have its report; the bank verifies it offline.

1. consent, as docs/consent.md draws it: the regulator's side (a RegulatorMSP client with a
   `gateway.offline.Relay`, what the regulator's service runs) builds the `consent:grant`
   proposal for the enterprise's identity; the enterprise signs it on its side with
   `carbontrust offline show` / `carbontrust offline sign --key` (its key file is read there
   and nowhere else); the relay endorses, the enterprise signs the transaction, the relay
   submits it;
2. the bank records its access (`consent:access` with the bank's own client identity, through
   its own peer: no `carbontrust` command for it yet, so the `gateway` library), refused
   without a consent;
3. the bank takes the MSP roots from its peer's channel configuration (`carbontrust audit
   roots`) and verifies report.json, bundle.json and report.pdf with `carbontrust verify`,
   which dials nothing.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from demo_common import ENTERPRISES, Enterprise, cli, say, section, state, work_dir

import gateway as g
from gateway.offline import OfflineRequest, Relay, SignedRequest, prepare_grant
from network import Network

BANK = "BankMSP"
CONSENT_ID = "demo-green-loan"
LIFETIME = datetime.timedelta(days=90)


def _connect(info: dict[str, Any], mspid: str) -> Any:
    creds, peer = info["orgs"][mspid]["users"]["User1"], info["orgs"][mspid]
    return g.connect(peer["peer_endpoint"],
                     g.Identity(mspid, Path(creds["cert"]).read_bytes()),
                     g.new_private_key_signer(Path(creds["key"]).read_bytes()),
                     tls_root_certificates=Path(peer["tls_ca"]).read_bytes())


def enterprise_signs(ent: Enterprise, request: OfflineRequest, step: str) -> SignedRequest:
    """The enterprise's side: it reads what it is asked to sign, then signs it."""
    assert ent.identity is not None
    shown = json.loads(cli("offline", "show", stdin=request.to_json()).stdout)
    say(f"the enterprise reads the {step}: {shown.get('function')} "
        f"{str(shown.get('args'))[:110]}...")
    res = cli("offline", "sign", "--key", str(ent.identity.key_path), "--expect",
              "consent:grant", stdin=request.to_json())
    return SignedRequest.from_json(res.stdout)


def grant(info: dict[str, Any], ent: Enterprise, report_id: str) -> str:
    assert ent.identity is not None
    with _connect(info, "RegulatorMSP") as gw:
        relay = Relay(gw, info["channel"], info["chaincode"])
        request = prepare_grant(relay, g.Identity("RegulatorMSP",
                                                  ent.identity.cert_path.read_bytes()),
                                consent_id=CONSENT_ID, report_id=report_id, bank=BANK,
                                expires=datetime.datetime.now(datetime.UTC) + LIFETIME)
        try:
            tx = relay.endorse(enterprise_signs(ent, request, "proposal"))
        except g.EndorseError as exc:
            if "409" in str(exc):
                return f"already granted by an earlier run (409): {str(exc)[:120]}"
            raise SystemExit(f"consent:grant refused: {exc}") from None
        submitted = relay.submit(enterprise_signs(ent, tx, "endorsed transaction"))
        status = submitted.status()
        status.raise_for_status()
        return (f"granted in block {status.block_number}, tx {submitted.transaction_id[:12]}, "
                f"until {(datetime.date.today() + LIFETIME).isoformat()}")


def access(info: dict[str, Any], uscc: str, report_id: str) -> dict[str, Any] | str:
    """Record the bank's access: through the bank's service when it runs, else with the
    bank's client identity through the `gateway` library. The refusal's text when refused."""
    if state.services is not None:
        res = state.services.call("bank", "POST", "/v1/consents/access", ok=(200, 403),
                                  json={"uscc": uscc, "report_id": report_id})
        return str(res.json().get("detail")) if res.status_code == 403 else res.json()
    with _connect(info, BANK) as gw:
        contract = gw.get_network(info["channel"]).get_contract(info["chaincode"])
        try:
            sub = contract.submit_async("consent:access", [uscc, report_id])
        except g.EndorseError as exc:
            return str(exc)
        sub.status().raise_for_status()
        answer: dict[str, Any] = json.loads(sub.result)
        return answer


def run(net: Network, info: dict[str, Any]) -> None:
    ent, other = ENTERPRISES
    report_id = ent.report["status"]["id"]
    section(f"enterprise {ent.name}: grants the bank access to {report_id}, signing offline")
    say(grant(info, ent, report_id))

    section("bank: records its access under the consent, and verifies the report offline")
    refused = access(info, other.uscc, other.report["status"]["id"])
    assert isinstance(refused, str) and "consent.valid" in refused, refused
    say(f"{other.report['status']['id']}: refused, no consent (rule consent.valid)")
    got = access(info, ent.uscc, report_id)
    assert isinstance(got, dict), got
    consent = got["consent"]
    say(f"{report_id}: access recorded at {got['access']['timestamp']} under consent "
        f"{consent['consent_id']} (until {consent['expires']}; {consent['accesses']} "
        "access(es) so far)")
    if state.services is not None:
        page = state.services.call("bank", "GET", f"/v1/enterprises/{ent.uscc}/consents").json()
        for c in page["items"]:
            say(f"consent {c['consent_id']} for {c['report_id']}: expires {c['expires'][:19]}Z"
                f", {c['accesses']} access(es), "
                f"{'revoked' if c.get('revoked') else 'live'}")
    roots = work_dir(net) / "msp-roots"
    cli("audit", "roots", "--out", str(roots), "--as", BANK)
    say(f"MSP roots from the bank's peer: {sorted(p.name for p in roots.glob('*.pem'))}")
    out = ent.report["dir"]
    res = cli("verify", str(out / "report.json"), str(out / "bundle.json"), "--trust",
              str(roots), "--pdf", str(out / "report.pdf"))
    for line in res.stdout.strip().splitlines():
        say(line)
