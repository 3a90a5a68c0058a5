"""``verify_report``: a carbon credit report checked offline against its proof bundle.

Trusting only the MSP root certificates the reader holds (``--trust DIR``), in this order
(cheap checks first, so most tampering is refused before anything is recomputed; each
failure is a :class:`ReportCheckError` whose code names the check):

1. the report parses strictly and is a valid document of the published schema
   (``REPORT_SCHEMA``); its RFC 8785 digest and id are the ones the bundle names
   (``REPORT_DIGEST``);
2. the bundle's MSP roots are among the trusted ones (``ROOTS_UNTRUSTED``), every notary
   key binding is signed by an admin certificate issued by its MSP's root, and the
   checkpoint carries at least 3 cosignatures by bound keys (the audit export's checks,
   :mod:`verifier._checkpoints`); the report's own ``ledger.checkpoint`` is extended by it
   (a consistency proof, ``CHECKPOINT_INCONSISTENT``);
3. every entry has an inclusion proof under the checkpoint (``ENTRY_*``);
4. the attestation's certificate is issued by CertifierMSP's root and signed the
   statement (``ATTESTATION_*``);
5. every record and opening is what its entry commits to (:mod:`verifier._bundle_links`),
   and the totals are the sums of the cited batches and corrections (``TOTALS``);
6. the report and the attestation are ``valid`` (``STATUS``);
7. the report is rebuilt from the records with :func:`verifier.report.build_report`,
   which recomputes emissions, months, intensities and ratings with ``accounting`` and the
   cited factor, rule and benchmark sets (``RECOMPUTE``), and must equal the report byte
   for byte (``REPORT_MISMATCH`` names the first differing field);
8. with a PDF, :func:`verifier.report.check_pdf` (``PDF``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import notary

from ._binding import node_ou
from ._bundle_format import Bundle, parse_bundle
from ._bundle_links import check_totals, digest_of, link_entries
from ._checkpoints import Trust, trust_from_bindings, verify_note
from ._entry import THRESHOLD, Leaf, canonical, loads_strict
from ._errors import AuditCheckError, AuditFormatError
from ._report_errors import ReportCheckError, UnreadableInput
from ._window import _prove
from ._x509 import public_key

__all__ = ["CERTIFIER_MSP", "ReportSummary", "verify_report", "clear_memo"]

CERTIFIER_MSP = "CertifierMSP"
_ATTESTER_ROLES = ("admin", "client")


@dataclass(frozen=True)
class ReportSummary:
    """What a valid report and bundle show."""

    report_id: str
    digest: str
    uscc: str
    name: str
    period: tuple[str, str]
    total_tco2e: str
    labels: tuple[str, ...]
    opinion: str
    checkpoint_size: int
    cosigners: tuple[str, ...]
    entries: int
    pdf_pages: int | None

    def line(self) -> str:
        pdf = "" if self.pdf_pages is None else f"; PDF ({self.pdf_pages} pages) matches"
        return (f"VALID {self.report_id} {self.digest}: {self.name} ({self.uscc}) "
                f"{self.period[0]}..{self.period[1]}, {self.total_tco2e} tCO2e, rating "
                f"{'/'.join(self.labels)}, attestation {self.opinion}; {self.entries} audit "
                f"entries under checkpoint {self.checkpoint_size} cosigned by "
                f"{', '.join(self.cosigners)}{pdf}")


def _audit(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except AuditCheckError as exc:
        raise ReportCheckError(exc.code, exc.detail) from None


def _report(report_bytes: bytes, expected: str) -> tuple[dict[str, Any], bytes, str]:
    """The report parsed strictly, its RFC 8785 bytes and digest. The schema is checked
    once, by ``build_report`` on the rebuilt report, which the report must equal byte for
    byte; until then only the fields read here are checked for shape."""
    from verifier.report import ReportError, canonical_bytes, parse_report_json
    try:
        report = parse_report_json(report_bytes)
    except ReportError as exc:
        if exc.detail.startswith(("not UTF-8", "not JSON")):
            raise UnreadableInput(f"the report is not JSON: {exc}") from None
        raise ReportCheckError("REPORT_SCHEMA", f"report.json: {exc}") from None
    section = report.get("report") if isinstance(report, dict) else None
    ledger = report.get("ledger") if isinstance(report, dict) else None
    cp = ledger.get("checkpoint", 0) if isinstance(ledger, dict) else 0
    if not isinstance(section, dict) or not isinstance(section.get("id"), str) or \
            not isinstance(section.get("version"), int) or "status" not in section or \
            "supersedes" not in section or not (cp is None or _checkpoint_shape(cp)):
        raise ReportCheckError("REPORT_SCHEMA", "report.json: not a carbon credit report "
                               "(report.id, report.version, report.status, "
                               "report.supersedes or ledger.checkpoint missing or mistyped)")
    if "sha256:" + hashlib.sha256(report_bytes).hexdigest() == expected:
        data = bytes(report_bytes)  # the issued bytes; the rebuild shows they are canonical
    else:
        try:
            data = canonical_bytes(report)
        except ReportError as exc:
            raise ReportCheckError("REPORT_SCHEMA", f"report.json: {exc}") from None
    return report, data, "sha256:" + hashlib.sha256(data).hexdigest()


def _checkpoint_shape(cp: Any) -> bool:
    return (isinstance(cp, dict) and set(cp) == {"origin", "size", "root"}
            and isinstance(cp["origin"], str) and isinstance(cp["size"], int)
            and not isinstance(cp["size"], bool) and cp["size"] >= 0
            and isinstance(cp["root"], str))


def _roots(b: Bundle, roots: dict[str, list[x509.Certificate]]) -> None:
    for mspid, pems in b.msp_roots:
        trusted = {c.public_bytes(serialization.Encoding.DER) for c in roots.get(mspid, [])}
        for i, pem in enumerate(pems):
            try:
                cert = x509.load_pem_x509_certificate(pem.encode("utf-8"))
                cert.subject.rfc4514_string()
                if cert.public_bytes(serialization.Encoding.PEM).decode() != pem:
                    raise ValueError("other text around the certificate")
            except (ValueError, UnicodeEncodeError) as exc:
                raise ReportCheckError("FORMAT", f"msp_roots.{mspid}[{i}] is not a PEM "
                                       f"certificate: {exc}") from None
            if cert.public_bytes(serialization.Encoding.DER) not in trusted:
                raise ReportCheckError(
                    "ROOTS_UNTRUSTED", f"msp_roots.{mspid}[{i}] ({cert.subject.rfc4514_string()}"
                    f", sha256 {cert.fingerprint(hashes.SHA256()).hex()[:16]}...) is not among "
                    f"the trusted roots of {mspid} ({len(trusted)} trusted)")


_TRUST_MEMO: dict[bytes, Trust] = {}
_MEMO_SIZE = 64


def _trust(b: Bundle, roots: dict[str, list[x509.Certificate]]) -> Trust:
    """The checked key bindings, memoised on the exact bytes of the bindings, channel and
    trusted roots: a bank verifying many reports of one channel meets the same bindings
    every time, and the check is a pure function of those bytes. Refusals are not kept."""
    key = hashlib.sha256(canonical([b.channel, list(b.key_bindings)]) + b"".join(
        m.encode() + c.fingerprint(hashes.SHA256()) for m in sorted(roots)
        for c in roots[m])).digest()
    hit = _TRUST_MEMO.get(key)
    if hit is None:
        hit = _audit(trust_from_bindings, b.key_bindings, b.channel, roots)
        if len(_TRUST_MEMO) >= _MEMO_SIZE:
            _TRUST_MEMO.clear()
        _TRUST_MEMO[key] = hit
    return hit


def clear_memo() -> None:
    """Forget memoised binding checks (the benchmark measures cold verifications)."""
    _TRUST_MEMO.clear()


def _report_checkpoint(b: Bundle, report: dict[str, Any], cp: notary.Checkpoint) -> int:
    """The size of the report's own checkpoint (0 if none), shown extended by ``cp``."""
    rc = report["ledger"]["checkpoint"]
    if rc is None:
        if b.report_checkpoint_proof:
            raise ReportCheckError("CHECKPOINT_INCONSISTENT", "report_checkpoint_proof is "
                                   "given but the report names no checkpoint")
        return 0
    if rc["origin"] != b.origin:
        raise ReportCheckError("CHECKPOINT_INCONSISTENT", f"the report's checkpoint is of "
                               f"{rc['origin']!r}, the bundle's of {b.origin!r}")
    try:
        root = base64.b64decode(rc["root"], validate=True)
        mine = notary.Checkpoint(rc["origin"], rc["size"], root)
        notary.check_extends(mine, cp, b.report_checkpoint_proof)
    except (binascii.Error, ValueError, notary.ProofError, notary.FormatError) as exc:
        raise ReportCheckError("CHECKPOINT_INCONSISTENT", f"the bundle's checkpoint (size "
                               f"{cp.size}) does not extend the report's ledger.checkpoint "
                               f"(size {rc['size']}): {exc}") from None
    return int(rc["size"])


