from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway import Identity, new_private_key_signer, sha256
from gateway._signing import _CURVE_ORDERS, is_low_s
from tests.unit.gateway.conftest import make_cert

N = _CURVE_ORDERS["secp256r1"]


@settings(max_examples=60, deadline=None)
@given(message=st.binary(max_size=256))
def test_signatures_verify_and_are_low_s(private_key: ec.EllipticCurvePrivateKey, message: bytes):
    signer = new_private_key_signer(private_key)
    sig = signer(sha256(message))
    assert isinstance(sig, bytes)
    _, s = utils.decode_dss_signature(sig)
    assert s <= N // 2
    # verifiable by cryptography as an ordinary ECDSA/SHA-256 signature over the message
    private_key.public_key().verify(sig, message, ec.ECDSA(hashes.SHA256()))


def test_high_s_from_the_raw_key_is_normalised(private_key: ec.EllipticCurvePrivateKey):
    digest = sha256(b"normalise me")
    prehashed = ec.ECDSA(utils.Prehashed(hashes.SHA256()))
    raw_high = next(
        sig
        for sig in (private_key.sign(digest, prehashed) for _ in range(200))
        if not is_low_s(sig)
    )
    r, s = utils.decode_dss_signature(raw_high)
    assert s > N // 2
    signer = new_private_key_signer(private_key)
    for _ in range(40):
        assert is_low_s(signer(digest))
    flipped = utils.encode_dss_signature(r, N - s)  # what the signer produces for this (r, s)
    private_key.public_key().verify(flipped, digest, prehashed)


def test_pem_key_and_deterministic_mode(key_pem: bytes):
    signer = new_private_key_signer(key_pem, deterministic=True)
    digest = sha256(b"same")
    assert signer(digest) == signer(digest)
    assert new_private_key_signer(key_pem)(digest) != new_private_key_signer(key_pem)(digest)


def test_signer_refuses_wrong_digest_size_and_non_ec_keys(key_pem: bytes):
    signer = new_private_key_signer(key_pem)
    with pytest.raises(ValueError, match="32-, 48- or 64-byte digest"):
        signer(b"short")
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    with pytest.raises(ValueError, match="ECDSA or Ed25519.*RSAPrivateKey"):
        new_private_key_signer(pem)


def test_p384_signer_low_s_over_sha256_as_fabric_hashes():
    key = ec.generate_private_key(ec.SECP384R1())
    signer = new_private_key_signer(key)
    for _ in range(20):
        sig = signer(sha256(b"m"))
        assert is_low_s(sig, _CURVE_ORDERS["secp384r1"])
        key.public_key().verify(sig, b"m", ec.ECDSA(hashes.SHA256()))
    digest = hashlib.sha384(b"m").digest()  # a custom hash= works too
    key.public_key().verify(signer(digest), b"m", ec.ECDSA(hashes.SHA384()))


def test_repr_never_shows_key_material(key_pem: bytes):
    text = repr(new_private_key_signer(key_pem))
    assert "PRIVATE" not in text and "secp256r1" in text


def test_identity_serialises_as_msp_serialized_identity(identity: Identity):
    from fabric_protos.msp import identities_pb2

    ser = identities_pb2.SerializedIdentity.FromString(identity.serialize())
    assert ser.mspid == "PowerMSP"
    assert ser.id_bytes == identity.credentials
    assert Identity.from_serialized(identity.serialize()) == identity
    assert "User1@power.example" in repr(identity)


def test_identity_validation(private_key: ec.EllipticCurvePrivateKey):
    with pytest.raises(ValueError, match="MSP id"):
        Identity("", make_cert(private_key))
    with pytest.raises(ValueError, match="PEM"):
        Identity("PowerMSP", b"not a cert")
    assert Identity("PowerMSP", make_cert(private_key).decode()).credentials.startswith(b"-----")  # type: ignore[arg-type]


def test_hashes_match_the_standard_digests():
    from gateway import none, sha3_256, sha3_384, sha384

    m = b"fabric"
    assert sha256(m) == hashlib.sha256(m).digest()
    assert sha384(m) == hashlib.sha384(m).digest() and len(sha384(m)) == 48
    assert sha3_256(m) == hashlib.sha3_256(m).digest()
    assert sha3_384(m) == hashlib.sha3_384(m).digest()
    assert none(m) == m and none(bytearray(m)) == m


def test_sha384_digest_signed_by_p256_and_p384_keys(private_key: ec.EllipticCurvePrivateKey):
    from gateway import sha384

    for key in (private_key, ec.generate_private_key(ec.SECP384R1())):
        signer = new_private_key_signer(key)
        sig = signer(sha384(b"message"))
        assert is_low_s(sig, _CURVE_ORDERS[key.curve.name])
        key.public_key().verify(sig, b"message", ec.ECDSA(hashes.SHA384()))


def test_ed25519_signer_signs_the_whole_message_with_hash_none():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from gateway import none

    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    for signer in (new_private_key_signer(key), new_private_key_signer(pem)):
        message = b"proposal bytes " * 40
        sig = signer(none(message))
        assert len(sig) == 64
        key.public_key().verify(sig, message)  # raises InvalidSignature if not
        assert "Ed25519" in repr(signer) and "PRIVATE" not in repr(signer)


def test_der_low_s_normalises_and_encodes():
    from gateway._signing import der_low_s

    r, s = 12345, N - 7  # a high S
    der = der_low_s(r, s, N)
    assert utils.decode_dss_signature(der) == (r, 7)
    assert utils.decode_dss_signature(der_low_s(r, 7, N)) == (r, 7)
