"""The real Gateway ledger (no fake seam): profile -> credentials -> TLS -> a fake peer.

The peer is ``tests/unit/gateway/fake_gateway.FakePeer`` (a real gRPC server that verifies
every signature), served over TLS here and given a three-function registry whose answers
and refusals have the form a Fabric peer gives them (``chaincode response 403, ...``).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway import Identity
from gateway.cli import main
from tests.unit.gateway.cli.conftest import USCC
from tests.unit.gateway.fake_gateway import ChaincodeFailure, FakePeer, Parsed

RULE = "refused by rule registry.write: only the regulator writes the registry"


class RegistryPeer(FakePeer):
    """Answers registry:register_enterprise / get_enterprise / add_meter like the contract."""

    def __init__(self, identity: Identity) -> None:
        super().__init__(identity)
        self.records: dict[str, dict] = {}
        self.refuse_writes = False

    def _run(self, p: Parsed):  # type: ignore[override]
        a = [x.decode() for x in p.args]
        if p.fn == "registry:register_enterprise":
            if self.refuse_writes:
                raise ChaincodeFailure(403, RULE)
            record = {**json.loads(a[0]), "status": "active", "meters": []}
            if record["uscc"] in self.records:
                raise ChaincodeFailure(409, f"enterprise {record['uscc']} exists")
            self.records[record["uscc"]] = record
            return json.dumps(record).encode(), None
        if p.fn == "registry:get_enterprise":
            if a[0] not in self.records:
                raise ChaincodeFailure(404, f"no enterprise {a[0]}")
            return json.dumps(self.records[a[0]]).encode(), None
        raise ChaincodeFailure(500, f"unknown function {p.fn}")


def _tls_pair() -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "peer0.fake")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


@pytest.fixture()
def peer_profile(identity: Identity, key_pem: bytes, tmp_path: Path
                 ) -> Iterator[tuple[RegistryPeer, Path]]:
    peer = RegistryPeer(identity)
    cert_pem, tls_key = _tls_pair()
    port = peer.server.add_secure_port(
        "127.0.0.1:0", grpc.ssl_server_credentials([(tls_key, cert_pem)]))
    peer.start()
    (tmp_path / "tlsca.pem").write_bytes(cert_pem)
    (tmp_path / "cert.pem").write_bytes(identity.credentials)
    (tmp_path / "priv_sk").write_bytes(key_pem)
    user = {"cert": "cert.pem", "key": "priv_sk"}  # relative: to the profile's directory
    profile = tmp_path / "connection.json"
    profile.write_text(json.dumps({"orgs": {"PowerMSP": {
        "mspid": "PowerMSP", "peer_endpoint": f"127.0.0.1:{port}", "tls_ca": "tlsca.pem",
        "users": {"User1": user}}}}))
    try:
        yield peer, profile
    finally:
        peer.stop()


def test_register_show_and_refusals_over_tls(peer_profile, capsys):
    peer, profile = peer_profile
    base = ["--as", "PowerMSP", "--profile", str(profile), "--timeout", "10"]
    register = ["enterprise", "register", "--uscc", USCC, "--name", "Fuzhou Steel",
                "--industry", "3110", "--region", "east", *base]
    assert main(register) == 0, capsys.readouterr().err
    assert "registered enterprise" in capsys.readouterr().err
    assert peer.bad_signatures == 0 and len(peer.received["submit"]) == 1

    assert main(["enterprise", "show", USCC, *base]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "Fuzhou Steel"

    assert main(register) == 1  # the contract's 409
    assert f"error: enterprise {USCC} exists" in capsys.readouterr().err
    peer.refuse_writes = True
    assert main(register) == 1
    assert capsys.readouterr().err.strip() == f"error: {RULE}"
    assert main(["enterprise", "show", "91110000600037341L", *base]) == 1
    assert "no enterprise 91110000600037341L" in capsys.readouterr().err
    assert main(["meter", "add", "--uscc", USCC, "--meter", "m1", *base]) == 3  # a 500
    assert "unknown function registry:add_meter" in capsys.readouterr().err
