"""Certificates the registry handles: an enterprise's signing certificate, and revocation.

An enterprise signs with a certificate issued under the regulator's Fabric CA with the
attributes role=enterprise and uscc=<its USCC>.  ``bind_certificate`` accepts only such a
certificate (for the right USCC, with an EC public key, not revoked) and records it in the
enterprise record with its SHA-256 fingerprint; the rules then admit that certificate, and
no other, as the enterprise.  ``revoke_certificate`` records a certificate as revoked on the
ledger; every later transaction by it is refused (rule identity.not_revoked).  Refusal at
the MSP level (the CRL in the channel configuration) is the network's part.
"""

from __future__ import annotations

import json
import re
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from chaincode.shim import Stub

from . import _args
from ._audit import emit
from ._codec import digest, tx_time
from ._identity import Caller, cert_facts
from ._records import get_json, put_json, revoked_key
from ._rules import POWER, REGULATOR, refused

ATTR_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")  # Fabric CA's attribute extension
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


def attributes(cert: x509.Certificate) -> dict[str, str]:
    try:
        ext = cert.extensions.get_extension_for_oid(ATTR_OID)
    except x509.ExtensionNotFound:
        return {}
    raw = ext.value.value if isinstance(ext.value, x509.UnrecognizedExtension) else b""
    try:
        attrs = json.loads(raw.decode("utf-8")).get("attrs", {})
    except (ValueError, AttributeError, RecursionError):  # RecursionError: absurd nesting
        return {}
    if not isinstance(attrs, dict):
        return {}
    out = {str(k): str(v) for k, v in attrs.items()}
    try:  # a "\\ud800" escape parses to a lone surrogate, which no record can hold
        json.dumps(out, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return {}
    return out


def parse_pem(field: str, pem: str) -> tuple[x509.Certificate, str]:
    try:
        return cert_facts(pem.encode("utf-8"))
    except ValueError as exc:
        raise _args.bad(field, "a PEM X.509 certificate", f"unreadable ({exc})") from None


def enterprise_certificate(field: str, pem: str, uscc: str) -> dict[str, Any]:
    """The certificate entry of a record, from a PEM checked for this enterprise."""
    cert, fingerprint = parse_pem(field, pem)
    attrs = attributes(cert)
    if attrs.get("role") != "enterprise" or attrs.get("uscc") != uscc:
        raise _args.bad(field, f"a certificate with attributes role=enterprise, uscc={uscc}",
                        f"role={attrs.get('role')}, uscc={attrs.get('uscc')}")
    if not isinstance(cert.public_key(), ec.EllipticCurvePublicKey):
        raise _args.bad(field, "an EC (ECDSA) public key, to verify declarations",
                        type(cert.public_key()).__name__)
    return {"fingerprint": fingerprint, "serial": format(cert.serial_number, "x"),
            "issuer": cert.issuer.rfc4514_string(), "subject": cert.subject.rfc4514_string(),
            "pem": cert.public_bytes(Encoding.PEM).decode("ascii")}


async def is_revoked(stub: Stub, fingerprint: str) -> bool:
    return await get_json(stub, revoked_key(fingerprint)) is not None


def _may_revoke(c: Caller, entry: dict[str, Any]) -> None:
    """Who may put which certificate on the ledger's revocation list (rule registry.revoke).

    Revocation locks an identity out of every transaction, so each party governs only its own:
    the regulator the enterprises' and meter gateways' certificates (role attribute), the
    power company's admin its meter gateways, and an organisation's admin the certificates its
    own CA issued (same issuer as the admin's).  A bare fingerprint cannot show whose
    certificate it is, so only a certificate the caller could revoke as PEM is accepted, and a
    fingerprint is accepted only for the caller's own certificate (self-revocation)."""
    if entry["serial"] is None:
        if entry["fingerprint"] == c.fingerprint:
            return
        raise refused("registry.revoke", "a certificate to revoke is given as PEM (a bare "
                      "fingerprint cannot show whose it is), unless it is the caller's own; "
                      f"found a fingerprint from {c.describe()}")
    role = entry["role"]
    if c.mspid == REGULATOR and role in ("enterprise", "meter-gateway"):
        return
    if c.mspid == POWER and c.kind == "admin" and role == "meter-gateway":
        return
    if c.kind == "admin" and role not in ("enterprise", "meter-gateway") \
            and entry["issuer"] == c.issuer:
        return
    raise refused("registry.revoke", "the regulator revokes enterprise and meter-gateway "
                  "certificates, the PowerMSP admin meter-gateway certificates, an "
                  "organisation's admin those its own CA issued; found "
                  f"role={role} issued by {entry['issuer']!r}, caller {c.describe()}")


async def revoke(stub: Stub, c: Caller, what: str, reason: str) -> dict[str, Any]:
    """Record a certificate (PEM, or its fingerprint) as revoked."""
    _args.text("reason", reason)
    entry: dict[str, Any]
    if what.lstrip().startswith("-----BEGIN"):
        cert, fingerprint = parse_pem("cert_pem_or_fingerprint", what)
        role = attributes(cert).get("role")
        entry = {"fingerprint": fingerprint, "serial": format(cert.serial_number, "x"),
                 "issuer": cert.issuer.rfc4514_string(), "role": role}
    elif _FINGERPRINT.fullmatch(what):
        entry = {"fingerprint": what, "serial": None, "issuer": None, "role": None}
    else:
        raise _args.bad("cert_pem_or_fingerprint", "a PEM certificate or a SHA-256 "
                        "fingerprint (64 lower-case hex digits)", what)
    _may_revoke(c, entry)
    key = revoked_key(entry["fingerprint"])
    if await get_json(stub, key) is not None:
        raise _args.conflict(f"certificate {entry['fingerprint']} is already revoked")
    entry.update(reason=reason, tx_id=stub.tx_id, timestamp=tx_time(stub),
                 revoked_by=c.mspid)
    data = await put_json(stub, key, entry)
    emit(stub, "registry.revoke_certificate", {"fingerprint": entry["fingerprint"]},
         {"revocation": digest(data)})
    return entry
