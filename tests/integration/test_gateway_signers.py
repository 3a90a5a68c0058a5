"""Signers on the real network: an HSM-held key (SoftHSM2 over PKCS#11) submits and commits.

The token generates the key pair, with the private key sensitive and non-extractable; the
organisation's CA (its key in the run directory's crypto material, as cryptogen left it)
issues a client certificate for the token's public key, so the enrolled identity's key
never exists outside the token. The honest alternative, importing the cryptogen user's key
into the token, would prove nothing about a key that never left it.

Also shows what a Fabric 2.5 peer does with the other signers: its MSP hashes with SHA-256
(``SignatureHashFamily`` SHA2), so a SHA-384 digest signed by the right key is refused, and
it does not accept Ed25519 identities at all (Fabric 3.0 does).
"""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

import gateway as g
from gateway._pkcs11 import HSMSignerFactory
from tests.softhsm import softhsm_token

pytestmark = pytest.mark.integration
ORG = "PowerMSP"


def _org_ca(info: dict) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey, str]:
    org = info["orgs"][ORG]
    domain = org["peer_host"].split(".", 1)[1]
    user_cert = Path(org["users"]["User1"]["cert"])
    ca_dir = user_cert.parents[4] / "ca"  # peerOrganizations/<domain>/ca
    cert = x509.load_pem_x509_certificate(next(ca_dir.glob("*-cert.pem")).read_bytes())
    key = serialization.load_pem_private_key((ca_dir / "priv_sk").read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return cert, key, domain


def _client_cert(
    info: dict, public_key: ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey, user: str
) -> bytes:
    """A client certificate (NodeOU ``client``) for ``public_key``, issued by the org's CA."""
    ca_cert, ca_key, domain = _org_ca(info)
    now = datetime.datetime.now(datetime.UTC)
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "client"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{user}@{domain}"),
    ])  # fmt: skip
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        # not before the CA's own start: the MSP checks the chain at the leaf's NotBefore
        .not_valid_before(max(now - datetime.timedelta(minutes=5), ca_cert.not_valid_before_utc))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=False, crl_sign=False, encipher_only=False,
                          decipher_only=False), critical=True)  # fmt: skip
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _connect(info: dict, identity: g.Identity, signer: g.Signer, **kw: object) -> g.Gateway:
    org = info["orgs"][ORG]
    return g.connect(org["peer_endpoint"], identity, signer,
                     tls_root_certificates=Path(org["tls_ca"]).read_bytes(), **kw)  # type: ignore[arg-type]  # fmt: skip


def test_hsm_held_key_submits_and_commits(network_info: dict):
    token = softhsm_token()
    factory = HSMSignerFactory(token.library)
    key_id = f"fabric-{uuid.uuid4().hex[:8]}"
    public = factory.generate_key(label=token.label, pin=token.pin, identifier=key_id)
    identity = g.Identity(ORG, _client_cert(network_info, public, f"HSM-{key_id}"))
    key = f"hsm-{uuid.uuid4().hex[:12]}"
    with (
        factory.new_signer(label=token.label, pin=token.pin, identifier=key_id) as signer,
        _connect(network_info, identity, signer) as gw,
    ):
        contract = gw.get_network(network_info["channel"]).get_contract(network_info["chaincode"])
        submitted = contract.submit_async("put", [key, "from the token"])
        status = submitted.status()
        assert status.code_name == "VALID", status
        assert contract.evaluate("get", [key]) == b"from the token"


def test_fabric_25_msp_verifies_sha256_digests_only(network_info: dict):
    """The same key and certificate: SHA-256 is endorsed, a SHA-384 digest is refused."""
    key = ec.generate_private_key(ec.SECP256R1())
    identity = g.Identity(ORG, _client_cert(network_info, key.public_key(), "Sha384"))
    signer = g.new_private_key_signer(key)
    channel, chaincode = network_info["channel"], network_info["chaincode"]
    key_name = f"sha-{uuid.uuid4().hex[:12]}"
    with _connect(network_info, identity, signer) as gw:
        contract = gw.get_network(channel).get_contract(chaincode)
        contract.submit("put", [key_name, "v"])
        assert contract.evaluate("get", [key_name]) == b"v"
    with (
        _connect(network_info, identity, signer, hash=g.sha384) as gw,
        pytest.raises(g.EvaluateError) as err,
    ):
        gw.get_network(channel).get_contract(chaincode).evaluate("get", [key_name])
    assert err.value.code == grpc.StatusCode.FAILED_PRECONDITION, err.value
    assert "access denied" in str(err.value)


def test_fabric_25_refuses_ed25519_identities(network_info: dict):
    """Ed25519 certificates are accepted from Fabric 3.0 on; a 2.5 peer refuses the creator."""
    key = ed25519.Ed25519PrivateKey.generate()
    identity = g.Identity(ORG, _client_cert(network_info, key.public_key(), "Ed25519"))
    signer = g.new_private_key_signer(key)
    with _connect(network_info, identity, signer, hash=g.none) as gw:
        contract = gw.get_network(network_info["channel"]).get_contract(network_info["chaincode"])
        with pytest.raises(g.EvaluateError) as err:
            contract.evaluate("get", ["anything"])
    assert err.value.code == grpc.StatusCode.FAILED_PRECONDITION, err.value
    assert "creator is malformed" in str(err.value)  # peer log: supported keys ECDSA, RSA
