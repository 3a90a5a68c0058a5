"""The bank's check of a report and its proof bundle before it shows or lends on it.

Three things, each refused with its own problem:

1. the report is the one the ledger stands behind: its RFC 8785 bytes hash to the digest of
   the public status record (``report:status`` on the bank's own peer) and that record is
   ``valid`` (not superseded, not withdrawn): 409 ``report-not-current``;
2. :func:`verifier.verify_report` accepts report and bundle trusting only the channel's MSP
   roots (the service's ``msp_roots`` directory): 422 ``report-not-verified`` with the
   verifier's reason code;
3. the bundle's checkpoint is a state of the bank's **own** copy of the audit log (its notary
   follower's ``audit.db``): the root of its log at that size is the checkpoint's root. With
   (2) every entry the report relies on is then in the log the bank follows itself, so a
   bundle built from another organisation's store proves nothing the bank's own does not:
   422 ``bundle-not-in-own-log``; its log not yet that long is 503 (try again).

No Merkle code here: :mod:`notary` parses and the store's log computes the root.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.service._ledger import LedgerPort
from gateway.service._problems import ApiProblem

__all__ = ["Checked", "check_report", "report_bytes"]


@dataclass(frozen=True)
class Checked:
    digest: str
    status: dict[str, Any]
    line: str                  # the verifier's VALID line
    checkpoint_size: int


def report_bytes(report: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """The report's canonical bytes, once it is a valid report (422 naming the field)."""
    from verifier.report import ReportError, canonical_bytes, validate

    try:
        validate(report)
        return canonical_bytes(report), report
    except ReportError as exc:
        raise ApiProblem(422, "invalid-request", f"report{exc.field.lstrip('$')}: "
                         f"{exc.detail}") from None


def _ledger_status(ledger: LedgerPort, report: dict[str, Any], digest: str) -> dict[str, Any]:
    uscc = report["enterprise"]["uscc"]
    period = report["period"]
    version = str(report["report"]["version"])
    status: dict[str, Any] = ledger.evaluate_json("report:status", [uscc, period["start"],
                                                                    period["end"], version])
    if status.get("digest") != digest:
        raise ApiProblem(409, "report-not-current", f"report {report['report']['id']} has "
                         f"digest {digest}; the ledger's is {status.get('digest')}",
                         expected=status.get("digest"), found=digest)
    if status.get("status") != "valid":
        raise ApiProblem(409, "report-not-current", f"report {status.get('id')} is "
                         f"{status.get('status')} on the ledger", found=status.get("status"))
    return status


def _verify(data: bytes, bundle: bytes, roots_dir: Path) -> Any:
    from verifier import ReportCheckError, RootsError, UnreadableInput, verify_report
    from verifier._binding import load_msp_roots

    try:
        roots = load_msp_roots(roots_dir)
    except RootsError as exc:
        raise ApiProblem(503, "not-configured", f"the bank's MSP roots: {exc}") from None
    try:
        return verify_report(data, bundle, roots)
    except ReportCheckError as exc:
        raise ApiProblem(422, "report-not-verified", str(exc), code=exc.code) from None
    except UnreadableInput as exc:
        raise ApiProblem(422, "report-not-verified", f"FORMAT {exc}", code="FORMAT") from None


def _own_log(store_path: Path | str, bundle: dict[str, Any]) -> None:
    import notary
    from gateway.service._audit_log import open_log

    note = notary.Note.parse(bundle["checkpoint"])
    cp = notary.Checkpoint.from_body(note.text)
    with open_log(store_path, "BankMSP") as store:  # a follower's audit.db or a store's URL
        size = store.log.size
        if size < cp.size:
            raise ApiProblem(503, "own-log-behind", f"the bank's own log has {size} entries; "
                             f"the bundle's checkpoint {cp.size} (its follower catches up)",
                             headers={"Retry-After": "5"})
        ours = store.log.root(cp.size)
    if ours != cp.root:
        raise ApiProblem(422, "bundle-not-in-own-log", f"the bundle's checkpoint of size "
                         f"{cp.size} has root {cp.root.hex()}; the bank's own log has "
                         f"{ours.hex()} at that size", expected=ours.hex(),
                         found=cp.root.hex())


def check_report(ledger: LedgerPort, report: dict[str, Any], bundle: dict[str, Any],
                 roots_dir: Path, store_path: Path | str) -> Checked:
    """Checks 1-3 above, in that order; the verified facts."""
    import json

    data, report = report_bytes(report)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    status = _ledger_status(ledger, report, digest)
    bundle_data = json.dumps(bundle, ensure_ascii=False).encode("utf-8")
    summary = _verify(data, bundle_data, roots_dir)
    _own_log(store_path, bundle)
    return Checked(digest, status, summary.line(), summary.checkpoint_size)
