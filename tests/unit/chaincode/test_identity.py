"""ClientIdentity.from_serialized: a creator whose attribute extension cannot be read is an
IdentityError (the contract's 403 identity.readable), whatever the extension holds."""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fabric_protos.msp import identities_pb2

from chaincode.shim._identity import ATTR_OID, ClientIdentity, IdentityError

T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def _creator(extension: bytes) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "someone")])
    pem = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
           .public_key(key.public_key()).serial_number(7).not_valid_before(T0)
           .not_valid_after(T0 + datetime.timedelta(days=1))
           .add_extension(x509.UnrecognizedExtension(ATTR_OID, extension), critical=False)
           .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
    return identities_pb2.SerializedIdentity(mspid="PowerMSP", id_bytes=pem).SerializeToString()


def test_attributes_are_read() -> None:
    ident = ClientIdentity.from_serialized(_creator(b'{"attrs": {"role": "meter-gateway"}}'))
    assert ident.attributes == {"role": "meter-gateway"}


@pytest.mark.parametrize("extension", [
    b"[" * 100_000 + b"]" * 100_000,          # RecursionError in json
    b'{"attrs": [1, 2]}',                     # attrs not an object
    b'{"attrs": {"role": 1' + b"0" * 5000 + b"}}",   # over the int digit limit
    b"\xff\xfe",                              # not UTF-8
])
def test_unreadable_attribute_extension_is_an_identity_error(extension: bytes) -> None:
    with pytest.raises(IdentityError, match="attribute extension of PowerMSP"):
        ClientIdentity.from_serialized(_creator(extension))
