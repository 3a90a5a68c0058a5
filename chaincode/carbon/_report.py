"""report:* the carbon credit report issued on the ledger (docs/report.md, "Issuing").

``issue(uscc, from, to)`` takes the report's RFC 8785 bytes in transient data ``report``
(never in the arguments, which every block keeps): the report is private like the result
it is built from. The endorser parses it strictly, validates it against the published
schema (:mod:`verifier.report`), requires those exact canonical bytes, and checks it
against the ledger: the result version it cites has the hash Fabric keeps of the private
record (``GetPrivateDataHash``, so any peer can endorse this check), the attestation of
that version is valid with the cited statement digest and transaction, every rule set it
rates with has a rating of that version, and its version follows the latest issued one
(version n supersedes n - 1, naming its id and digest).

Writes: the report bytes to ``privateReadings`` (Power, Certifier, Regulator), so the
ledger's hash of the private value is the report digest; the public status record
``reportstatus / uscc / from / to / NNNNNN`` (id, version, digest, status, supersedes,
superseded_by, issued, withdrawn), readable by every organisation (a bank checks the status
on its own peer); the previous version's status becomes ``superseded``. The audit entry
``report.issue`` carries the digest (and the superseded digest). ``withdraw`` marks a
version withdrawn (entry ``report.withdraw``). ``openings`` answers the issuers the salts
that open the operating data's and the cited batches' commitments (for the proof bundle).
``issue`` writes public state and a private collection, so it is endorsed by the
collection's members (the CLI names them), who also meet the chaincode's majority: the
bank's peer never receives the report.
"""

from __future__ import annotations

from typing import Any

from chaincode.shim import CompositeKey, Contract, Stub, create_composite_key, transaction

from . import _args
from ._attestation import load_attestation
from ._audit import emit
from ._codec import digest, load, tx_time
from ._rating import rating_key
from ._readings import COLLECTION, batch_key, get_private, transient
from ._records import OPERATING_COLLECTION, get_json, operating_key, put_json
from ._results import load_result, period_args, result_key, version_arg
from ._rules import require

STATUS_KIND = "carbontrust.report-status"


def report_key(uscc: str, start: str, end: str, version: int) -> CompositeKey:
    return create_composite_key("report", [uscc, start, end, f"{version:06d}"])


def status_key(uscc: str, start: str, end: str, version: int) -> CompositeKey:
    return create_composite_key("reportstatus", [uscc, start, end, f"{version:06d}"])


async def latest_status(stub: Stub, uscc: str, start: str, end: str) -> dict[str, Any] | None:
    rows = await stub.get_state_by_partial_composite_key(
        "reportstatus", [uscc, start, end]).to_list()
    return load(rows[-1][1]) if rows else None


async def load_status(stub: Stub, uscc: str, start: str, end: str,
                      version: int | None) -> dict[str, Any]:
    record = (await latest_status(stub, uscc, start, end) if version is None else
              await get_json(stub, status_key(uscc, start, end, version)))
    if record is None:
        raise _args.not_found("report", f"{uscc} {start}..{end}"
                              + ("" if version is None else f" version {version}"))
    return record


def parse_report(raw: bytes) -> tuple[dict[str, Any], str]:
    """The report, checked against the schema and for canonical bytes; its digest."""
    from verifier.report import ReportError, canonical_bytes, parse_report_json, validate
    try:
        report = parse_report_json(raw)
        validate(report)
        again = canonical_bytes(report)
    except ReportError as exc:
        raise _args.bad(f"transient.report.{exc.field.lstrip('$.')}".rstrip("."),
                        "a carbon credit report (schema 1.0)", exc.detail) from None
    if again != raw:
        raise _args.bad("transient.report", "the report's RFC 8785 canonical bytes (the "
                        "digest is over them)", "another encoding")
    return report, digest(raw)


def _same(field: str, expected: Any, found: Any) -> None:
    if expected != found:
        raise _args.conflict(f"{field} is {found!r}, the ledger has {expected!r}")


async def check_against_ledger(stub: Stub, report: dict[str, Any], uscc: str, start: str,
                               end: str) -> None:
    """The result, attestation and ratings the report cites are the ledger's."""
    n = report["method"]["result"]["version"]
    held = await stub.get_private_data_hash(COLLECTION, result_key(uscc, start, end, n))
    if not held:
        raise _args.not_found("result", f"{uscc} {start}..{end} version {n}")
    _same("report.method.result.record_digest", "sha256:" + held.hex(),
          report["method"]["result"]["record_digest"])
    att = await load_attestation(stub, uscc, start, end, n)
    if att["status"] != "valid":
        raise _args.conflict(f"the attestation of result version {n} is {att['status']} "
                             f"(tx {(att['withdrawn'] or {}).get('tx_id')}): a valid report "
                             "needs a valid attestation")
    _same("report.attestation.statement_digest", att["statement_digest"],
          report["attestation"]["statement_digest"])
    _same("report.ledger.attestation_tx_id", att["attested"]["tx_id"],
          report["ledger"]["attestation_tx_id"])
    for i, r in enumerate(report["rating"]["ratings"]):
        version = r["rule_set"]["version"]
        if not await stub.get_private_data_hash(COLLECTION,
                                                rating_key(uscc, start, end, n, version)):
            raise _args.not_found(f"rating (report.rating.ratings[{i}])",
                                  f"{uscc} {start}..{end} version {n} rule set {version}")


def _keys(record: dict[str, Any]) -> dict[str, Any]:
    return {"uscc": record["uscc"], "period_start": record["period"]["start"],
            "period_end": record["period"]["end"], "version": record["version"],
            "report_id": record["id"], "status": record["status"]}


