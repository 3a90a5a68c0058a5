"""``verify_credential``: a ``vc+jwt`` checked to the MSP roots, in time, and on the ledger.

In order (each refusal a :class:`CredentialError` naming its code):

1. the compact JWS parses, its header is ours (ES256, ``vc+jwt``, ``kid``, ``x5c``) and
   the signature verifies with the x5c leaf's key (``FORMAT``, ``HEADER``, ``SIGNATURE``);
2. the x5c chain: each certificate issued by the next, the last one byte for byte a
   trusted root of some MSP in ``roots``, the leaf an ``admin`` or ``client`` identity
   of that MSP, and that MSP may issue this kind of credential: CertifierMSP (and the
   statement's own verifier MSP) for attestations; CertifierMSP or RegulatorMSP for
   reports (``UNTRUSTED``);
3. ``issuer.id`` is a did:x509 that resolves with the chain and ``kid`` is its ``#0``
   (``ISSUER``);
4. the payload is a VC 2.0 credential of our types and shape, whose digests agree
   with what it carries, and, when the issuer is the certificate that attested, whose
   statement carries that certificate's ledger signature (``CREDENTIAL``);
5. the validity period: ``validFrom`` not after ``now`` and within the validity of
   every certificate of the chain, ``validUntil`` (if any) not before ``now``
   (``NOT_YET_VALID``, ``EXPIRED``);
6. the status: ``status_lookup(entry)`` for each ``credentialStatus`` entry answers for
   this very record: the attestation must be ``active`` (``attestation:status``, matched
   by statement digest); a report credential's report must also be ``valid``
   (``report:status``, matched by report id and digest; ``withdrawn`` and
   ``superseded`` refused) (``STATUS_*``).

Certificate revocation lists are not read (as elsewhere in ``verifier``: the trust
directory holds roots only); a withdrawn attestation is what the status check refuses.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .._binding import node_ou
from .._entry import canonical
from .._x509 import public_key
from ._didx509 import DidError, key_id, resolve
from ._errors import CredentialError, StatusUnavailable
from ._jose import read_jws
from ._model import (
    BASE_CONTEXT,
    CONTEXT,
    credential_kind,
    report_status_entry,
    status_entry,
    timestamp,
)
from ._status import StatusLookup, check_answer, check_report_answer, parse_instant

__all__ = ["ATTESTATION_ISSUERS", "REPORT_ISSUERS", "verify_credential"]

ATTESTATION_ISSUERS = ("CertifierMSP",)
REPORT_ISSUERS = ("CertifierMSP", "RegulatorMSP")
_ROLES = ("admin", "client")


def _chain_msp(chain: list[x509.Certificate], roots: dict[str, list[x509.Certificate]]) -> str:
    for i, (cert, issuer) in enumerate(zip(chain, chain[1:], strict=False)):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            raise CredentialError("UNTRUSTED", f"x5c[{i}] {cert.subject.rfc4514_string()!r} "
                                  f"is not issued by x5c[{i + 1}] "
                                  f"{issuer.subject.rfc4514_string()!r}") from None
        try:
            ca = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            ca = False
        if not ca:
            raise CredentialError("UNTRUSTED", f"x5c[{i + 1}] is not a CA certificate")
    last = chain[-1]
    msps = sorted(m for m, certs in roots.items() if last in certs)
    if not msps:
        raise CredentialError("UNTRUSTED", f"the x5c chain ends in "
                              f"{last.subject.rfc4514_string()!r}, which is no trusted MSP "
                              f"root (trusted: {sorted(roots)})")
    if len(msps) > 1:
        raise CredentialError("UNTRUSTED", f"the chain's root is trusted for {msps}; one "
                              "root, one organisation")
    role = node_ou(chain[0])
    if role not in _ROLES:
        raise CredentialError("UNTRUSTED", f"the signer {chain[0].subject.rfc4514_string()!r}"
                              f" is NodeOU {role or 'none'!r}, not an admin or client of "
                              f"{msps[0]}")
    return msps[0]


def _shape(doc: dict[str, Any]) -> str:
    if doc.get("@context") != [BASE_CONTEXT, CONTEXT]:
        raise CredentialError("CREDENTIAL", f"@context is not [{BASE_CONTEXT!r}, the "
                              "carbontrust context] (VC 2.0 and our terms)")
    for key in ("vc", "vp"):
        if key in doc:
            raise CredentialError("CREDENTIAL", f"a JWT claim {key!r} (VC 1.1 wrapping) "
                                  "must not be present in VC 2.0")
    try:
        kind = credential_kind(doc)
    except ValueError as exc:
        raise CredentialError("CREDENTIAL", str(exc)) from None
    issuer = doc.get("issuer")
    if not isinstance(issuer, dict) or not isinstance(issuer.get("id"), str):
        raise CredentialError("CREDENTIAL", "issuer must be {id, name}")
    if not isinstance(doc.get("credentialSubject"), dict):
        raise CredentialError("CREDENTIAL", "credentialSubject must be one object")
    status = doc.get("credentialStatus")
    entries = status if kind == "report" else [status]
    if not isinstance(entries, list) or not entries or \
            not all(isinstance(e, dict) for e in entries):
        raise CredentialError("CREDENTIAL", "credentialStatus must be "
                              + ("a list of entries" if kind == "report" else "one entry"))
    return kind


def _statement_signature(sub: dict[str, Any], leaf: x509.Certificate) -> None:
    """When the credential is issued by the very certificate that attested on the ledger
    (the statement names its fingerprint), the ledger's signature over the statement is
    checked too; another identity of the MSP cannot be checked here (its certificate is
    in the public ledger record, not in the credential)."""
    s, rec = sub["attestation"], sub["ledgerRecord"]
    der = leaf.public_bytes(serialization.Encoding.DER)
    if hashlib.sha256(der).hexdigest() != s["verifier"]["certificate_fingerprint"]:
        return
    try:
        key = public_key(leaf)
        if rec["signatureAlgorithm"] != "ecdsa-with-SHA256" or \
                not isinstance(key, ec.EllipticCurvePublicKey):
            raise InvalidSignature
        key.verify(base64.b64decode(rec["signature"], validate=True), canonical(s),
                   ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, binascii.Error):
        raise CredentialError("CREDENTIAL", "ledgerRecord.signature is not the attesting "
                              "certificate's signature over the statement") from None


def _subject(doc: dict[str, Any], kind: str) -> tuple[str, list[dict[str, Any]], str]:
    """(statement digest, the status entries the subject implies, the stated verifier MSP)."""
    sub = doc["credentialSubject"]
    status = doc["credentialStatus"]
    entry = status[-1] if kind == "report" else status
    channel, chaincode = entry.get("channel"), entry.get("chaincode")
    if not isinstance(channel, str) or not isinstance(chaincode, str):
        raise CredentialError("CREDENTIAL", "credentialStatus names no channel and chaincode")
    try:
        if kind == "attestation":
            s = sub["attestation"]
            digest = "sha256:" + hashlib.sha256(canonical(s)).hexdigest()
            if sub["statementDigest"] != digest:
                raise CredentialError("CREDENTIAL", f"statementDigest "
                                      f"{sub['statementDigest']} is not the statement's "
                                      f"digest {digest}")
            if s["kind"] != "carbontrust.attestation" or \
                    sub["ledgerRecord"]["channel"] != channel:
                raise CredentialError("CREDENTIAL", "the statement is not an attestation "
                                      "statement of this channel")
            uscc, p, version = s["enterprise"]["uscc"], s["period"], s["result"]["version"]
            stated_msp = s["verifier"]["mspid"]
        else:
            att = sub["attestation"]
            digest, version = att["statementDigest"], att["result"]["version"]
            uscc, p = sub["enterprise"]["uscc"], sub["period"]
            stated_msp = ""
            if not isinstance(sub["report"]["digest"], str):
                raise CredentialError("CREDENTIAL", "report.digest is not a digest")
        want: Any = status_entry(channel, chaincode, uscc, p["start"], p["end"], version)
        if kind == "report":
            want = [report_status_entry(channel, chaincode, uscc, p["start"], p["end"],
                                        sub["report"]["version"]), want]
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, CredentialError):
            raise
        raise CredentialError("CREDENTIAL", f"credentialSubject is not a {kind} subject "
                              f"({type(exc).__name__}: {str(exc)[:100]})") from None
    if status != want:
        raise CredentialError("CREDENTIAL", f"credentialStatus {status} is not what the "
                              f"{kind} implies: {want}")
    return digest, want if kind == "report" else [want], stated_msp


def _validity(doc: dict[str, Any], chain: list[x509.Certificate], now: dt.datetime) -> None:
    try:
        start = parse_instant(doc.get("validFrom"), "validFrom")
        end = parse_instant(doc["validUntil"], "validUntil") if "validUntil" in doc else None
    except ValueError as exc:
        raise CredentialError("CREDENTIAL", str(exc)) from None
    if start > now:
        raise CredentialError("NOT_YET_VALID", f"validFrom {doc['validFrom']} is after "
                              f"{timestamp(now)}")
    for i, cert in enumerate(chain):
        if not cert.not_valid_before_utc <= start <= cert.not_valid_after_utc:
            who = "the signer's certificate" if i == 0 else f"x5c[{i}]"
            raise CredentialError("NOT_YET_VALID", f"{who} is valid "
                                  f"{timestamp(cert.not_valid_before_utc)}.."
                                  f"{timestamp(cert.not_valid_after_utc)}, not at validFrom "
                                  f"{doc['validFrom']}")
    if end is not None and end < now:
        raise CredentialError("EXPIRED", f"validUntil {doc['validUntil']} is before "
                              f"{timestamp(now)}")
    if end is not None and end < start:
        raise CredentialError("CREDENTIAL", "validUntil is before validFrom")


def _ask(lookup: StatusLookup, entry: dict[str, Any]) -> Any:
    try:
        return lookup(entry)
    except StatusUnavailable as exc:
        raise CredentialError("STATUS_UNAVAILABLE", str(exc)) from None


def _report_status(entry: dict[str, Any], doc: dict[str, Any], lookup: StatusLookup) -> None:
    rep = doc["credentialSubject"]["report"]
    answer = check_report_answer(entry, _ask(lookup, entry), rep["id"], rep["digest"])
    if answer["status"] == "withdrawn":
        gone: dict[str, Any] = answer["withdrawn"] if isinstance(answer.get("withdrawn"),
                                                                 dict) else {}
        raise CredentialError("STATUS_WITHDRAWN", f"report {rep['id']} was withdrawn on the "
                              f"ledger (tx {gone.get('tx_id')}, {gone.get('timestamp')})")
    if answer["status"] == "superseded":
        by: dict[str, Any] = answer["superseded_by"] if isinstance(
            answer.get("superseded_by"), dict) else {}
        raise CredentialError("STATUS_SUPERSEDED", f"report {rep['id']} is superseded by "
                              f"{by.get('id')} ({by.get('digest')})")


def _status(kind: str, entries: list[dict[str, Any]], digest: str, doc: dict[str, Any],
            lookup: StatusLookup, now: dt.datetime) -> dict[str, Any]:
    source = getattr(lookup, "source", "ledger")
    check_fresh = getattr(lookup, "check_fresh", None)
    if check_fresh is not None:
        check_fresh(now)
    if kind == "report":
        _report_status(entries[0], doc, lookup)
    entry = entries[-1]
    answer = check_answer(entry, _ask(lookup, entry), digest)
    if answer["status"] == "withdrawn":
        raise CredentialError("STATUS_WITHDRAWN", f"the attestation "
                              f"{' '.join(entry['arguments'])} was withdrawn on the ledger "
                              f"(tx {answer.get('changed', {}).get('tx_id')}, "
                              f"{answer.get('changed', {}).get('timestamp')})")
    out = {"status": "active", "source": source, "latest_version": answer["latest_version"]}
    if source == "snapshot":
        out["as_of"] = timestamp(lookup.as_of)  # type: ignore[attr-defined]
    return out


def verify_credential(jws: str, roots: dict[str, list[x509.Certificate]],
                      status_lookup: StatusLookup, *,
                      now: dt.datetime | None = None) -> dict[str, Any]:
    """Check a ``vc+jwt`` credential; return what it shows, or raise :class:`CredentialError`.

    ``roots``: MSP id -> root certificates (:func:`verifier.load_msp_roots`);
    ``status_lookup``: answers ``attestation:status`` for the credential's status entry
    (from the ledger, or a :class:`StatusSnapshot` in the explicit offline mode);
    ``now``: the instant to check validity at (default: the system clock, UTC).
    """
    now = now or dt.datetime.now(dt.UTC)
    token = read_jws(jws)
    doc, chain = token.payload, token.chain
    msp = _chain_msp(chain, roots)
    kind = _shape(doc)
    did = doc["issuer"]["id"]
    try:
        resolve(did, chain)
    except DidError as exc:
        raise CredentialError("ISSUER", str(exc)) from None
    if token.header["kid"] != key_id(did):
        raise CredentialError("ISSUER", f"kid {token.header['kid']!r} is not the issuer's "
                              f"{key_id(did)!r}")
    digest, entries, stated_msp = _subject(doc, kind)
    if kind == "attestation":
        try:
            _statement_signature(doc["credentialSubject"], chain[0])
        except (KeyError, TypeError) as exc:
            raise CredentialError("CREDENTIAL", f"ledgerRecord incomplete ({exc})") from None
    allowed = ATTESTATION_ISSUERS if kind == "attestation" else REPORT_ISSUERS
    if msp not in allowed or (stated_msp and stated_msp != msp):
        raise CredentialError("UNTRUSTED", f"a {kind} credential signed by {msp}; only "
                              f"{' or '.join(allowed)} issues it"
                              + (f" (the statement's verifier is {stated_msp})"
                                 if stated_msp else ""))
    _validity(doc, chain, now)
    status = _status(kind, entries, digest, doc, status_lookup, now)
    return {"kind": kind, "id": doc.get("id"), "issuer": did, "issuer_msp": msp,
            "signer": chain[0].subject.rfc4514_string(), "valid_from": doc["validFrom"],
            "valid_until": doc.get("validUntil"), "status": status,
            "credential": doc}
