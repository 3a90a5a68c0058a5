"""did:x509 identifiers for MSP identities (the issuer of our credentials).

``did:x509:0:sha256:<base64url SHA-256 of the MSP root CA's DER>::subject:CN:<CN>``:
the CA fingerprint pins the organisation (each Fabric MSP has its own root CA) and the
``subject`` predicate names the signing identity within it, the field a Fabric CA keeps
unique per enrolled identity (cryptogen and Fabric CA certificates carry no O in the
leaf, and the NodeOU is a role, not an identity). Resolution is local: the chain travels
in the JWS ``x5c`` header, and the DID resolves only if a non-leaf certificate of that
chain has the fingerprint and the leaf matches every predicate (the method's validation
model, microsoft/did-x509 specification, method version 0).

Hand-written: no maintained Python package implements did:x509; the method is a string
format plus two comparisons, done here with the standard library and ``cryptography``.
Only the ``subject`` predicate is supported (the one we issue); other predicates are
refused as unsupported rather than ignored.
"""

from __future__ import annotations

import base64
import re
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

__all__ = ["did_for", "resolve", "DidError", "key_id"]

PREFIX = "did:x509:0:"
_LABELS = {"CN": x509.NameOID.COMMON_NAME, "L": x509.NameOID.LOCALITY_NAME,
           "ST": x509.NameOID.STATE_OR_PROVINCE_NAME, "O": x509.NameOID.ORGANIZATION_NAME,
           "OU": x509.NameOID.ORGANIZATIONAL_UNIT_NAME, "C": x509.NameOID.COUNTRY_NAME,
           "STREET": x509.NameOID.STREET_ADDRESS}
_HASHES: dict[str, hashes.HashAlgorithm] = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(),
                                            "sha512": hashes.SHA512()}
_IDCHARS = re.compile(r"([A-Za-z0-9._-]|%[0-9A-F]{2})+")
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


class DidError(ValueError):
    """A did:x509 that is malformed, unsupported, or does not resolve with the chain."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _pct(value: str) -> str:
    # allowed unencoded: ALPHA / DIGIT / "-" / "." / "_" (so "~" is encoded too)
    return urllib.parse.quote(value, safe="").replace("~", "%7E")


def fingerprint(cert: x509.Certificate, alg: str = "sha256") -> str:
    return _b64url(cert.fingerprint(_HASHES[alg]))


def _common_name(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if len(names) != 1 or not isinstance(names[0].value, str) or not names[0].value:
        raise DidError(f"certificate {cert.subject.rfc4514_string()!r} has "
                       f"{len(names)} common names; a did:x509 subject needs exactly one")
    return names[0].value


def did_for(leaf: x509.Certificate, ca: x509.Certificate) -> str:
    """The issuer DID of ``leaf`` under the CA certificate ``ca`` (the MSP root)."""
    return f"{PREFIX}sha256:{fingerprint(ca)}::subject:CN:{_pct(_common_name(leaf))}"


def key_id(did: str) -> str:
    """The JWS ``kid``: the DID URL of the resolved document's one verification method."""
    return f"{did}#0"


def _subject_matches(leaf: x509.Certificate, value: str, did: str) -> None:
    items = value.split(":")
    if len(items) % 2 or not items:
        raise DidError(f"{did}: subject predicate {value!r} is not key:value pairs")
    seen: set[str] = set()
    for key, encoded in zip(items[::2], items[1::2], strict=True):
        if key in seen:
            raise DidError(f"{did}: subject key {key} repeated")
        seen.add(key)
        if not _IDCHARS.fullmatch(encoded):
            raise DidError(f"{did}: subject value {encoded!r} is not percent-encoded idchars")
        oid = _LABELS.get(key) or (x509.ObjectIdentifier(key)
                                   if re.fullmatch(r"[0-9]+(\.[0-9]+)+", key) else None)
        if oid is None:
            raise DidError(f"{did}: subject key {key!r} is neither a label nor an OID")
        try:
            want = urllib.parse.unquote(encoded, errors="strict")
        except UnicodeDecodeError:
            raise DidError(f"{did}: subject value {encoded!r} is not UTF-8") from None
        attrs = leaf.subject.get_attributes_for_oid(oid)
        if len(attrs) != 1 or attrs[0].value != want:
            found = [a.value for a in attrs]
            raise DidError(f"{did}: the leaf certificate's subject {key} is {found}, "
                           f"the DID says {want!r}")


def resolve(did: str, chain: list[x509.Certificate]) -> x509.Certificate:
    """Check ``did`` against ``chain`` (leaf first); return the leaf it identifies.

    The chain's own validity (each certificate issued by the next, the last a trusted root)
    is the caller's check; this one is the DID method's: the fingerprint is a non-leaf
    certificate's, and the leaf satisfies every predicate.
    """
    if not isinstance(did, str) or not did.startswith(PREFIX):
        raise DidError(f"{did!r} is not a did:x509 of method version 0")
    if len(chain) < 2:
        raise DidError(f"{did}: a did:x509 needs a chain of at least 2 certificates, "
                       f"found {len(chain)}")
    head, *predicates = did[len(PREFIX):].split("::")
    alg, _, fp = head.partition(":")
    if alg not in _HASHES or not _B64URL.fullmatch(fp):
        raise DidError(f"{did}: CA fingerprint {head!r} is not sha256|sha384|sha512:base64url")
    if not predicates:
        raise DidError(f"{did}: no predicate")
    if fp not in {fingerprint(c, alg) for c in chain[1:]}:
        raise DidError(f"{did}: no CA certificate of the chain has {alg} fingerprint {fp}")
    for predicate in predicates:
        name, sep, value = predicate.partition(":")
        if not sep or not value:
            raise DidError(f"{did}: predicate {predicate!r} has no value")
        if name != "subject":
            raise DidError(f"{did}: predicate {name!r} is not supported (only subject)")
        _subject_matches(chain[0], value, did)
    return chain[0]


def der_b64(cert: x509.Certificate) -> str:
    """A certificate as an ``x5c`` item: standard base64 of its DER (RFC 7515 4.1.6)."""
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")
