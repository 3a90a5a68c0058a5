"""verifier._x509.public_key: one place turns an unknown key algorithm into a ValueError."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from verifier._x509 import UnreadableKeyError, public_key

EC_PUBLIC_KEY_OID = bytes.fromhex("06072a8648ce3d0201")  # 1.2.840.10045.2.1
UNKNOWN_OID = bytes.fromhex("06072a9648ce3d0201")        # 1.2.2888.10045.2.1, same length


def _certificate() -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x509 test")])
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))


def test_a_readable_key_is_returned() -> None:
    cert = _certificate()
    key = public_key(cert)
    assert isinstance(key, ec.EllipticCurvePublicKey)
    assert key.public_numbers() == cert.public_key().public_numbers()


def test_an_unknown_key_algorithm_is_a_value_error() -> None:
    der = _certificate().public_bytes(serialization.Encoding.DER)
    assert der.count(EC_PUBLIC_KEY_OID) == 1
    odd = x509.load_der_x509_certificate(der.replace(EC_PUBLIC_KEY_OID, UNKNOWN_OID))
    with pytest.raises(UnsupportedAlgorithm):  # what cryptography itself raises
        odd.public_key()
    with pytest.raises(UnreadableKeyError, match="unsupported public key algorithm") as info:
        public_key(odd)
    assert isinstance(info.value, ValueError)
