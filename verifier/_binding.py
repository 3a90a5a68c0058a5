"""Notary key bindings: an organisation's admin certificate vouches for its notary key.

A binding is ``{"statement", "certificate", "signature"}``: the admin signs (ECDSA P-256,
SHA-256, DER) the canonical JSON of the statement, which names the channel, the MSP, the
log's origin and the Ed25519 verifier key ``<mspid>/notary``. Two checks:

* :func:`check_binding_signature` (pure, also run by the chaincode): the shape, the key
  name, and that the enclosed certificate signed the statement;
* :func:`check_binding_chain` (offline, by a third party): also that the certificate is an
  admin (Fabric NodeOU: its first node OU is ``admin``) issued directly by one of the MSP's
  root certificates, as the channel configuration lists them.

Written on ``cryptography`` rather than a full X.509 path validator on purpose: Fabric MSP
identities in this network are issued directly by the org's root CA, and the question
asked is exactly "did this root sign this certificate", which
``Certificate.verify_directly_issued_by`` answers. No clock is read (a binding made while
the certificate was valid stays a fact of the past); revocation lists are not part of
the trust directory and are not checked.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import notary

from ._entry import canonical, origin
from ._errors import AuditFormatError, BindingError, RootsError
from ._x509 import public_key

__all__ = [
    "BINDING_KIND",
    "notary_key_name",
    "binding_statement",
    "make_binding",
    "check_binding_signature",
    "check_binding_chain",
    "load_msp_roots",
    "BindingError",
    "RootsError",
]

BINDING_KIND = "carbontrust.notary-key-binding"
_STATEMENT_KEYS = frozenset({"v", "kind", "channel", "mspid", "origin", "verifier_key"})
_BINDING_KEYS = frozenset({"statement", "certificate", "signature"})
_NODE_OUS = ("admin", "client", "peer", "orderer")  # as chaincode/carbon/_identity.py


def notary_key_name(mspid: str) -> str:
    """The note key name of an organisation's notary key."""
    return f"{mspid}/notary"


def binding_statement(channel: str, mspid: str, verifier: notary.Verifier) -> dict[str, Any]:
    """The statement an admin of ``mspid`` signs to bind ``verifier`` on ``channel``."""
    return {"v": 1, "kind": BINDING_KIND, "channel": channel, "mspid": mspid,
            "origin": origin(channel), "verifier_key": verifier.to_text()}


def _check_statement(statement: Any) -> notary.Verifier:
    if not isinstance(statement, dict) or set(statement) != _STATEMENT_KEYS:
        found = sorted(statement) if isinstance(statement, dict) else type(statement).__name__
        raise BindingError(f"statement needs exactly keys {sorted(_STATEMENT_KEYS)}, "
                           f"found {found}")
    s = statement
    if type(s["v"]) is not int or s["v"] != 1 or s["kind"] != BINDING_KIND:
        raise BindingError(f"statement is v={s['v']!r} kind={s['kind']!r}, "
                           f"expected v=1 kind={BINDING_KIND!r}")
    mspid = s["mspid"]
    if not isinstance(mspid, str) or not mspid or "/" in mspid or mspid != mspid.strip():
        raise BindingError(f"statement mspid {mspid!r} is not an MSP id")
    if not isinstance(s["channel"], str):
        raise BindingError(f"statement channel {s['channel']!r} is not a string", mspid=mspid)
    try:
        expected_origin = origin(s["channel"])
    except AuditFormatError as exc:
        raise BindingError(str(exc), mspid=mspid) from None
    if s["origin"] != expected_origin:
        raise BindingError(f"statement origin {s['origin']!r} is not {expected_origin!r} "
                           f"of channel {s['channel']!r}", mspid=mspid)
    if not isinstance(s["verifier_key"], str):
        raise BindingError("statement verifier_key is not a string", mspid=mspid)
    try:
        verifier = notary.Verifier.from_text(s["verifier_key"])
    except (notary.FormatError, ValueError) as exc:
        raise BindingError(f"verifier_key of {mspid} unreadable: {exc}", mspid=mspid) from None
    if verifier.name != notary_key_name(mspid):
        raise BindingError(f"verifier key is named {verifier.name!r}, expected "
                           f"{notary_key_name(mspid)!r}", mspid=mspid)
    if verifier.alg != notary.ED25519:
        raise BindingError(f"verifier key of {mspid} has signature type {verifier.alg:#04x}, "
                           f"expected plain Ed25519 {notary.ED25519:#04x}", mspid=mspid)
    return verifier


def _p256_key(cert: x509.Certificate, mspid: str) -> ec.EllipticCurvePublicKey:
    try:  # parsed lazily: an unknown key algorithm or a broken key fails here
        key = public_key(cert)
    except ValueError as exc:
        raise BindingError(f"certificate of {mspid} holds an unreadable public key: {exc}",
                           mspid=mspid) from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise BindingError(f"certificate of {mspid} does not hold an ECDSA P-256 key",
                           mspid=mspid)
    return key


