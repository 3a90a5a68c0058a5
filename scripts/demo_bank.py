"""Demo step: the enterprise lets the bank have its report; the bank verifies it and lends.

1. consent, as docs/consent.md draws it: the regulator's side (a RegulatorMSP client with a
   `gateway.offline.Relay`, what the regulator's service runs) builds the `consent:grant`
   proposal for the enterprise's identity; the enterprise signs it on its side with
   `carbontrust offline show` / `carbontrust offline sign --key` (its key file is read there
   and nowhere else); the relay endorses, the enterprise signs the transaction, the relay
   submits it (with services: the regulator's service's relay routes, demo_relay);
2. with the organisations' services: the enterprise hands report.json and bundle.json to the
   bank, which submits them to its service (`POST /v1/reports`: the access recorded under
   the consent, refused without one; the report verified against the MSP roots `make up`
   wrote, its checkpoint against the bank's own notary log), lists the consents naming it,
   records a green loan decision on the verified report and lists its loans (demo_lending);
   without them: the bank records its access (`consent:access` with its own client identity
   through its peer, the `gateway` library) and the loan step is skipped, saying why;
3. either way the bank takes the MSP roots from its peer's channel configuration
   (`carbontrust audit roots`) and verifies report.json, bundle.json and report.pdf with
   `carbontrust verify`, which dials nothing.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import demo_lending
import demo_relay
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
    """Record the bank's access with its client identity through the `gateway` library (no
    services). The refusal's text when refused."""
    with _connect(info, BANK) as gw:
        contract = gw.get_network(info["channel"]).get_contract(info["chaincode"])
        try:
            sub = contract.submit_async("consent:access", [uscc, report_id])
        except g.EndorseError as exc:
            return str(exc)
        sub.status().raise_for_status()
        answer: dict[str, Any] = json.loads(sub.result)
        return answer


def through_gateway(info: dict[str, Any], ent: Enterprise, other: Enterprise) -> None:
    section("bank: records its access under the consent (its client identity, its peer)")
    refused = access(info, other.uscc, other.report["status"]["id"])
    assert isinstance(refused, str) and "consent.valid" in refused, refused
    say(f"{other.report['status']['id']}: refused, no consent (rule consent.valid)")
    report_id = ent.report["status"]["id"]
    got = access(info, ent.uscc, report_id)
    assert isinstance(got, dict), got
    consent = got["consent"]
    say(f"{report_id}: access recorded at {got['access']['timestamp']} under consent "
        f"{consent['consent_id']} (until {consent['expires']}; {consent['accesses']} "
        "access(es) so far)")


def through_service(ent: Enterprise, other: Enterprise) -> bool:
    """The bank's service verifies the handed-over report and records a loan on it; False
    when its report route is not configured (the loan step is then skipped)."""
    section(f"bank: {ent.name} hands over report.json and bundle.json; the bank's service "
            "verifies them under the consent")
    code, refused = demo_lending.submit(demo_lending.handed_over(other.report["dir"]))
    assert code == 403 and "consent.valid" in str(refused.get("detail")), (code, refused)
    say(f"{other.report['status']['id']} (handed over without a consent): 403, "
        "refused by rule consent.valid; nothing kept")
    files = demo_lending.handed_over(ent.report["dir"])
    code, got = demo_lending.submit(files)
    if code == 503 and str(got.get("type", "")).endswith("not-configured"):
        say(f"503: {got.get('detail')}: this bank service was started without its MSP "
            "roots or audit store (`make down && make up` configures them)")
        return False
    if code != 200:
        raise SystemExit(f"the bank's service refused {ent.report['status']['id']}: {code} "
                         f"{got.get('type')}: {got.get('detail')}")
    demo_lending.show_verified(got)
    page = state.services.call("bank", "GET", f"/v1/enterprises/{ent.uscc}/consents").json()
    for c in page["items"]:
        say(f"consent {c['consent_id']} for {c['report_id']}: expires {c['expires'][:19]}Z"
            f", {c['accesses']} access(es), {'revoked' if c.get('revoked') else 'live'}")
    section("bank: a green loan on the verified report, recorded through its service")
    demo_lending.decide(got["report_id"], demo_lending.rating_label(files["report"]))
    demo_lending.list_loans()
    return True


def verify_offline(net: Network, ent: Enterprise) -> None:
    section("bank: verifies the same files offline with the command line")
    roots = work_dir(net) / "msp-roots"
    cli("audit", "roots", "--out", str(roots), "--as", BANK)
    say(f"MSP roots from the bank's peer: {sorted(p.name for p in roots.glob('*.pem'))}")
    out = ent.report["dir"]
    res = cli("verify", str(out / "report.json"), str(out / "bundle.json"), "--trust",
              str(roots), "--pdf", str(out / "report.pdf"))
    for line in res.stdout.strip().splitlines():
        say(line)


def run(net: Network, info: dict[str, Any]) -> None:
    ent, other = ENTERPRISES
    report_id = ent.report["status"]["id"]
    section(f"enterprise {ent.name}: grants the bank access to {report_id}, signing offline")
    if state.services is not None:   # through the regulator's relay routes
        say(demo_relay.grant(ent, consent_id=CONSENT_ID, report_id=report_id, bank=BANK,
                             expires=datetime.datetime.now(datetime.UTC) + LIFETIME))
    else:
        say(grant(info, ent, report_id))
    lent = False
    if state.services is not None:
        lent = through_service(ent, other)
    else:
        through_gateway(info, ent, other)
    verify_offline(net, ent)
    if state.services is None:
        section("bank: the loan decision")
        say("skipped: recording a loan needs the organisations' services (`make up`; this "
            "network was brought up without them)")
    elif not lent:
        say("the loan step was skipped: the bank's service could not verify the report")
