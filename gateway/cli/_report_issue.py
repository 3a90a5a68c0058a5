"""The steps of issuing a report, shared by ``carbontrust report issue`` and the services'
report jobs (gateway/service/_report_jobs.py).

Each step takes what it reads through as plain callables, not the CLI's ``App``:
``evaluate(function, args) -> decoded JSON`` (a contract evaluation on the caller's own
peer) and, for the anchor waits and the bundle, ``open_audit()`` (a context manager over
the organisation's :class:`gateway.audit.AuditStore`, see :mod:`._report_bundle`). The
command line passes its options-bound ``App``; a service passes its ``LedgerPort`` and the
store named by its settings. The steps:

1. :func:`gather` the latest result (or one version), its attestation and ratings, the
   enterprise record and the latest issued report status (None before version 1);
2. wait until the inputs' audit entries are anchored (:func:`._report_bundle.wait_anchored`);
3. :func:`build` the report citing that checkpoint: its RFC 8785 bytes and its PDF;
4. ``report:issue`` (the caller submits: :data:`ISSUERS` endorse, the bytes in transient);
5. wait until the report's own entry is anchored, then :func:`bundle_bytes`;
6. :func:`verify_files`: the three files checked with the channel's MSP roots, as a bank.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.cli._exit import LedgerRefused
from gateway.cli.results import version_text

__all__ = ["ISSUERS", "Built", "Evaluate", "Inputs", "build", "bundle_bytes", "checkpoint_of",
           "gather", "latest_status", "verify_files"]

ISSUERS = ("PowerMSP", "CertifierMSP", "RegulatorMSP")  # privateReadings' members
Evaluate = Callable[[str, list[str]], Any]


@dataclass(frozen=True)
class Inputs:
    """What the ledger holds for one report: the records it is built from."""

    args: list[str]                 # uscc, from, to
    result: dict[str, Any]          # results:get's answer ({"record", ...})
    records: dict[str, Any]         # {"result": record, "attestation", "ratings"}
    enterprise: dict[str, Any]
    previous: dict[str, Any] | None  # the latest issued report's status

    @property
    def next_version(self) -> int:
        return 1 if self.previous is None else int(self.previous["version"]) + 1

    def input_tx_ids(self) -> list[str]:
        """The transactions the report relies on, its own excepted."""
        from verifier import relied_tx_ids

        r = self.records
        return relied_tx_ids("", r["result"], r["attestation"], r["ratings"])[:-1]

    def tx_ids_with(self, report_tx_id: str) -> list[str]:
        from verifier import relied_tx_ids

        r = self.records
        return relied_tx_ids(report_tx_id, r["result"], r["attestation"], r["ratings"])


@dataclass(frozen=True)
class Built:
    doc: dict[str, Any]
    data: bytes                     # the RFC 8785 bytes report:issue takes
    pdf: bytes

    @property
    def version(self) -> int:
        return int(self.doc["report"]["version"])

    @property
    def report_id(self) -> str:
        return str(self.doc["report"]["id"])

    @property
    def digest(self) -> str:
        import hashlib

        return "sha256:" + hashlib.sha256(self.data).hexdigest()


def latest_status(evaluate: Evaluate, args: list[str],
                  version: int | None = None) -> dict[str, Any] | None:
    """``report:status`` of one version (or the latest); None when the ledger has none."""
    try:
        found = evaluate("report:status", [*args, version_text(version)])
    except LedgerRefused as exc:
        if exc.status == 404:
            return None
        raise
    return found if isinstance(found, dict) else None


def gather(evaluate: Evaluate, uscc: str, from_date: str, to_date: str,
           version: int | None) -> Inputs:
    args = [uscc, from_date, to_date]
    result = evaluate("results:get", [*args, version_text(version)])
    n = str(result["record"]["version"])
    records = {"result": result["record"],
               "attestation": evaluate("attestation:get", [*args, n]),
               "ratings": evaluate("rating:get", [*args, n])["ratings"]}
    enterprise = evaluate("registry:get_enterprise", [uscc])
    return Inputs(args, result, records, enterprise, latest_status(evaluate, args))


def checkpoint_of(note: str) -> dict[str, Any]:
    import notary

    cp = notary.Checkpoint.from_body(notary.Note.parse(note).text)
    return {"origin": cp.origin, "size": cp.size,
            "root": base64.b64encode(cp.root).decode("ascii")}


def build(inputs: Inputs, channel: str, note: str) -> Built:
    """The report (version: the next after the latest issued) citing the anchored
    checkpoint ``note``; LedgerRefused when the ledger's records do not make one."""
    from verifier.report import ReportError, build_report, canonical_bytes, render_pdf

    prev, record = inputs.previous, inputs.records["result"]
    doc_inputs = {"result": inputs.result, "attestation": inputs.records["attestation"],
                  "ratings": inputs.records["ratings"], "enterprise": inputs.enterprise,
                  "monthly_totals": {"uscc": inputs.args[0], "period": record["period"],
                                     "months": record["inputs"]["monthly"]},
                  "report": {"version": inputs.next_version,
                             "supersedes": None if prev is None else
                             {"id": prev["id"], "digest": prev["digest"]},
                             "status": "valid"},
                  "ledger": {"channel": channel, "checkpoint": checkpoint_of(note)}}
    try:
        doc = build_report(doc_inputs)
        return Built(doc, canonical_bytes(doc), render_pdf(doc))
    except ReportError as exc:
        raise LedgerRefused(f"the ledger's records do not make a report: {exc}") from None


def bundle_bytes(open_audit: Any, evaluate: Evaluate, *, channel: str, inputs: Inputs,
                 doc: dict[str, Any], digest: str, tx_id: str, roots: dict[str, bytes],
                 size: int) -> bytes:
    """bundle.json's bytes under the anchored checkpoint of ``size`` (the caller waited)."""
    from gateway.cli._report_bundle import bundle_from_store

    n = str(inputs.records["result"]["version"])
    openings = evaluate("report:openings", [*inputs.args, n])
    bundle = bundle_from_store(open_audit, channel=channel, report=doc, report_digest=digest,
                               report_tx_id=tx_id, records=inputs.records,
                               openings=openings, msp_roots=roots, size=size)
    return (json.dumps(bundle, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def verify_files(data: bytes, bundle: bytes, pdf: bytes, roots: dict[str, bytes]) -> str:
    """The issuer's own check of the three files with the channel's roots, as a bank would:
    the VALID line; LedgerRefused naming why otherwise (never a traceback)."""
    from cryptography import x509

    from verifier import verify_report

    try:
        trusted = {m: x509.load_pem_x509_certificates(p) for m, p in roots.items()}
        return str(verify_report(data, bundle, trusted, pdf).line())
    except Exception as exc:  # noqa: BLE001 - the check's outcome, named
        raise LedgerRefused(f"the bundle does not verify: {exc}") from None