def _certificate(pem: Any, mspid: str) -> x509.Certificate:
    if not isinstance(pem, str):
        raise BindingError(f"certificate of {mspid} is not PEM text", mspid=mspid)
    try:
        certs = x509.load_pem_x509_certificates(pem.encode("utf-8"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise BindingError(f"certificate of {mspid} unreadable: {exc}", mspid=mspid) from None
    if len(certs) != 1:
        raise BindingError(f"binding of {mspid} holds {len(certs)} certificates, expected 1",
                           mspid=mspid)
    try:  # names are parsed lazily: a broken one must fail here, not in a later message
        certs[0].subject.rfc4514_string()
        certs[0].issuer.rfc4514_string()
    except ValueError as exc:
        raise BindingError(f"certificate of {mspid} unreadable: {exc}", mspid=mspid) from None
    again = certs[0].public_bytes(serialization.Encoding.PEM).decode("ascii")
    if pem.replace("\r\n", "\n").strip() != again.strip():  # text around it: not the same binding
        raise BindingError(f"certificate of {mspid} is not exactly one PEM certificate "
                           f"(other text around it)", mspid=mspid)
    return certs[0]


def make_binding(statement: dict[str, Any], cert_pem: bytes, key_pem: bytes) -> dict[str, Any]:
    """Sign ``statement`` with the admin's private key; the key must match ``cert_pem``."""
    _check_statement(statement)
    mspid = statement["mspid"]
    cert_text = cert_pem.decode("utf-8") if isinstance(cert_pem, bytes) else cert_pem
    cert = _certificate(cert_text, mspid)
    public = _p256_key(cert, mspid)
    try:
        private = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise BindingError(f"admin private key of {mspid} unreadable: {exc}",
                           mspid=mspid) from None
    if not isinstance(private, ec.EllipticCurvePrivateKey) or \
            private.public_key().public_numbers() != public.public_numbers():
        raise BindingError(f"the private key is not the key of the certificate of {mspid}",
                           mspid=mspid)
    signature = private.sign(canonical(statement), ec.ECDSA(hashes.SHA256()))
    return {"statement": statement, "certificate": cert_text,
            "signature": base64.b64encode(signature).decode("ascii")}


def _parse_binding(binding: Any) -> tuple[notary.Verifier, x509.Certificate, str]:
    if not isinstance(binding, dict) or set(binding) != _BINDING_KEYS:
        found = sorted(binding) if isinstance(binding, dict) else type(binding).__name__
        raise BindingError(f"binding needs exactly keys {sorted(_BINDING_KEYS)}, found {found}")
    verifier = _check_statement(binding["statement"])
    mspid: str = binding["statement"]["mspid"]
    return verifier, _certificate(binding["certificate"], mspid), mspid


def check_binding_signature(binding: Any) -> notary.Verifier:
    """The bound verifier key, once the binding's certificate is shown to have signed it."""
    verifier, cert, mspid = _parse_binding(binding)
    key = _p256_key(cert, mspid)
    sig_text = binding["signature"]
    try:
        if not isinstance(sig_text, str):
            raise ValueError("not a string")
        signature = base64.b64decode(sig_text, validate=True)
        if base64.b64encode(signature).decode("ascii") != sig_text:
            raise ValueError("not canonical (unused bits set)")
    except (ValueError, binascii.Error) as exc:
        raise BindingError(f"signature of {mspid} is not base64: {exc}", mspid=mspid) from None
    try:
        key.verify(signature, canonical(binding["statement"]), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise BindingError(f"the certificate of {mspid} did not sign this statement "
                           f"(key {verifier.name}+{verifier.key_id:08x})", "signature",
                           mspid) from None
    return verifier


def node_ou(cert: x509.Certificate) -> str:
    """The Fabric NodeOU role of ``cert``: its first OU that names a role, or ''."""
    for attr in cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATIONAL_UNIT_NAME):
        if attr.value in _NODE_OUS:
            return str(attr.value)
    return ""


def check_binding_chain(binding: Any, roots: dict[str, list[x509.Certificate]]) -> notary.Verifier:
    """:func:`check_binding_signature`, and the certificate is an admin of the statement's
    MSP issued directly by one of ``roots[mspid]``."""
    verifier = check_binding_signature(binding)
    mspid: str = binding["statement"]["mspid"]
    cert = _certificate(binding["certificate"], mspid)
    msp_roots = roots.get(mspid)
    if not msp_roots:
        raise BindingError(f"no trusted roots for MSP {mspid} (trusted: {sorted(roots)})",
                           "untrusted", mspid)
    for root in msp_roots:
        try:
            cert.verify_directly_issued_by(root)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            continue
        break
    else:
        raise BindingError(f"certificate {cert.subject.rfc4514_string()!r} (issuer "
                           f"{cert.issuer.rfc4514_string()!r}) is not issued by a root of "
                           f"{mspid}", "untrusted", mspid)
    role = node_ou(cert)
    if role != "admin":
        raise BindingError(f"certificate {cert.subject.rfc4514_string()!r} of {mspid} is "
                           f"NodeOU {role or 'none'!r}, not an admin", "untrusted", mspid)
    return verifier


def load_msp_roots(directory: str | Path) -> dict[str, list[x509.Certificate]]:
    """Read an MSP roots directory: one ``<MSP id>.pem`` per organisation holding its root
    CA certificate(s). Raises :class:`RootsError` naming the file at fault."""
    path = Path(directory)
    if not path.is_dir():
        raise RootsError(f"MSP roots directory {str(path)!r} does not exist")
    roots: dict[str, list[x509.Certificate]] = {}
    for pem in sorted(path.glob("*.pem")):
        try:
            certs = x509.load_pem_x509_certificates(pem.read_bytes())
        except (OSError, ValueError) as exc:
            raise RootsError(f"{pem}: not readable PEM certificates ({exc})") from None
        roots[pem.stem] = certs
    if not roots:
        raise RootsError(f"MSP roots directory {str(path)!r} holds no <MSP id>.pem file")
    return roots
