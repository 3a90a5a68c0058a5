"""PKCS#11 signing: ECDSA with a private key held in an HSM (or SoftHSM2), never exported.

Built on python-pkcs11 (maintained, typed, wraps the whole Cryptoki API through Cython and
releases the GIL in C calls) rather than PyKCS11 (a thin SWIG mirror of the C API that
needs hand-built attribute templates and byte juggling for the same work).

The token signs a digest with ``CKM_ECDSA`` and returns the raw ``r || s`` of the PKCS#11
specification; Fabric needs a DER ``ECDSA-Sig-Value`` with S in the lower half of the curve
order, so the signer converts and normalises (:func:`gateway._signing.der_low_s`). A
PKCS#11 session runs one operation at a time, so each signer serialises its signatures on
its session; the gateway calls it from a worker thread, never on the event loop.

:meth:`HSMSignerFactory.generate_key` creates a key pair on the token with the private half
``CKA_SENSITIVE`` and not ``CKA_EXTRACTABLE`` and returns the public key, from which an
organisation's CA can issue the certificate of an enrolled identity.
"""

from __future__ import annotations

import threading
from typing import Any

import pkcs11
from asn1crypto.keys import NamedCurve
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

from gateway._signing import _CURVE_ORDERS, der_low_s

__all__ = ["HSMError", "HSMSigner", "HSMSignerFactory"]


class HSMError(RuntimeError):
    """A PKCS#11 token, key or signature could not be used; says which and why."""


def _curve_name(ec_params: bytes) -> str:
    """The named curve of a ``CKA_EC_PARAMS`` value (DER OBJECT IDENTIFIER)."""
    try:
        return str(NamedCurve.load(bytes(ec_params)).native)
    except ValueError as exc:
        raise HSMError(f"CKA_EC_PARAMS is not a named curve: {bytes(ec_params).hex()}") from exc


class HSMSigner:
    """Signs digests with one EC private key on a token (a :data:`gateway.Signer`)."""

    def __init__(self, session: Any, key: Any, description: str) -> None:
        self._session = session
        self._key = key
        self._description = description
        curve = _curve_name(key[Attribute.EC_PARAMS])
        if curve not in _CURVE_ORDERS:
            raise HSMError(f"{description}: unsupported curve {curve} (P-256 or P-384)")
        self._order = _CURVE_ORDERS[curve]
        self._width = (self._order.bit_length() + 7) // 8
        self._lock = threading.Lock()
        self._closed = False

    def __call__(self, digest: bytes) -> bytes:
        with self._lock:
            if self._closed:
                raise HSMError(f"{self._description}: signer is closed")
            try:
                raw = bytes(self._key.sign(bytes(digest), mechanism=Mechanism.ECDSA))
            except pkcs11.PKCS11Error as exc:
                raise HSMError(
                    f"{self._description}: C_Sign failed ({type(exc).__name__}) on a "
                    f"{len(digest)}-byte digest"
                ) from exc
        if len(raw) != 2 * self._width:
            raise HSMError(
                f"{self._description}: token returned {len(raw)} signature bytes, "
                f"expected r || s of {2 * self._width}"
            )
        r = int.from_bytes(raw[: self._width], "big")
        s = int.from_bytes(raw[self._width :], "big")
        return der_low_s(r, s, self._order)

    def close(self) -> None:
        """Close the token session (the key stays on the token)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._session.close()

    def __enter__(self) -> HSMSigner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<HSMSigner {self._description}>"


class HSMSignerFactory:
    """A loaded PKCS#11 library (one per process and library path) that makes signers."""

    def __init__(self, library: str) -> None:
        if not library or not library.strip():
            raise HSMError("PKCS#11 library path must be given")
        try:
            self._lib = pkcs11.lib(library)
        except (OSError, RuntimeError, pkcs11.PKCS11Error) as exc:
            raise HSMError(f"cannot load PKCS#11 library {library}: {exc}") from exc
        self.library = library

    def _open(self, label: str, pin: str, rw: bool = False) -> Any:
        if not label or not pin:
            raise HSMError("token label and user PIN must be given")
        try:
            token = self._lib.get_token(token_label=label)
        except pkcs11.NoSuchToken:
            raise HSMError(f"no token labelled {label!r} in {self.library}") from None
        try:
            return token.open(user_pin=pin, rw=rw)
        except pkcs11.PinIncorrect:
            raise HSMError(f"token {label!r}: incorrect user PIN") from None

    def new_signer(self, *, label: str, pin: str, identifier: bytes | str) -> HSMSigner:
        """A signer for the EC private key whose ``CKA_ID`` is ``identifier`` on token ``label``."""
        key_id = identifier.encode() if isinstance(identifier, str) else bytes(identifier)
        if not key_id:
            raise HSMError("key identifier (CKA_ID) must be given")
        description = f"token {label!r} key id {key_id.hex()}"
        session = self._open(label, pin)
        try:
            key = session.get_key(
                object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC, id=key_id
            )
            return HSMSigner(session, key, description)
        except pkcs11.NoSuchKey:
            session.close()
            raise HSMError(f"{description}: no EC private key with that CKA_ID") from None
        except pkcs11.MultipleObjectsReturned:
            session.close()
            raise HSMError(f"{description}: several private keys share that CKA_ID") from None
        except BaseException:
            session.close()
            raise

    def generate_key(
        self,
        *,
        label: str,
        pin: str,
        identifier: bytes | str,
        key_label: str = "",
        curve: str = "secp256r1",
    ) -> ec.EllipticCurvePublicKey:
        """Generate an EC key pair on the token; the private key is sensitive, unexportable.

        Returns the public key (to have a certificate issued for it).
        """
        if curve not in _CURVE_ORDERS:
            raise HSMError(f"unsupported curve {curve} (secp256r1 or secp384r1)")
        key_id = identifier.encode() if isinstance(identifier, str) else bytes(identifier)
        with self._open(label, pin, rw=True) as session:
            params = session.create_domain_parameters(
                KeyType.EC,
                {Attribute.EC_PARAMS: encode_named_curve_parameters(curve)},
                local=True,
            )
            public, _ = params.generate_keypair(
                store=True,
                id=key_id,
                label=key_label or key_id.hex(),
                private_template={
                    Attribute.EXTRACTABLE: False,
                    Attribute.SENSITIVE: True,
                    Attribute.SIGN: True,
                },
            )
            loaded = load_der_public_key(encode_ec_public_key(public))
        if not isinstance(loaded, ec.EllipticCurvePublicKey):  # pragma: no cover - EC above
            raise HSMError(f"token {label!r} returned a non-EC public key")
        return loaded