def _leaf(data: bytes, where: str) -> Leaf:
    """A leaf whose hash is proven: the log's own bytes, which the followers wrote in
    canonical form, so it is parsed (strictly) without re-encoding it to check that."""
    try:
        v = loads_strict(data)
    except AuditFormatError as exc:
        raise ReportCheckError("FORMAT", f"{where}: {exc}") from None
    if not isinstance(v, dict) or set(v) != {"block", "index", "tx_id", "entry"} or \
            not isinstance(v["tx_id"], str) or not isinstance(v["entry"], dict):
        raise ReportCheckError("FORMAT", f"{where}: not an audit leaf")
    return Leaf(v["block"], v["index"], v["tx_id"], v["entry"])


def _entries(b: Bundle, cp: notary.Checkpoint) -> dict[str, tuple[int, Leaf]]:
    out: dict[str, tuple[int, Leaf]] = {}
    previous = -1
    for e in b.entries:
        if e.index <= previous:
            code = "ENTRY_DUPLICATE" if e.index == previous else "ENTRY_ORDER"
            raise ReportCheckError(code, f"{e.where} has log index {e.index} after {previous}:"
                                   f" entries must be in log order, each once")
        previous = e.index
        _audit(_prove, e, cp.size, cp.root)
        assert e.leaf is not None
        leaf = _leaf(e.leaf, e.where)
        if leaf.tx_id in out:
            raise ReportCheckError("ENTRY_DUPLICATE", f"{e.where}: tx {leaf.tx_id} is also "
                                   f"log index {out[leaf.tx_id][0]}")
        out[leaf.tx_id] = (e.index, leaf)
    return out


