"""Fixtures: a throwaway P-256 CA-less identity and an in-process fake Gateway peer."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gateway import Identity
from tests.unit.gateway.fake_gateway import FakePeer


def make_cert(key: ec.EllipticCurvePrivateKey, cn: str = "User1@power.example") -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="session")
def private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="session")
def key_pem(private_key: ec.EllipticCurvePrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@pytest.fixture(scope="session")
def identity(private_key: ec.EllipticCurvePrivateKey) -> Identity:
    return Identity("PowerMSP", make_cert(private_key))


@pytest.fixture()
def fake_peer(identity: Identity) -> Iterator[FakePeer]:
    peer = FakePeer(identity)
    peer.start()
    try:
        yield peer
    finally:
        peer.stop()
