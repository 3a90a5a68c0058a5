"""Identities and a network running the carbon contract, for tests/integration/test_carbon_*.

Organisation admins and clients come from the connection profile (Admin, User1). Enterprise
and meter-gateway identities are registered and enrolled through the organisation's Fabric
CA (``network._ca.enrol``) with ``ecert`` attributes: role=enterprise + uscc at the
regulator's CA, role=meter-gateway at the power company's.

``prepare_results`` sets up what a result needs (issue 13: factor and rule sets in force, a
quarter's readings, the declared operating data) and ``attestation_args`` makes a
statement signed by the submitter's own key: shared by test_results_ledger and the
authorisation matrix.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import itertools
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import accounting
import gateway as g
from accounting import readings as rd
from chaincode.carbon._codec import canonical
from chaincode.carbon._uscc import check_char, org_check_char
from gateway.cli.attest import build_statement
from network import Network, load_layout
from network._ca import enrol

REPO = Path(__file__).resolve().parents[2]
COLLECTION = "operatingData"
ORGS = ("PowerMSP", "CertifierMSP", "BankMSP", "RegulatorMSP")
_n = itertools.count(100)


def next_number() -> int:
    """Unique numbers for USCCs, meter ids and user names within one test session."""
    return next(_n)


def carbon_layout(port_base: int) -> Any:
    env = {**os.environ, "CARBONTRUST_PORT_BASE": str(port_base)}
    lay = load_layout(env=env)
    assert lay.cc_module == "chaincode.carbon", lay.cc_module
    assert COLLECTION in {c.name for c in lay.collections}
    return lay


def carbon_network(name: str, port_base: int) -> Iterator[Network]:
    """A fresh network of the module's own on port_base (governance versions can be proposed
    once per ledger, so a test module never reuses a ledger), taken down at the end."""
    net = Network(run_dir=REPO / ".run" / name, layout=carbon_layout(port_base))
    net.down(quiet=True)
    net.up()
    try:
        yield net
    finally:
        net.down()


def new_uscc(n: int) -> str:
    """A valid USCC (both check characters computed) numbered n."""
    body = "91440300" + f"T{n:07d}"
    first17 = body + org_check_char(body[8:])
    return first17 + check_char(first17)


@dataclass
class Who:
    name: str
    mspid: str
    cert_pem: bytes
    key_pem: bytes
    peer_org: str

    def sign(self, data: bytes) -> bytes:
        key = serialization.load_pem_private_key(self.key_pem, password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key.sign(data, ec.ECDSA(hashes.SHA256()))


def from_profile(info: dict[str, Any], mspid: str, user: str, name: str) -> Who:
    creds = info["orgs"][mspid]["users"][user]
    return Who(name, mspid, Path(creds["cert"]).read_bytes(), Path(creds["key"]).read_bytes(),
               mspid)


def issue_user(net: Network, mspid: str, user: str, attrs: dict[str, str], name: str) -> Who:
    """Register ``user`` with attributes at the organisation's Fabric CA and enrol it."""
    org = next(o for o in net.layout.orgs if o.mspid == mspid)
    enrolled = enrol(net.ca(org.key), user, attrs)
    return Who(name, mspid, enrolled.cert_pem, enrolled.key_pem, mspid)


