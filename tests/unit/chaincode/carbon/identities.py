"""Synthetic identities for unit tests: per-organisation CAs issuing certificates with
NodeOU OUs and Fabric CA attributes (extension 1.2.3.4.5.6.7.8.1, JSON {"attrs": {...}}),
as fabric-ca-server issues them."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ATTR_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")
ORGS = ("PowerMSP", "CertifierMSP", "BankMSP", "RegulatorMSP")
T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Ident:
    name: str
    mspid: str
    pem: bytes
    key: ec.EllipticCurvePrivateKey

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))


@cache
def _ca(mspid: str) -> tuple[x509.Name, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    org = mspid.removesuffix("MSP").lower()
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"{org}.test"),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"ca.{org}.test")]), key


_serials = iter(range(1000, 10**6))


def issue(mspid: str, ou: str, name: str, attrs: dict[str, str] | None = None) -> Ident:
    ca_name, ca_key = _ca(mspid)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
                         x509.NameAttribute(NameOID.COMMON_NAME, name)])
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name)
         .public_key(key.public_key()).serial_number(next(_serials))
         .not_valid_before(T0).not_valid_after(T0 + datetime.timedelta(days=365)))
    if attrs is not None:
        full = {"hf.EnrollmentID": name, "hf.Type": ou, **attrs}
        b = b.add_extension(x509.UnrecognizedExtension(
            ATTR_OID, json.dumps({"attrs": full}).encode()), critical=False)
    pem = b.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
    return Ident(name, mspid, pem, key)


def org_admin(mspid: str) -> Ident:
    return issue(mspid, "admin", f"Admin@{mspid}")


def org_client(mspid: str) -> Ident:
    return issue(mspid, "client", f"User1@{mspid}")


def enterprise(uscc: str, mspid: str = "RegulatorMSP") -> Ident:
    return issue(mspid, "client", f"ent-{uscc}", {"role": "enterprise", "uscc": uscc})


def meter_gateway(name: str = "gw1", mspid: str = "PowerMSP") -> Ident:
    return issue(mspid, "client", name, {"role": "meter-gateway"})