class Report(Contract):
    name = "report"

    @transaction
    async def issue(self, stub: Stub, uscc: str, from_date: str, to_date: str) -> dict[str, Any]:
        period_args(uscc, from_date, to_date)
        raw = transient(stub, "report")
        c = await require(stub, "report.issue", uscc=uscc)
        report, report_digest = parse_report(raw)
        _same("transient.report.enterprise.uscc", uscc, report["enterprise"]["uscc"])
        _same("transient.report.period", {"start": from_date, "end": to_date},
              report["period"])
        section = report["report"]
        if section["status"] != "valid":
            raise _args.bad("transient.report.report.status", "valid (a report is issued "
                            "valid; withdraw changes its status)", section["status"])
        previous = await latest_status(stub, uscc, from_date, to_date)
        version = 1 if previous is None else previous["version"] + 1
        supersedes = None if previous is None else {"id": previous["id"],
                                                    "digest": previous["digest"]}
        _same("transient.report.report.version", version, section["version"])
        _same("transient.report.report.supersedes", supersedes, section["supersedes"])
        await check_against_ledger(stub, report, uscc, from_date, to_date)
        await stub.put_private_data(COLLECTION, report_key(uscc, from_date, to_date, version),
                                    raw)
        when = {"tx_id": stub.tx_id, "timestamp": tx_time(stub),
                "by": {"mspid": c.mspid, "kind": c.kind, "fingerprint": c.fingerprint}}
        record = {"v": 1, "kind": STATUS_KIND, "id": section["id"], "uscc": uscc,
                  "period": {"start": from_date, "end": to_date}, "version": version,
                  "digest": report_digest, "status": "valid", "supersedes": supersedes,
                  "superseded_by": None, "issued": when, "withdrawn": None}
        await put_json(stub, status_key(uscc, from_date, to_date, version), record)
        digests = {"report": report_digest}
        if previous is not None:
            previous.update(status="superseded", superseded_by={
                "id": record["id"], "digest": report_digest, "tx_id": stub.tx_id})
            await put_json(stub, status_key(uscc, from_date, to_date, previous["version"]),
                           previous)
            digests["supersedes"] = previous["digest"]
        emit(stub, "report.issue", _keys(record), digests)
        return record

    @transaction
    async def withdraw(self, stub: Stub, uscc: str, from_date: str, to_date: str,
                       version: str, reason: str) -> dict[str, Any]:
        period_args(uscc, from_date, to_date)
        n = version_arg(version)
        if n is None:
            raise _args.bad("version", "the report version to withdraw", version)
        _args.text("reason", reason)
        c = await require(stub, "report.withdraw", uscc=uscc)
        record = await load_status(stub, uscc, from_date, to_date, n)
        if record["status"] != "valid":
            raise _args.conflict(f"report {record['id']} is already {record['status']}")
        record.update(status="withdrawn", withdrawn={
            "tx_id": stub.tx_id, "timestamp": tx_time(stub), "reason": reason,
            "by": {"mspid": c.mspid, "fingerprint": c.fingerprint}})
        data = await put_json(stub, status_key(uscc, from_date, to_date, n), record)
        emit(stub, "report.withdraw", _keys(record), {"report": record["digest"],
                                                     "status": digest(data)})
        return record

    @transaction
    async def openings(self, stub: Stub, uscc: str, from_date: str, to_date: str,
                       version: str) -> dict[str, Any]:
        """The salts that open the commitments a result's proof bundle relies on: of the
        operating data and of every batch the result cites. Evaluated on a CertifierMSP or
        RegulatorMSP peer (the operating data is theirs only); the issuers' rule."""
        period_args(uscc, from_date, to_date)
        wanted = version_arg(version)
        await require(stub, "report.issue", uscc=uscc)
        record, _raw = await load_result(stub, uscc, from_date, to_date, wanted)
        op = await stub.get_private_data(OPERATING_COLLECTION,
                                         operating_key(uscc, from_date, to_date))
        if not op:
            raise _args.not_found("operating data", f"{uscc} {from_date}..{to_date} (on "
                                  "this peer: ask a CertifierMSP or RegulatorMSP peer)")
        batches = []
        for tx in dict.fromkeys(d["tx_id"] for d in record["inputs"]["deltas"]
                                if d["kind"] == "batch"):
            batch = await get_private(stub, batch_key(tx))
            if batch is None:
                raise _args.not_found("batch", tx)
            batches.append({"tx_id": tx, "salt": batch["salt"]})
        return {"result": {"version": record["version"]},
                "operating_data": {"salt": load(op)["salt"]}, "batches": batches}

    @transaction
    async def status(self, stub: Stub, uscc: str, from_date: str, to_date: str,
                     version: str) -> dict[str, Any]:
        period_args(uscc, from_date, to_date)
        n = version_arg(version)
        await require(stub, "report.status", uscc=uscc)
        return await load_status(stub, uscc, from_date, to_date, n)

    @transaction
    async def get(self, stub: Stub, uscc: str, from_date: str, to_date: str,
                  version: str) -> dict[str, Any]:
        period_args(uscc, from_date, to_date)
        n = version_arg(version)
        await require(stub, "report.read", uscc=uscc)
        record = await load_status(stub, uscc, from_date, to_date, n)
        raw = await stub.get_private_data(
            COLLECTION, report_key(uscc, from_date, to_date, record["version"]))
        if not raw:
            raise _args.not_found("report", f"{record['id']} (not on this peer: it is "
                                  "private to PowerMSP, CertifierMSP and RegulatorMSP)")
        return {"status": record, "digest": digest(raw), "report": load(raw)}


__all__ = ["Report", "STATUS_KIND", "report_key", "status_key", "parse_report"]