class Session:
    """One gateway per identity, to the identity's own organisation's peer."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info
        self._gws: dict[str, Any] = {}

    def network(self, who: Who) -> Any:
        self.contract(who)
        return self._gws[who.name].get_network(self.info["channel"])

    def contract(self, who: Who) -> Any:
        if who.name not in self._gws:
            peer = self.info["orgs"][who.peer_org]
            self._gws[who.name] = g.connect(
                peer["peer_endpoint"], g.Identity(who.mspid, who.cert_pem),
                g.new_private_key_signer(who.key_pem),
                tls_root_certificates=Path(peer["tls_ca"]).read_bytes())
        gw = self._gws[who.name]
        return gw.get_network(self.info["channel"]).get_contract(self.info["chaincode"])

    def close(self) -> None:
        for gw in self._gws.values():
            gw.close()


def as_json(raw: bytes) -> Any:
    return json.loads(raw) if raw else None


def record(uscc: str) -> str:
    return json.dumps({"uscc": uscc, "name": f"E{uscc[-5:]}", "industry": "C38",
                       "region": "southern"})


class World:
    """The four organisations' admins and clients, two registered enterprises with bound
    certificates and a meter each, a meter gateway, and a revoked identity."""

    def __init__(self, net: Any) -> None:
        info = json.loads((net.run_dir / "connection.json").read_text())
        self.net, self.info, self.s = net, info, Session(info)
        self.who: dict[str, Who] = {}
        for mspid in ORGS:
            short = mspid.removesuffix("MSP").lower()
            self.who[f"{short}-admin"] = from_profile(info, mspid, "Admin", f"{short}-admin")
            self.who[f"{short}-client"] = from_profile(info, mspid, "User1", f"{short}-client")
        self.e1, self.e2 = new_uscc(next(_n)), new_uscc(next(_n))
        for uscc, name in ((self.e1, "ent-own"), (self.e2, "ent2")):
            self.submit("regulator-admin", "registry:register_enterprise", record(uscc))
            self.who[name] = self.enterprise_identity(uscc, name)
            self.submit("regulator-admin", "registry:bind_certificate", uscc,
                        self.who[name].cert_pem.decode())
        self.who["ent-other"] = self.who["ent-own"]      # the same identity, others' records
        self.who["gateway"] = issue_user(net, "PowerMSP", f"gw{next(_n)}",
                                         {"role": "meter-gateway"}, "gateway")
        self.who["revoked"] = issue_user(net, "RegulatorMSP", f"rv{next(_n)}", {}, "revoked")
        self.submit("regulator-admin", "registry:revoke_certificate",
                    self.who["revoked"].cert_pem.decode(), "integration test")
        self.m1, self.m2 = f"M-{next(_n)}", f"M-{next(_n)}"
        self.submit("regulator-admin", "registry:add_meter", self.e1, self.m1)
        self.submit("regulator-admin", "registry:add_meter", self.e2, self.m2)

    def enterprise_identity(self, uscc: str, name: str) -> Who:
        return issue_user(self.net, "RegulatorMSP", f"ent{next(_n)}",
                          {"role": "enterprise", "uscc": uscc}, name)

    def submit(self, who: str | Who, fn: str, *args: str,
               transient: dict[str, bytes] | None = None, orgs: tuple[str, ...] = ()) -> Any:
        return self.submit_full(who, fn, *args, transient=transient, orgs=orgs)[0]

    def submit_full(self, who: str | Who, fn: str, *args: str,
                    transient: dict[str, bytes] | None = None,
                    orgs: tuple[str, ...] = ()) -> tuple[Any, str, int]:
        """Submit, wait for a VALID commit, then for every peer to hold that block (the next
        call may be endorsed by another organisation's peer); (result, tx id, block)."""
        w = self.who[who] if isinstance(who, str) else who
        sub = self.s.contract(w).submit_async(fn, list(args), transient=transient,
                                              endorsing_organizations=orgs)
        status = sub.status()
        status.raise_for_status()
        self.wait_everywhere(status.block_number)
        return as_json(sub.result), sub.transaction_id, status.block_number

    def wait_everywhere(self, block: int, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        for org in self.net.layout.orgs:
            while self.net.ledger_height(org.key) <= block:
                assert time.monotonic() < deadline, f"peer0.{org.key} lacks block {block}"
                time.sleep(0.05)

    def evaluate(self, who: str, fn: str, *args: str) -> Any:
        return as_json(self.s.contract(self.who[who]).evaluate(fn, list(args)))

    def declaration(self, uscc: str, signer: Who, year: int) -> dict[str, bytes]:
        raw = canonical({"uscc": uscc, "period": {"start": f"{year}-01-01",
                                                  "end": f"{year}-12-31"},
                         "denominators": {"value_added": {"quantity": "5200",
                                                          "unit": "10^4 CNY"}}})
        return {"declaration": raw, "signature": signer.sign(raw), "salt": bytes(range(32))}


# -- results (issue 13): what a result needs, on e1's meter m1 -------------------------------
FACTOR_SET, RULE_SET = "cn-2023.1", "gz-ae-d1"
START, END = "2023-01-01", "2023-03-31"
MEMBERS = ("PowerMSP", "CertifierMSP", "RegulatorMSP")   # privateReadings
ENDORSERS = ("CertifierMSP", "RegulatorMSP")   # hold readings and operating data (the CLI's)


def in_force(w: World, kind: str, version: str) -> None:
    """Propose, approve (certifier and bank) and activate a shipped factor or rule set."""
    doc = (accounting.load_factor_set(version) if kind == "factor_set"
           else accounting.load_rule_set(version))
    policy = json.dumps({"orgs": ["CertifierMSP", "BankMSP"], "required": 2})
    w.submit("regulator-admin", "governance:propose", kind, version, str(doc.digest), policy)
    for admin in ("certifier-admin", "bank-admin"):
        w.submit(admin, "governance:approve", kind, version, str(doc.digest))
    w.submit("regulator-admin", "governance:activate", kind, version)


def at(day: str, n: int = 0) -> datetime.datetime:
    """The n-th quarter hour of a day (China time)."""
    return (datetime.datetime.fromisoformat(day).replace(tzinfo=rd.CHINA)
            + n * datetime.timedelta(minutes=15))


def submit_readings(w: World, readings: list[rd.Reading]) -> None:
    w.submit("gateway", "readings:submit_batch", orgs=MEMBERS,
             transient={"batch": rd.encode_batch(readings), "salt": os.urandom(32)})


def prepare_results(w: World) -> None:
    """FACTOR_SET and RULE_SET in force, a day of electricity and one of natural gas on e1's
    meter m1 in START..END, and e1's operating data for START..END."""
    in_force(w, "factor_set", FACTOR_SET)
    in_force(w, "rule_set", RULE_SET)
    submit_readings(w, [rd.Reading(w.m1, w.e1, at("2023-01-15", n), "electricity",
                                   Decimal(f"{40 + n}.5"), "kWh", "measured")
                        for n in range(96)])
    submit_readings(w, [rd.Reading(w.m1, w.e1, at("2023-02-10", n), "natural_gas",
                                   Decimal("310.25"), "Nm3", "measured") for n in range(48)])
    raw = canonical({"uscc": w.e1, "period": {"start": START, "end": END},
                     "denominators": {"value_added": {"quantity": "52.5",
                                                      "unit": "10^4 CNY"}}})
    w.submit("ent-own", "operating:declare", orgs=ENDORSERS,
             transient={"declaration": raw, "signature": w.who["ent-own"].sign(raw),
                        "salt": os.urandom(32)})


def results_world_without_services(name: str, port_base: int) -> Iterator[World]:
    """For the modules that start their own service processes: a network of the module's
    own brought up with no services (``CARBONTRUST_SERVICES=0``) and followers anchoring
    fast (``CARBONTRUST_AUDIT_CADENCE=2,20``), both set while the module runs and restored
    after, and :func:`prepare_results` done on it."""
    saved = {k: os.environ.get(k) for k in ("CARBONTRUST_AUDIT_CADENCE", "CARBONTRUST_SERVICES")}
    os.environ["CARBONTRUST_AUDIT_CADENCE"] = "2,20"
    os.environ["CARBONTRUST_SERVICES"] = "0"
    try:
        for net in carbon_network(name, port_base):
            w = World(net)
            prepare_results(w)
            yield w
            w.s.close()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def attestation_args(who: Who, answer: dict[str, Any], opinion: str = "unmodified",
                     date: str = "2024-03-01") -> tuple[str, str]:
    """attestation:attest's (statement, signature) over a results:get answer, as the CLI
    makes them: the statement names ``who`` and is signed with its own key."""
    der = x509.load_pem_x509_certificate(who.cert_pem).public_bytes(serialization.Encoding.DER)
    statement = build_statement(
        answer, assurance="reasonable", opinion=opinion, basis="authorisation test",
        materiality="5", verifier_name=who.name, accreditation="not stated",
        mspid=who.mspid, fingerprint=hashlib.sha256(der).hexdigest(), date=date)
    data = canonical(statement)
    return data.decode("utf-8"), base64.b64encode(who.sign(data)).decode("ascii")
