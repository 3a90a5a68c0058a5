"""VC-JOSE-COSE: a credential secured as a compact JWS (``application/vc+jwt``).

The JWS payload IS the credential (VC 2.0 has no ``vc`` claim wrapper); its bytes are the
credential's RFC 8785 canonical JSON. The protected header is exactly::

    {"alg": "ES256", "typ": "vc+jwt", "cty": "vc", "kid": "<issuer did:x509>#0",
     "x5c": [<leaf DER, base64>, <MSP root DER, base64>]}

signed with the issuer's Fabric identity key (ECDSA P-256). The JWS itself is made and
checked by PyJWT (pinned; already the services' bearer-token library): its ``PyJWS``
signs arbitrary payload bytes with our header and verifies ES256 with an algorithm
allow-list. What PyJWT leaves to its caller is done here: the header is parsed strictly
(no duplicate members, no unknown or ``crit`` members) and the key is taken from the
``x5c`` leaf only, never from a ``jwk``/``jku``/``x5u`` the token could point at.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import jwt
import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .._x509 import public_key
from ._didx509 import der_b64, did_for, key_id
from ._errors import CredentialError

__all__ = ["MEDIA_TYPE", "sign_credential", "read_jws", "Jws"]

MEDIA_TYPE = "application/vc+jwt"
ALG = "ES256"
TYP = "vc+jwt"
CTY = "vc"
_HEADER_KEYS = frozenset({"alg", "typ", "cty", "kid", "x5c"})
_MAX_X5C = 4
_MAX_LEN = 1 << 20


def _load_cert_chain(cert_pem: bytes) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(cert_pem)
    except ValueError as exc:
        raise ValueError(f"certificate PEM unreadable: {exc}") from None


def sign_credential(credential: dict[str, Any], cert_pem: bytes, key_pem: bytes,
                    ca_pem: bytes | None = None) -> str:
    """The credential as a compact JWS (``application/vc+jwt``).

    ``cert_pem`` is the issuer's certificate, optionally followed by its chain up to the
    MSP root; ``ca_pem`` the MSP root when ``cert_pem`` holds the leaf alone (Fabric
    identities keep it in ``msp/cacerts``). The credential's ``issuer.id`` must be the
    did:x509 of that chain, so a verifier resolves the issuer from the header alone.
    """
    chain = _load_cert_chain(cert_pem) + (_load_cert_chain(ca_pem) if ca_pem else [])
    if len(chain) < 2:
        raise ValueError("the x5c chain needs the issuer certificate and its MSP root CA "
                         "(pass ca_pem)")
    key = serialization.load_pem_private_key(key_pem, password=None)
    leaf_key = chain[0].public_key()
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(
            key.curve, ec.SECP256R1) or not isinstance(leaf_key, ec.EllipticCurvePublicKey) \
            or key.public_key().public_numbers() != leaf_key.public_numbers():
        raise ValueError("the private key is not the P-256 key of the issuer certificate")
    did = did_for(chain[0], chain[-1])
    issuer = credential.get("issuer")
    found = issuer.get("id") if isinstance(issuer, dict) else issuer
    if found != did:
        raise ValueError(f"credential issuer {found!r} is not the certificate's {did}")
    header = {"typ": TYP, "cty": CTY, "kid": key_id(did), "x5c": [der_b64(c) for c in chain]}
    payload = rfc8785.dumps(credential)
    return jwt.PyJWS().encode(payload, key, algorithm=ALG, headers=header)


class Jws:
    """A compact JWS split and parsed, its signature checked (:func:`read_jws`)."""

    def __init__(self, header: dict[str, Any], payload: dict[str, Any],
                 chain: list[x509.Certificate]) -> None:
        self.header = header
        self.payload = payload
        self.chain = chain


def _b64url(segment: str, what: str) -> bytes:
    if not segment or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                          "0123456789-_" for c in segment):
        raise CredentialError("FORMAT", f"the {what} is not base64url (RFC 7515: no padding)")
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise CredentialError("FORMAT", f"the {what} is not base64url") from None
    if base64.urlsafe_b64encode(data).rstrip(b"=").decode() != segment:
        raise CredentialError("FORMAT", f"the {what} is not canonical base64url")
    return data


def _strict_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate member {k!r}")
        out[k] = v
    return out


def _json(data: bytes, what: str) -> dict[str, Any]:
    def no_float(text: str) -> Any:
        raise ValueError(f"number {text} with a fraction")

    def no_constant(text: str) -> Any:
        raise ValueError(f"{text} is not JSON")

    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_strict_object,
                           parse_float=no_float, parse_constant=no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CredentialError("FORMAT", f"the {what} is not strict UTF-8 JSON: "
                              f"{str(exc)[:160]}") from None
    if not isinstance(value, dict):
        raise CredentialError("FORMAT", f"the {what} is a JSON {type(value).__name__}, "
                              "not an object")
    return value


def _header(header: dict[str, Any]) -> list[x509.Certificate]:
    extra = sorted(set(header) - _HEADER_KEYS)
    if extra:
        raise CredentialError("HEADER", f"members {extra} are not ours (expected only "
                              f"{sorted(_HEADER_KEYS)}; unknown and crit members refused)")
    for name, want in (("alg", ALG), ("typ", TYP)):
        if header.get(name) != want:
            raise CredentialError("HEADER", f"{name} is {header.get(name)!r}, expected "
                                  f"{want!r}")
    if "cty" in header and header["cty"] != CTY:
        raise CredentialError("HEADER", f"cty is {header['cty']!r}, expected {CTY!r}")
    if not isinstance(header.get("kid"), str):
        raise CredentialError("HEADER", "kid missing (the issuer's did:x509 URL)")
    x5c = header.get("x5c")
    if not isinstance(x5c, list) or not 2 <= len(x5c) <= _MAX_X5C or \
            not all(isinstance(c, str) for c in x5c):
        raise CredentialError("HEADER", f"x5c must list 2-{_MAX_X5C} certificates (leaf "
                              "first, up to the MSP root)")
    chain = []
    for i, text in enumerate(x5c):
        try:
            der = base64.b64decode(text, validate=True)
            cert = x509.load_der_x509_certificate(der)
            cert.subject.rfc4514_string()
            cert.issuer.rfc4514_string()
        except (binascii.Error, ValueError) as exc:
            raise CredentialError("HEADER", f"x5c[{i}] is not a base64 DER certificate: "
                                  f"{str(exc)[:120]}") from None
        chain.append(cert)
    return chain


def read_jws(token: str) -> Jws:
    """Parse the compact JWS, check the header, and verify the ES256 signature with the
    x5c leaf's key. Trust in that key (chain, roots, issuer) is the caller's next step."""
    if not isinstance(token, str) or len(token) > _MAX_LEN:
        raise CredentialError("FORMAT", f"not a compact JWS string of at most {_MAX_LEN} "
                              "characters")
    token = token.strip()
    parts = token.split(".")
    if len(parts) != 3:
        raise CredentialError("FORMAT", f"a compact JWS has 3 segments, found {len(parts)}")
    header = _json(_b64url(parts[0], "protected header"), "protected header")
    chain = _header(header)
    try:  # parsed lazily: an unknown key algorithm fails here
        key = public_key(chain[0])
    except ValueError:
        raise CredentialError("HEADER", "the x5c leaf certificate's key is unreadable") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve,
                                                                        ec.SECP256R1):
        raise CredentialError("HEADER", "the x5c leaf certificate does not hold a P-256 key "
                              "(ES256)")
    payload = _json(_b64url(parts[1], "payload"), "payload")
    _b64url(parts[2], "signature")
    try:
        jwt.PyJWS().decode_complete(token, key, algorithms=[ALG])
    except jwt.InvalidSignatureError:
        raise CredentialError("SIGNATURE", "the ES256 signature does not verify with the "
                              "x5c leaf certificate's key "
                              f"({chain[0].subject.rfc4514_string()})") from None
    except jwt.PyJWTError as exc:
        raise CredentialError("FORMAT", f"JWS refused: {exc}") from None
    return Jws(header, payload, chain)