def _attestation(att: dict[str, Any], roots: dict[str, list[x509.Certificate]]) -> None:
    pem, st = att.get("certificate"), att.get("statement")
    try:
        cert = x509.load_pem_x509_certificate(str(pem).encode("utf-8"))
        cert.subject.rfc4514_string()  # parsed lazily: a broken name raises here
        cert.issuer.rfc4514_string()
    except (ValueError, UnicodeEncodeError) as exc:
        raise ReportCheckError("FORMAT", f"records.attestation.certificate: {exc}") from None
    for root in roots.get(CERTIFIER_MSP, []):
        try:
            cert.verify_directly_issued_by(root)
            break
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            continue
    else:
        raise ReportCheckError("ATTESTATION_UNTRUSTED", f"the attestation's certificate "
                               f"{cert.subject.rfc4514_string()!r} is not issued by a root of "
                               f"{CERTIFIER_MSP}")
    role = node_ou(cert)
    if role not in _ATTESTER_ROLES:
        raise ReportCheckError("ATTESTATION_UNTRUSTED", f"the attestation's certificate is "
                               f"NodeOU {role or 'none'!r}, not a {CERTIFIER_MSP} admin or "
                               f"client")
    verifier = st.get("verifier") if isinstance(st, dict) else None
    if not isinstance(verifier, dict) or verifier.get("mspid") != CERTIFIER_MSP or \
            verifier.get("certificate_fingerprint") != cert.fingerprint(hashes.SHA256()).hex():
        raise ReportCheckError("ATTESTATION_UNTRUSTED", "statement.verifier does not name "
                               f"{CERTIFIER_MSP} and the fingerprint of the certificate")
    try:
        key = public_key(cert)   # parsed lazily: an unknown key algorithm fails here
        sig = base64.b64decode(str(att.get("signature")), validate=True)
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise InvalidSignature
        key.verify(sig, canonical(st), ec.ECDSA(hashes.SHA256()))
    except (binascii.Error, ValueError, InvalidSignature, AuditFormatError):
        raise ReportCheckError("ATTESTATION_SIGNATURE", "the attestation's signature does "
                               "not verify over the statement with its certificate") from None


