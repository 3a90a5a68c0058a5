"""The organisations' Fabric CAs on a real network: enrolment with attributes, revocation that
the MSP enforces, supervision of the CA servers.  Its own network (revocation changes the
channel configuration; killing a CA must not disturb the shared network)."""

from __future__ import annotations

import json
import os
import signal
import ssl
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from cryptography import x509

import gateway as g
from network import (
    Enrolled,
    EnrolmentError,
    Network,
    enrol_enterprise,
    enrol_meter_gateway,
    revoke_identity,
)
from network._ca import ca_home

PORT_BASE = 24500  # isolated_network (tests/integration/conftest.py) reads this
ATTR_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")
USCC_A, USCC_B = "91440300MA5FAAAA0A", "91440300MA5FBBBB1B"


def _info(net: Network) -> dict:
    return json.loads((net.run_dir / "connection.json").read_text())


def _contract(net: Network, who: Enrolled, peer_org: str | None = None):
    info = _info(net)
    peer = info["orgs"][peer_org or who.mspid]
    gw = g.connect(peer["peer_endpoint"], g.Identity(who.mspid, who.cert_pem),
                   g.new_private_key_signer(who.key_pem),
                   tls_root_certificates=Path(peer["tls_ca"]).read_bytes())
    return gw, gw.get_network(info["channel"]).get_contract(info["chaincode"])


def _attrs(cert_pem: bytes) -> dict:
    cert = x509.load_pem_x509_certificate(cert_pem)
    raw = cert.extensions.get_extension_for_oid(ATTR_OID).value.value  # type: ignore[attr-defined]
    return dict(json.loads(raw)["attrs"])


def _msp_root(net: Network, mspid: str) -> x509.Certificate:
    org = net.layout.org(mspid)
    cacerts = net.crypto / "peerOrganizations" / org.domain / "msp" / "cacerts"
    return x509.load_pem_x509_certificate(next(cacerts.glob("*.pem")).read_bytes())


def test_enterprise_identity_is_issued_by_the_regulators_ca_with_its_attributes(
        isolated_network: Network) -> None:
    ent = enrol_enterprise(isolated_network, USCC_A, name=f"ent-{uuid.uuid4().hex[:8]}")
    cert = x509.load_pem_x509_certificate(ent.cert_pem)
    cert.verify_directly_issued_by(_msp_root(isolated_network, "RegulatorMSP"))
    assert cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value \
        == "client"
    attrs = _attrs(ent.cert_pem)
    assert (attrs["role"], attrs["uscc"], attrs["hf.EnrollmentID"]) == \
        ("enterprise", USCC_A, ent.name)
    assert ent.key_path.stat().st_mode & 0o077 == 0
    # the contract sees the same identity (MSP, NodeOU and attributes) the CA issued
    gw, contract = _contract(isolated_network, ent)
    with gw:
        who = json.loads(contract.evaluate("identity:whoami"))
    assert (who["mspid"], who["ou"], who["role"], who["uscc"]) == \
        ("RegulatorMSP", "client", "enterprise", USCC_A)
    # connection.json lists it like any user, for gateway.profile_identity and the CLI
    users = _info(isolated_network)["orgs"]["RegulatorMSP"]["users"]
    assert Path(users[ent.name]["cert"]).read_bytes() == ent.cert_pem


def test_meter_gateway_is_issued_by_the_power_companys_ca(isolated_network: Network) -> None:
    gw_id = enrol_meter_gateway(isolated_network, f"gw-{uuid.uuid4().hex[:8]}")
    x509.load_pem_x509_certificate(gw_id.cert_pem).verify_directly_issued_by(
        _msp_root(isolated_network, "PowerMSP"))
    assert _attrs(gw_id.cert_pem)["role"] == "meter-gateway"
    gw, contract = _contract(isolated_network, gw_id)
    with gw:
        who = json.loads(contract.evaluate("identity:whoami"))
    assert (who["mspid"], who["role"]) == ("PowerMSP", "meter-gateway")


def test_bad_enrolment_input_is_refused_before_the_ca(isolated_network: Network) -> None:
    with pytest.raises(EnrolmentError, match="uscc"):
        enrol_enterprise(isolated_network, "not-a-uscc")
    with pytest.raises(EnrolmentError, match="identity name"):
        enrol_meter_gateway(isolated_network, "bad name,role=admin")


