"""Signing where the key is, and checking a signature where it is not.

``sign_request`` is the key holder's side: it signs only a request whose creator is the
key's own certificate (the public keys must be equal), and only what it was told to expect
(function, channel, chaincode), so a service cannot get a signature for something else under
the enterprise's name without the enterprise's tool refusing. The signature is the same the
in-process signer makes (ECDSA over the SHA-256 digest, DER, low S: gateway._signing).

``verify_signature`` is the service's side: before it sends a signed request on, it checks
the signature with the creator's certificate, so a wrong key or a request altered after
signing is a typed error naming the transaction, not a peer's bare "access denied".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

from gateway._signing import PrivateKey, new_private_key_signer
from gateway.offline._document import OfflineRequest, SignedRequest
from gateway.offline._errors import (
    OfflineExpectationError,
    OfflineIdentityError,
    OfflineSignatureError,
)
from gateway.offline._inspect import creator_of, describe

__all__ = ["sign_request", "verify_signature"]

_EXPECTABLE = ("kind", "function", "channel", "chaincode")


def _public(key: Any) -> bytes:
    return bytes(key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo))


def _load_key(key: PrivateKey | bytes | str) -> ec.EllipticCurvePrivateKey:
    if isinstance(key, bytes | str):
        data = key.encode() if isinstance(key, str) else key
        try:
            key = serialization.load_pem_private_key(data, password=None)  # type: ignore[assignment]
        except (ValueError, TypeError) as exc:
            raise OfflineIdentityError("key", "an unencrypted PEM private key",
                                       type(exc).__name__) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise OfflineIdentityError("key", "an ECDSA private key (what a Fabric 2.5 MSP "
                                   "accepts)", type(key).__name__)
    return key


def sign_request(request: OfflineRequest, key: PrivateKey | bytes | str, *,
                 expect: Mapping[str, str] | None = None) -> SignedRequest:
    """Sign ``request`` with ``key`` (object or PEM) if it is the creator's and as expected.

    ``expect`` maps ``kind``, ``function``, ``channel`` or ``chaincode`` to the value the
    request must have (a commit status request has no function or chaincode).
    """
    private = _load_key(key)
    mspid, cert = creator_of(request)
    if _public(cert.public_key()) != _public(private.public_key()):
        facts = describe(request)["creator"]
        raise OfflineIdentityError("key", f"the private key of the request's creator "
                                   f"({mspid}, certificate {facts['fingerprint'][:16]})",
                                   "a key of another identity")
    if expect:
        facts = describe(request)
        for name, want in sorted(expect.items()):
            if name not in _EXPECTABLE:
                raise ValueError(f"cannot expect {name!r}; one of {', '.join(_EXPECTABLE)}")
            if facts.get(name) != want:
                raise OfflineExpectationError(name, want, facts.get(name))
    signer = new_private_key_signer(private)
    return request.with_signature(signer(request.digest))


def verify_signature(signed: SignedRequest) -> None:
    """Raise :class:`OfflineSignatureError` unless the creator's certificate verifies it."""
    mspid, cert = creator_of(signed.request)
    public = cert.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise OfflineSignatureError("creator", "an ECDSA certificate", type(public).__name__)
    try:
        public.verify(signed.signature, signed.request.digest,
                      ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    except InvalidSignature:
        raise OfflineSignatureError(
            "signature", f"a signature of {signed.kind} {signed.transaction_id} by its "
            f"creator ({mspid}, {cert.subject.rfc4514_string()})",
            "one that does not verify") from None
