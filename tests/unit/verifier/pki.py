"""A generated MSP for tests (the seam: stands in for the network's Fabric CA).

Builds, per organisation, a self-signed ECDSA P-256 root CA and certificates issued
directly by it with a Fabric NodeOU (``admin``, ``client``), as Fabric CA enrols them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

NOT_BEFORE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
NOT_AFTER = dt.datetime(2035, 1, 1, tzinfo=dt.UTC)
MSPS = ("PowerMSP", "CertifierMSP", "BankMSP", "RegulatorMSP")


def _pem(key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@dataclass
class Identity:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return _pem(self.key)


@dataclass
class Org:
    mspid: str
    ca: Identity
    identities: dict[str, Identity] = field(default_factory=dict)

    def issue(self, name: str, ous: tuple[str, ...],
              key: ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | None = None,
              issuer: Identity | None = None) -> Identity:
        """A certificate for ``name`` with subject OUs ``ous``, signed by ``issuer``
        (default: this org's root CA)."""
        issuer = issuer or self.ca
        key = key or ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name(
            [x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.mspid)]
            + [x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou) for ou in ous]
            + [x509.NameAttribute(NameOID.COMMON_NAME, name)]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOT_BEFORE)
            .not_valid_after(NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(issuer.key, hashes.SHA256())
        )
        return Identity(cert, key)


def make_ca(mspid: str, name: str = "ca") -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, mspid),
                         x509.NameAttribute(NameOID.COMMON_NAME, f"{name}.{mspid}")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return Identity(cert, key)


def make_org(mspid: str) -> Org:
    org = Org(mspid, make_ca(mspid))
    org.identities["admin"] = org.issue(f"Admin@{mspid}", ("admin",))
    org.identities["client"] = org.issue(f"User1@{mspid}", ("client",))
    return org


@cache
def orgs() -> dict[str, Org]:
    """The four organisations (generated once per test session: key generation is slow)."""
    return {m: make_org(m) for m in MSPS}


def roots_of(all_orgs: dict[str, Org]) -> dict[str, list[x509.Certificate]]:
    return {m: [o.ca.cert] for m, o in all_orgs.items()}