def test_a_revoked_certificate_is_refused_by_the_msp_and_others_still_work(
        isolated_network: Network) -> None:
    net = isolated_network
    a = enrol_enterprise(net, USCC_A, name=f"rev-a-{uuid.uuid4().hex[:8]}")
    b = enrol_enterprise(net, USCC_B, name=f"rev-b-{uuid.uuid4().hex[:8]}")
    key = f"ca-{uuid.uuid4().hex[:8]}"
    gw_a, ca_ = _contract(net, a)
    gw_b, cb_ = _contract(net, b)
    with gw_a, gw_b:
        ca_.submit("put", [key, "before"])           # the probe contract: any member writes
        assert ca_.evaluate("get", [key]) == b"before"
        rev = revoke_identity(net, "RegulatorMSP", a.name)
        serial = x509.load_pem_x509_certificate(a.cert_pem).serial_number
        crl = x509.load_pem_x509_crl(rev.crl_pem)
        assert crl.get_revoked_certificate_by_serial_number(serial) is not None
        with pytest.raises((g.EndorseError, g.SubmitError, g.EvaluateError)) as err:
            ca_.submit("put", [key, "after"])
        assert "access denied" in str(err.value) and "RegulatorMSP" in str(err.value)
        with pytest.raises(g.EvaluateError, match=r"creator org \[RegulatorMSP\]"):
            ca_.evaluate("get", [key])
        log = net.sup.log_path("peer0.regulator").read_text(errors="replace")
        assert "The certificate has been revoked" in log
        cb_.submit("put", [key, "by b"])            # another enterprise is not affected
        assert cb_.evaluate("get", [key]) == b"by b"
        # every organisation's peer enforces it (the CRL is in the channel, not one peer)
        gw_p, cp = _contract(net, a, peer_org="PowerMSP")
        with gw_p, pytest.raises(g.EvaluateError, match="access denied"):
            cp.evaluate("get", [key])


def test_registrar_password_stays_in_the_run_dir(isolated_network: Network) -> None:
    net = isolated_network
    for org in net.layout.orgs:
        creds = ca_home(net.run_dir, org) / "registrar.json"
        assert creds.stat().st_mode & 0o777 == 0o600
        password = json.loads(creds.read_text())["password"]
        spec = (net.run_dir / "specs" / f"ca.{org.key}.json").read_text()
        pid = net.sup.pid(f"ca.{org.key}")
        assert pid and password not in spec
        assert password.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
        assert password.encode() not in Path(f"/proc/{pid}/environ").read_bytes()


def test_the_ca_answers_cainfo_with_the_msp_root_and_restarts_when_killed(
        isolated_network: Network) -> None:
    net = isolated_network
    ca_info = _info(net)["orgs"]["PowerMSP"]["ca"]
    ctx = ssl.create_default_context(cafile=ca_info["tls_ca"])

    def cainfo() -> dict:
        with urllib.request.urlopen(f"{ca_info['url']}/cainfo", context=ctx,  # noqa: S310
                                    timeout=5) as resp:
            return dict(json.loads(resp.read())["result"])
    import base64
    chain = base64.b64decode(cainfo()["CAChain"])
    assert x509.load_pem_x509_certificate(chain) == _msp_root(net, "PowerMSP")
    pid = net.sup.pid("ca.power")
    assert pid
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while net.sup.pid("ca.power") in (None, pid):
        assert time.monotonic() < deadline, "the supervisor did not restart ca.power"
        time.sleep(0.2)
    net.wait_ready("ca.power")
    assert net.sup.state()["ca.power"]["restarts"] >= 1
    enrol_meter_gateway(net, f"after-restart-{uuid.uuid4().hex[:6]}")  # its database kept


def test_a_failed_enrolment_leaves_nothing_and_hides_the_secret(
        isolated_network: Network) -> None:
    from network._ca import user_dir
    net = isolated_network
    ca = net.ca("power")
    secret = f"wrong-{uuid.uuid4().hex}"
    target = user_dir(net.crypto, ca.org, "nobody") / "msp"
    with pytest.raises(EnrolmentError) as err:
        ca.enroll("nobody", secret, target)
    assert "nobody" in str(err.value) and secret not in str(err.value)
    assert not target.parent.exists() and not (ca.home / "clients" / "nobody").exists()
    assert "nobody" not in _info(net)["orgs"]["PowerMSP"]["users"]
    # a registered identity enrols once: its one-time secret is worth nothing afterwards
    name = f"once-{uuid.uuid4().hex[:6]}"
    one_time = ca.register(name, {"role": "meter-gateway"})
    ca.enroll(name, one_time, user_dir(net.crypto, ca.org, name) / "msp")
    with pytest.raises(EnrolmentError):
        ca.enroll(name, one_time, user_dir(net.crypto, ca.org, f"{name}-again") / "msp")
