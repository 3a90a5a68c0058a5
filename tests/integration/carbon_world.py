"""Identities and a network running the carbon contract, for tests/integration/test_carbon_*.

Organisation admins and clients come from the connection profile (Admin, User1). Enterprise
and meter-gateway identities are issued by the organisation's CA with Fabric CA attributes
(role=enterprise + uscc under RegulatorMSP; role=meter-gateway under PowerMSP):
``issue_user`` issues them with the network's own issuer (``network._crypto``, the same
code the network uses for its Meter1 identity) until the network's Fabric CA enrolment
helpers take over.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import gateway as g
from chaincode.carbon._uscc import check_char, org_check_char
from network import Network, load_layout
from network._layout import Collection

REPO = Path(__file__).resolve().parents[2]
COLLECTION = "operatingData"


def network_deploys_carbon() -> bool:
    """True once the checked-in layout deploys chaincode.carbon with operatingData (and so
    the collection's own endorsement policy, the network's part of issue 10)."""
    lay = load_layout(env=dict(os.environ))
    return lay.cc_module == "chaincode.carbon" and COLLECTION in {c.name for c in
                                                                  lay.collections}


def carbon_layout(port_base: int) -> Any:
    """The layout, made to deploy chaincode.carbon with the operatingData collection if the
    checked-in layout does not yet (the network's switch is another part of issue 10)."""
    env = {**os.environ, "CARBONTRUST_PORT_BASE": str(port_base)}
    lay = load_layout(env=env)
    if lay.cc_module != "chaincode.carbon":
        lay = dataclasses.replace(lay, cc_module="chaincode.carbon")
    if COLLECTION not in {c.name for c in lay.collections}:
        lay = dataclasses.replace(lay, collections=(*lay.collections, Collection(
            name=COLLECTION, members=("CertifierMSP", "RegulatorMSP"), required_peer_count=0,
            max_peer_count=1, block_to_live=0, member_only_read=True,
            member_only_write=True)))
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
    from network._crypto import issue_attr_user
    org = next(o for o in net.layout.orgs if o.mspid == mspid)
    crypto = net.run_dir / "crypto"
    issue_attr_user(org, crypto, user, {"hf.EnrollmentID": user, **attrs})
    msp = crypto / "peerOrganizations" / org.domain / "users" / f"{user}@{org.domain}" / "msp"
    return Who(name, mspid, next((msp / "signcerts").glob("*.pem")).read_bytes(),
               (msp / "keystore" / "priv_sk").read_bytes(), mspid)


class Session:
    """One gateway per identity, to the identity's own organisation's peer."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info
        self._gws: dict[str, Any] = {}

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
