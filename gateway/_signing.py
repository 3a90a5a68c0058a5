"""Signing: a hash function and a hash-only signer, so a key can live anywhere.

A *signer* is any callable taking a digest and returning a signature (or an awaitable of
one): an in-process key (:func:`new_private_key_signer`), an HSM, or another process. The
client computes digests with a *hash* callable (SHA-256 by default) and never hands the
signer anything but the digest, which is also what offline signing exposes.

Fabric verifies ECDSA signatures over SHA-256 in DER form and rejects a signature whose S
is above half the curve order (malleability), so the ECDSA signer normalises S to the low
half. Private keys are never logged or included in reprs.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

from gateway._identity import Identity

__all__ = [
    "Hash",
    "MissingSignerError",
    "Signer",
    "SigningIdentity",
    "is_low_s",
    "load_private_key_signer",
    "new_private_key_signer",
    "sha256",
]

Hash = Callable[[bytes], bytes]
"""A hash function: message bytes in, digest out."""

Signer = Callable[[bytes], "bytes | Awaitable[bytes]"]
"""A hash-only signer: digest in, signature out (may be async, e.g. a remote HSM)."""

# Curve orders of the NIST curves Fabric's MSP accepts.
_CURVE_ORDERS: dict[str, int] = {
    "secp256r1": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "secp384r1": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
}


def sha256(message: bytes) -> bytes:
    """SHA-256 digest (Fabric's default hash)."""
    return hashlib.sha256(message).digest()


def _curve_order(key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) -> int:
    name = key.curve.name
    try:
        return _CURVE_ORDERS[name]
    except KeyError:
        raise ValueError(f"unsupported curve for Fabric signing: {name}") from None


def is_low_s(signature: bytes, curve_order: int = _CURVE_ORDERS["secp256r1"]) -> bool:
    """True when the DER ECDSA signature's S is at most half the curve order."""
    _, s = utils.decode_dss_signature(signature)
    return s <= curve_order // 2


_PREHASH: dict[int, hashes.HashAlgorithm] = {
    32: hashes.SHA256(),
    48: hashes.SHA384(),
    64: hashes.SHA512(),
}


class _PrivateKeySigner:
    """ECDSA signer over a digest: DER encoded, S normalised to the low half.

    Fabric hashes with SHA-256 whatever the curve (MSP ``SignatureHashFamily`` SHA2), so the
    digest is usually 32 bytes; 48- and 64-byte digests (a custom ``hash=``) work as well.
    """

    __slots__ = ("_key", "_order", "_deterministic")

    def __init__(self, key: ec.EllipticCurvePrivateKey, deterministic: bool = False) -> None:
        self._key = key
        self._order = _curve_order(key)
        self._deterministic = deterministic

    def __call__(self, digest: bytes) -> bytes:
        prehash = _PREHASH.get(len(digest))
        if prehash is None:
            raise ValueError(
                f"signer expects a 32-, 48- or 64-byte digest, got {len(digest)} bytes"
            )
        algorithm = ec.ECDSA(utils.Prehashed(prehash), deterministic_signing=self._deterministic)
        der = self._key.sign(digest, algorithm)
        r, s = utils.decode_dss_signature(der)
        if s > self._order // 2:
            return utils.encode_dss_signature(r, self._order - s)
        return der

    def __repr__(self) -> str:
        return f"<ECDSA signer {self._key.curve.name}>"


def new_private_key_signer(
    private_key: ec.EllipticCurvePrivateKey | bytes, *, deterministic: bool = False
) -> Callable[[bytes], bytes]:
    """A signer for an ECDSA private key object or its PEM (PKCS#8 / SEC1) bytes.

    It signs the digest it is given (SHA-256 with the default ``hash``, as Fabric expects).
    ``deterministic`` selects RFC 6979 nonces (same digest, same signature).
    """
    if isinstance(private_key, bytes | str):
        data = private_key.encode() if isinstance(private_key, str) else private_key
        loaded = serialization.load_pem_private_key(data, password=None)
        if not isinstance(loaded, ec.EllipticCurvePrivateKey):
            raise ValueError("Fabric signing needs an ECDSA private key")
        private_key = loaded
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise ValueError("Fabric signing needs an ECDSA private key")
    return _PrivateKeySigner(private_key, deterministic)


def load_private_key_signer(key_path: str | Path) -> Callable[[bytes], bytes]:
    """Read a PEM private key file (e.g. an MSP ``keystore/priv_sk``) into a signer."""
    return new_private_key_signer(Path(key_path).read_bytes())


class SigningIdentity:
    """The creator of requests: an identity, its (optional) signer and the hash function.

    Without a signer every request must be signed offline (``Gateway.new_signed_*``).
    """

    __slots__ = ("identity", "signer", "hash", "creator")

    def __init__(self, identity: Identity, signer: Signer | None, hash: Hash = sha256) -> None:
        self.identity = identity
        self.signer = signer
        self.hash = hash
        self.creator = identity.serialize()

    async def sign(self, digest: bytes) -> bytes:
        if self.signer is None:
            raise MissingSignerError(
                "no signer configured: sign the digest offline and use the gateway's "
                "new_signed_* methods"
            )
        signature = self.signer(digest)
        if inspect.isawaitable(signature):
            signature = await signature
        return bytes(signature)


class MissingSignerError(RuntimeError):
    """A request needed signing but the gateway has no signer (offline signing expected)."""