def _attester_is_actor(att: dict[str, Any], relied: list[Any]) -> None:
    """The attestation's transaction was submitted by the certificate that signed it."""
    st = att["statement"]
    want = {"mspid": CERTIFIER_MSP,
            "fingerprint": st["verifier"]["certificate_fingerprint"]}
    for r in relied:
        if r.leaf.name == "attestation.attest":
            actor = r.leaf.entry.get("actor")
            got = ({k: actor.get(k) for k in want} if isinstance(actor, dict) else actor)
            if got != want:
                raise ReportCheckError("ENTRY_MISMATCH", f"the attestation's entry (tx "
                                       f"{r.tx_id}) was submitted by {got}, not by the "
                                       f"signer {want}")


def _first_difference(a: Any, b: Any, path: str) -> str:
    from verifier.report._check import _first_difference as first
    d = first(a, b, path)
    if d is None:
        return f"{path} (same values, other bytes)"
    where, want, got = d
    return f"{where} is {str(got)[:80]!r}, the records give {str(want)[:80]!r}"


def _rebuild(b: Bundle, report: dict[str, Any], data: bytes) -> None:
    from verifier.report import ReportError, build_report, canonical_bytes
    section = report["report"]
    for what, status in (("report", section["status"]),
                         ("attestation", b.attestation.get("status"))):
        if status != "valid":
            raise ReportCheckError("STATUS", f"the {what} is {status!r}, not 'valid'")
    inputs = {"result": {"digest": digest_of(b.result), "record": b.result},
              "attestation": b.attestation, "ratings": list(b.ratings),
              "report": {k: section[k] for k in ("version", "supersedes", "status")},
              "ledger": {"channel": b.channel, "checkpoint": report["ledger"]["checkpoint"]}}
    try:
        again = build_report(inputs)
        if canonical_bytes(again) == data:
            return
    except ReportError as exc:
        raise ReportCheckError("RECOMPUTE", f"the records do not give a report: {exc}") from None
    raise ReportCheckError("REPORT_MISMATCH", _first_difference(again, report, "report"))


def verify_report(report_bytes: bytes, bundle_bytes: bytes,
                  roots: dict[str, list[x509.Certificate]],
                  pdf: bytes | None = None) -> ReportSummary:
    """Check ``report_bytes`` with ``bundle_bytes`` trusting only ``roots`` (MSP id -> root
    certificates, :func:`verifier.load_msp_roots`). Raises :class:`ReportCheckError`
    (refused, with its code) or :class:`UnreadableInput`."""
    b = parse_bundle(bundle_bytes)
    report, data, digest = _report(report_bytes, b.report_digest)
    if (b.report_id, b.report_digest) != (report["report"]["id"], digest):
        raise ReportCheckError("REPORT_DIGEST", f"the report is {report['report']['id']} "
                               f"{digest}; the bundle is for {b.report_id} {b.report_digest}")
    if b.threshold != THRESHOLD:
        raise ReportCheckError("THRESHOLD", f"the bundle claims threshold {b.threshold}; the "
                               f"audit trail anchors with {THRESHOLD} cosignatures")
    _roots(b, roots)
    trust = _trust(b, roots)
    head = _audit(verify_note, b.checkpoint, "checkpoint", b.origin, trust)
    cp = head.checkpoint
    covered = _report_checkpoint(b, report, cp)
    entries = _entries(b, cp)
    _attestation(b.attestation, roots)
    relied = link_entries(b, entries, report, digest)
    _attester_is_actor(b.attestation, relied)
    if covered:
        late = [r for r in relied if r.what != "the report" and r.index >= covered]
        if late:
            raise ReportCheckError("CHECKPOINT_INCONSISTENT", f"{late[0].what} (log index "
                                   f"{late[0].index}) is not covered by the report's "
                                   f"ledger.checkpoint (size {covered})")
    check_totals(b.result)
    _rebuild(b, report, data)
    pages = None
    if pdf is not None:
        from verifier.report import PdfError, ReportError, check_pdf
        try:
            pages = check_pdf(pdf, report_bytes).pages
        except (PdfError, ReportError) as exc:
            raise ReportCheckError("PDF", f"report.pdf: {exc}") from None
    ratings = report["rating"]["ratings"]
    return ReportSummary(
        report["report"]["id"], digest, report["enterprise"]["uscc"],
        report["enterprise"]["name"], (report["period"]["start"], report["period"]["end"]),
        report["emissions"]["total_tco2e"], tuple(str(r["label"]) for r in ratings),
        report["rating"]["attestation_opinion"], cp.size, head.cosigners, len(relied), pages)
