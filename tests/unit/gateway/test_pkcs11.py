"""PKCS#11 signer against a real SoftHSM2 token: key generated on the token, never exported."""

from __future__ import annotations

import datetime
import hashlib

import pkcs11
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.x509.oid import NameOID
from pkcs11 import Attribute, KeyType, ObjectClass

import gateway as g
from gateway._pkcs11 import HSMError, HSMSignerFactory
from gateway._signing import _CURVE_ORDERS, is_low_s
from tests.softhsm import SoftHSM, softhsm_token
from tests.unit.gateway.fake_gateway import FakePeer


@pytest.fixture(scope="module")
def token() -> SoftHSM:
    return softhsm_token()


@pytest.fixture(scope="module")
def factory(token: SoftHSM) -> HSMSignerFactory:
    return HSMSignerFactory(token.library)


def _issue(public_key: ec.EllipticCurvePublicKey, cn: str) -> bytes:
    """A certificate for a public key, signed by a throwaway CA (the token key cannot self-sign
    through ``cryptography``)."""
    ca = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(ca, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.mark.parametrize("curve", ["secp256r1", "secp384r1"])
def test_token_signatures_are_der_low_s_and_verify(factory, token, curve):
    key_id = f"sig-{curve}".encode()
    public = factory.generate_key(label=token.label, pin=token.pin, identifier=key_id, curve=curve)
    order = _CURVE_ORDERS[curve]
    width = (order.bit_length() + 7) // 8
    lib = pkcs11.lib(token.library)
    with lib.get_token(token_label=token.label).open(user_pin=token.pin) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, id=key_id)
        raw = [key.sign(g.sha256(b"x"), mechanism=pkcs11.Mechanism.ECDSA) for _ in range(40)]
    # the token answers raw r || s, with S above half the order about half the time
    assert all(len(sig) == 2 * width for sig in raw)
    assert any(int.from_bytes(sig[width:], "big") > order // 2 for sig in raw)
    with factory.new_signer(label=token.label, pin=token.pin, identifier=key_id) as signer:
        for i in range(40):
            message = f"message {i}".encode()
            signature = signer(g.sha256(message))
            utils.decode_dss_signature(signature)  # DER, or this raises
            assert is_low_s(signature, order)
            public.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        digest = hashlib.sha384(b"m").digest()
        public.verify(signer(digest), b"m", ec.ECDSA(hashes.SHA384()))
        assert "PRIVATE" not in repr(signer) and token.label in repr(signer)


def test_private_key_never_leaves_the_token(factory, token):
    factory.generate_key(label=token.label, pin=token.pin, identifier=b"locked")
    lib = pkcs11.lib(token.library)
    with lib.get_token(token_label=token.label).open(user_pin=token.pin) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC,
                              id=b"locked")  # fmt: skip
        assert key[Attribute.EXTRACTABLE] is False
        assert key[Attribute.SENSITIVE] is True
        assert key[Attribute.NEVER_EXTRACTABLE] is True
        with pytest.raises(pkcs11.AttributeSensitive):
            key[Attribute.VALUE]  # the private scalar cannot be read
        wrapping = session.generate_key(KeyType.AES, 256, template={Attribute.WRAP: True})
        with pytest.raises((pkcs11.KeyUnextractable, pkcs11.MechanismInvalid)):
            wrapping.wrap_key(key)  # nor wrapped out


def test_signer_end_to_end_against_the_fake_peer(factory, token):
    public = factory.generate_key(label=token.label, pin=token.pin, identifier=b"e2e")
    identity = g.Identity("PowerMSP", _issue(public, "HSMUser@power.example"))
    peer = FakePeer(identity)  # verifies every signature against the certificate's key
    peer.start()
    with (
        factory.new_signer(label=token.label, pin=token.pin, identifier=b"e2e") as signer,
        g.connect(peer.endpoint, identity, signer, insecure=True) as gw,
    ):
        contract = gw.get_network("carbon").get_contract("carbon")
        assert contract.submit("put", ["hsm", "signed"]) == b"signed"
        assert contract.evaluate("get", ["hsm"]) == b"signed"
    peer.stop()


def test_clear_errors(factory, token):
    factory.generate_key(label=token.label, pin=token.pin, identifier=b"errs")
    with pytest.raises(HSMError, match="no token labelled 'nope'"):
        factory.new_signer(label="nope", pin=token.pin, identifier=b"errs")
    with pytest.raises(HSMError, match="incorrect user PIN"):
        factory.new_signer(label=token.label, pin="0000", identifier=b"errs")
    with pytest.raises(HSMError, match="key id 6d697373696e67: no EC private key"):
        factory.new_signer(label=token.label, pin=token.pin, identifier=b"missing")
    with pytest.raises(HSMError, match="identifier"):
        factory.new_signer(label=token.label, pin=token.pin, identifier=b"")
    signer = factory.new_signer(label=token.label, pin=token.pin, identifier=b"errs")
    signer.close()
    with pytest.raises(HSMError, match="signer is closed"):
        signer(b"\x00" * 32)
    with pytest.raises(HSMError, match="cannot load PKCS#11 library"):
        HSMSignerFactory("/nonexistent/libpkcs11.so")
