"""MSP and TLS material: cryptogen for the organisations, `cryptography` for the extras.

cryptogen makes every organisation's CA, TLS CA, node and user identities
(NodeOUs on; node certificates carry localhost and 127.0.0.1 because nodes are
dialled by IP).  Two kinds of certificate cryptogen cannot make are issued here:

- each organisation's chaincode server TLS certificate, signed by that
  organisation's TLS CA, so that its peer (presenting its own TLS certificate,
  issued by the same CA) and its chaincode server authenticate each other;
- each organisation's Fabric CA server TLS certificate, signed by its TLS CA (so clients
  trust the CA endpoint with the same TLS root as the peer).

Users with attributes (enterprises, meter gateways) are not issued here: they are
registered and enrolled through the organisation's Fabric CA (see _ca.py).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ._layout import Layout, PeerOrg
from ._run import run


def cryptogen_config(layout: Layout) -> dict:
    sans = sorted({"localhost", "127.0.0.1", *(o.host for o in layout.orderers)})
    return {
        "OrdererOrgs": [{
            "Name": "Orderer", "Domain": layout.orderer_domain, "EnableNodeOUs": True,
            "Specs": [{"Hostname": o.name, "SANS": sans} for o in layout.orderers],
        }],
        "PeerOrgs": [{
            "Name": org.name, "Domain": org.domain, "EnableNodeOUs": True,
            "Specs": [{"Hostname": org.peer.name,
                       "SANS": sorted({"localhost", "127.0.0.1", org.peer.host})}],
            "Users": {"Count": 1},
        } for org in layout.orgs],
    }


def generate(layout: Layout, cryptogen: str, run_dir: Path) -> Path:
    """Generate all material under run_dir/crypto; return that directory."""
    cfg = run_dir / "crypto-config.yaml"
    cfg.write_text(yaml.safe_dump(cryptogen_config(layout), sort_keys=False))
    out = run_dir / "crypto"
    # cryptogen prints its errors on stdout: run() reports both streams
    run([cryptogen, "generate", f"--config={cfg}", f"--output={out}"], what="cryptogen generate")
    for org in layout.orgs:
        issue_chaincode_server_cert(org, out)
        if org.ca_port:
            issue_ca_server_cert(org, out)
    return out


def org_dir(crypto: Path, org: PeerOrg) -> Path:
    return crypto / "peerOrganizations" / org.domain


def _load_ca(ca_dir: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    cert_path = next(ca_dir.glob("*-cert.pem"))
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key((ca_dir / "priv_sk").read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return cert, key


def _authority_key_id(ca_cert: x509.Certificate,
                      ca_key: ec.EllipticCurvePrivateKey) -> x509.AuthorityKeyIdentifier:
    """The issuer's own subject key identifier: cryptogen's is a SHA-256 of the key, not the
    SHA-1 that from_issuer_public_key computes, and OpenSSL (Python's ssl) refuses a chain
    whose AKI does not match the issuer's SKI (Go only uses it as a hint)."""
    try:
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _issue(
    ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey, subject: x509.Name,
    *, server: bool, sans: list[str] | None = None, extra: list[x509.ExtensionType] | None = None,
) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # never before the CA's own start: Fabric's MSP checks the chain *at the leaf's
        # NotBefore*, and cryptogen rounds its CA's NotBefore to the nearest minute (so up to
        # 30 s after "now - 5 min"); an earlier leaf is refused as "creator is malformed"
        .not_valid_before(max(now - datetime.timedelta(minutes=5), ca_cert.not_valid_before_utc))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False,
                          key_encipherment=server, data_encipherment=False, key_agreement=False,
                          key_cert_sign=False, crl_sign=False, encipher_only=False,
                          decipher_only=False), critical=True)
        .add_extension(_authority_key_id(ca_cert, ca_key), critical=False)
    )
    if server:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False)
    if sans:
        names: list[x509.GeneralName] = []
        for s in sans:
            try:
                import ipaddress
                names.append(x509.IPAddress(ipaddress.ip_address(s)))
            except ValueError:
                names.append(x509.DNSName(s))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    for ext in extra or []:
        builder = builder.add_extension(ext, critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def chaincode_tls_dir(crypto: Path, org: PeerOrg) -> Path:
    return org_dir(crypto, org) / "chaincode-server"


def issue_chaincode_server_cert(org: PeerOrg, crypto: Path) -> None:
    ca_cert, ca_key = _load_ca(org_dir(crypto, org) / "tlsca")
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org.domain),
        x509.NameAttribute(NameOID.COMMON_NAME, f"ccserver.{org.domain}"),
    ])
    cert, key = _issue(ca_cert, ca_key, subject, server=True,
                       sans=sorted({"localhost", "127.0.0.1", org.cc_host}))
    d = chaincode_tls_dir(crypto, org)
    d.mkdir(parents=True, exist_ok=True)
    (d / "server.crt").write_bytes(cert)
    (d / "server.key").write_bytes(key)
    (d / "server.key").chmod(0o600)
    (d / "ca.crt").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))


def ca_server_tls_dir(crypto: Path, org: PeerOrg) -> Path:
    return org_dir(crypto, org) / "ca-server"


def issue_ca_server_cert(org: PeerOrg, crypto: Path) -> None:
    """TLS pair of the organisation's Fabric CA server, signed by the org's TLS CA."""
    ca_cert, ca_key = _load_ca(org_dir(crypto, org) / "tlsca")
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org.domain),
        x509.NameAttribute(NameOID.COMMON_NAME, f"ca-server.{org.domain}"),
    ])
    cert, key = _issue(ca_cert, ca_key, subject, server=True,
                       sans=sorted({"localhost", "127.0.0.1", org.ca_host}))
    d = ca_server_tls_dir(crypto, org)
    d.mkdir(parents=True, exist_ok=True)
    (d / "server.crt").write_bytes(cert)
    (d / "server.key").write_bytes(key)
    (d / "server.key").chmod(0o600)
