"""Certificates we issue under a cryptogen CA must be valid at their own NotBefore.

Fabric's MSP verifies an identity's chain at the leaf's NotBefore; cryptogen rounds its CA's
NotBefore to the nearest minute, so a leaf starting "now - 5 min" can predate its CA.
"""

import datetime
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from network._crypto import _issue


def _ca(not_before: datetime.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ca.test")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(not_before)
            .not_valid_after(not_before + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert, key


def _leaf(ca: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "User1")])
    pem, _ = _issue(ca, key, subject, server=False)
    return x509.load_pem_x509_certificate(pem)


def test_leaf_never_starts_before_its_ca() -> None:
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    ca, key = _ca(now - datetime.timedelta(minutes=4, seconds=31))  # cryptogen's rounding
    leaf = _leaf(ca, key)
    assert leaf.not_valid_before_utc >= ca.not_valid_before_utc
    ca.verify_directly_issued_by(ca)
    leaf.verify_directly_issued_by(ca)


def test_leaf_backdated_when_ca_is_older() -> None:
    now = datetime.datetime.now(datetime.UTC)
    ca, key = _ca(now - datetime.timedelta(days=1))
    leaf = _leaf(ca, key)
    assert leaf.not_valid_before_utc <= now - datetime.timedelta(minutes=4)


def test_leaf_names_its_issuer_by_the_issuers_own_key_id() -> None:
    """cryptogen's CAs carry a SHA-256 subject key identifier; a leaf whose authority key id
    is the SHA-1 of the key does not chain for OpenSSL (Python's ssl: "unable to get local
    issuer certificate"), e.g. when a client checks the Fabric CA server's TLS certificate."""
    now = datetime.datetime.now(datetime.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tlsca.test")])
    ski = x509.SubjectKeyIdentifier(hashlib.sha256(
        key.public_key().public_bytes(serialization.Encoding.X962,
                                      serialization.PublicFormat.UncompressedPoint)).digest())
    ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
          .public_key(key.public_key()).serial_number(1)
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(ski, critical=False)
          .sign(key, hashes.SHA256()))
    leaf = _leaf(ca, key)
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert aki.key_identifier == ski.digest
