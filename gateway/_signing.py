"""Signing: hash functions and hash-only signers, so a key can live anywhere.

A *signer* is any callable taking a digest and returning a signature (or an awaitable of
one): an in-process key (:func:`new_private_key_signer`), an HSM (:mod:`gateway._pkcs11`),
or another process. The client computes digests with a *hash* callable (SHA-256 by default;
SHA-384, SHA3-256/384, or :func:`none` for signers that need the whole message, as the
official clients offer) and never hands the signer anything but the digest, which is also
what offline signing exposes.

Fabric verifies ECDSA signatures in DER form and rejects a signature whose S is above half
the curve order (malleability), so every ECDSA signer here normalises S to the low half.
Private keys are never logged or included in reprs.

A synchronous signer may block (an HSM round trip, a remote signing service): it runs in a
worker thread so it never stalls the event loop that every gateway of the process shares.
The in-process signers built here take tens of microseconds and say so (``runs_inline``);
they run on the loop, which saves a thread hop per request. Async signers are awaited.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, utils

from gateway._identity import Identity

__all__ = [
    "Hash",
    "MissingSignerError",
    "Signer",
    "SigningIdentity",
    "der_low_s",
    "is_low_s",
    "load_private_key_signer",
    "new_private_key_signer",
    "none",
    "sha256",
    "sha384",
    "sha3_256",
    "sha3_384",
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


def sha384(message: bytes) -> bytes:
    """SHA-384 digest (for MSPs configured with SHA-384, e.g. P-384 keys)."""
    return hashlib.sha384(message).digest()


def sha3_256(message: bytes) -> bytes:
    """SHA3-256 digest (MSP ``SignatureHashFamily`` SHA3)."""
    return hashlib.sha3_256(message).digest()


def sha3_384(message: bytes) -> bytes:
    """SHA3-384 digest."""
    return hashlib.sha3_384(message).digest()


def none(message: bytes) -> bytes:
    """No hashing: the signer receives the message itself.

    For signers that hash internally or need the whole message (Ed25519), and for callers
    who pre-hash: the signer gets exactly the bytes it is given to sign.
    """
    return bytes(message)


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


def der_low_s(r: int, s: int, curve_order: int) -> bytes:
    """DER ``ECDSA-Sig-Value`` of (r, s) with S moved to the low half, as Fabric requires."""
    if s > curve_order // 2:
        s = curve_order - s
    return utils.encode_dss_signature(r, s)


_PREHASH: dict[int, hashes.HashAlgorithm] = {
    32: hashes.SHA256(),
    48: hashes.SHA384(),
    64: hashes.SHA512(),
}


class _PrivateKeySigner:
    """ECDSA signer over a digest: DER encoded, S normalised to the low half.

    Fabric hashes with SHA-256 whatever the curve (MSP ``SignatureHashFamily`` SHA2), so the
    digest is usually 32 bytes; 48- and 64-byte digests (``hash=sha384``) work as well.
    """

    __slots__ = ("_key", "_order", "_half", "_algorithms")

    runs_inline = True  # microseconds of CPU: no worker thread needed

    def __init__(self, key: ec.EllipticCurvePrivateKey, deterministic: bool = False) -> None:
        self._key = key
        self._order = _curve_order(key)
        self._half = self._order // 2
        self._algorithms = {
            size: ec.ECDSA(utils.Prehashed(h), deterministic_signing=deterministic)
            for size, h in _PREHASH.items()
        }

    def __call__(self, digest: bytes) -> bytes:
        algorithm = self._algorithms.get(len(digest))
        if algorithm is None:
            raise ValueError(
                f"signer expects a 32-, 48- or 64-byte digest, got {len(digest)} bytes"
            )
        der = self._key.sign(digest, algorithm)
        r, s = utils.decode_dss_signature(der)
        if s > self._half:
            return utils.encode_dss_signature(r, self._order - s)
        return der

    def __repr__(self) -> str:
        return f"<ECDSA signer {self._key.curve.name}>"


class _Ed25519Signer:
    """Ed25519 signer: signs the bytes it is given (use it with ``hash=none``).

    Ed25519 hashes internally (SHA-512 inside the scheme), so the official clients pair it
    with the ``none`` hash and the signer receives the whole message.
    """

    __slots__ = ("_key",)

    runs_inline = True

    def __init__(self, key: ed25519.Ed25519PrivateKey) -> None:
        self._key = key

    def __call__(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def __repr__(self) -> str:
        return "<Ed25519 signer>"


PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def new_private_key_signer(
    private_key: PrivateKey | bytes, *, deterministic: bool = False
) -> Callable[[bytes], bytes]:
    """A signer for an ECDSA or Ed25519 private key object or its PEM (PKCS#8 / SEC1) bytes.

    ECDSA signs the digest it is given (SHA-256 with the default ``hash``, as Fabric
    expects); ``deterministic`` selects RFC 6979 nonces (same digest, same signature).
    Ed25519 signs the message itself: connect with ``hash=none``.
    """
    if isinstance(private_key, bytes | str):
        data = private_key.encode() if isinstance(private_key, str) else private_key
        loaded = serialization.load_pem_private_key(data, password=None)
        if not isinstance(loaded, PrivateKey):
            raise ValueError(
                f"Fabric signing needs an ECDSA or Ed25519 private key, got {type(loaded).__name__}"
            )
        private_key = loaded
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return _Ed25519Signer(private_key)
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise ValueError("Fabric signing needs an ECDSA or Ed25519 private key")
    return _PrivateKeySigner(private_key, deterministic)


def load_private_key_signer(key_path: str | Path) -> Callable[[bytes], bytes]:
    """Read a PEM private key file (e.g. an MSP ``keystore/priv_sk``) into a signer."""
    return new_private_key_signer(Path(key_path).read_bytes())


def _is_async(signer: object) -> bool:
    return inspect.iscoroutinefunction(signer) or inspect.iscoroutinefunction(
        getattr(signer, "__call__", None)  # noqa: B004 - an instance's async __call__
    )


class SigningIdentity:
    """The creator of requests: an identity, its (optional) signer and the hash function.

    Without a signer every request must be signed offline (``Gateway.new_signed_*``).
    """

    __slots__ = ("identity", "signer", "hash", "creator", "_mode")

    def __init__(self, identity: Identity, signer: Signer | None, hash: Hash = sha256) -> None:
        self.identity = identity
        self.signer = signer
        self.hash = hash
        self.creator = identity.serialize()
        if signer is None:
            self._mode = "none"
        elif _is_async(signer):
            self._mode = "await"
        elif getattr(signer, "runs_inline", False) is True:
            self._mode = "inline"
        else:
            self._mode = "thread"

    async def sign(self, digest: bytes) -> bytes:
        """Sign ``digest``: on the loop (built-in signers), awaited (async), or in a thread."""
        signer = self.signer
        if signer is None:
            raise MissingSignerError(
                "no signer configured: sign the digest offline and use the gateway's "
                "new_signed_* methods"
            )
        mode = self._mode
        if mode == "inline":  # the hot path: a built-in signer returns bytes at once
            return signer(digest)  # type: ignore[return-value]
        if mode == "thread":
            signature = await asyncio.to_thread(signer, digest)
        else:
            signature = signer(digest)
        if inspect.isawaitable(signature):
            signature = await signature
        return bytes(signature)


class MissingSignerError(RuntimeError):
    """A request needed signing but the gateway has no signer (offline signing expected)."""
