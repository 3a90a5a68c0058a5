"""FAKE REPORT STEPS for the report jobs' unit tests (the ``ReportSteps`` seam of
gateway/service/_report_steps.py; the real steps run in tests/integration/test_report_jobs.py).

The ledger part is a SQLite file, so it outlives a worker process killed with SIGKILL, and
it keeps the one rule of ``report:issue`` that exactly-once rests on: the submitted report
names its version, and only ``latest + 1`` is admitted (409 otherwise, as the contract
answers). ``commit_first`` chooses when a submission is "on its way to the orderer" (the
``on_sent`` callback): after it committed (a kill there leaves the ledger ahead of the
job's row) or before (a kill there loses the transaction). The audit part answers an
anchored checkpoint at once, or (``anchored=False``) refuses as the real wait does when the
time is up. The report is a small JSON document naming its version and what it supersedes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gateway.cli._exit import LedgerRefused
from gateway.cli._report_issue import Built, Inputs

RESULT = {"version": 1, "inputs": {"factor_set": {"activated_tx": "tx-factors"},
                                   "deltas": [{"kind": "batch", "tx_id": "tx-batch"}],
                                   "operating_data": {"tx_id": "tx-operating"}},
          "computed": {"tx_id": "tx-result"}}


class FileReportSteps:
    def __init__(self, path: Path, *, commit_first: bool = True, anchored: bool = True) -> None:
        self.path, self.commit_first, self.anchored = path, commit_first, anchored
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("CREATE TABLE IF NOT EXISTS report (uscc TEXT, start TEXT, end TEXT, "
                        "version INTEGER, id TEXT, digest TEXT, tx_id TEXT, "
                        "PRIMARY KEY (uscc, start, end, version))")
        self.submissions = 0

    # what the tests read --------------------------------------------------------------

    def versions(self, uscc: str) -> list[tuple[int, str, str]]:
        """(version, digest, tx id) of every report issued for ``uscc``."""
        return list(self.db.execute("SELECT version, digest, tx_id FROM report WHERE uscc = ?"
                                    " ORDER BY version", (uscc,)))

    def issue_elsewhere(self, args: list[str]) -> None:
        """Another issuer (the CLI, the other service) issues the next version."""
        n = self._latest(args) + 1
        self.db.execute("INSERT INTO report VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (*args, n, f"other-v{n}", f"sha256:other{n}", f"tx-other-{n}"))

    # the steps ------------------------------------------------------------------------

    def _latest(self, args: list[str]) -> int:
        row = self.db.execute("SELECT max(version) FROM report WHERE uscc = ? AND start = ? "
                              "AND end = ?", args).fetchone()
        return int(row[0] or 0)

    def status(self, args: list[str], version: int) -> dict[str, Any] | None:
        row = self.db.execute("SELECT version, id, digest, tx_id FROM report WHERE uscc = ? "
                              "AND start = ? AND end = ? AND version = ?",
                              (*args, version)).fetchone()
        if row is None:
            return None
        return {"version": row[0], "id": row[1], "digest": row[2],
                "issued": {"tx_id": row[3]}}

    def gather(self, uscc: str, from_date: str, to_date: str,
               version: int | None) -> Inputs:
        args = [uscc, from_date, to_date]
        latest = self._latest(args)
        return Inputs(args, {"record": RESULT}, {"result": RESULT,
                                                 "attestation": {"attested": {"tx_id": "tx-a"}},
                                                 "ratings": []},
                      {"uscc": uscc}, None if latest == 0 else self.status(args, latest))

    def wait_anchored(self, tx_ids: list[str], wait: float,
                      progress: Callable[[str], None]) -> tuple[int, str]:
        progress(f"{len(tx_ids)} entries awaited")
        if not self.anchored:
            raise LedgerRefused(f"NOT_ANCHORED after {wait:g} s: 1 entries not yet anchored "
                                f"(first tx {tx_ids[-1]}, log index 7; latest anchored size "
                                "7)")
        return 8 + len(tx_ids), f"note of size {8 + len(tx_ids)}"

    def build(self, inputs: Inputs, note: str) -> Built:
        uscc, start, end = inputs.args
        n = inputs.next_version
        prev = inputs.previous
        doc = {"report": {"id": f"CCR-{uscc}-{start}-{end}-v{n}", "version": n,
                          "supersedes": None if prev is None else
                          {"id": prev["id"], "digest": prev["digest"]}},
               "method": {"result": {"version": 1}}, "ledger": {"checkpoint": note}}
        data = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
        return Built(doc, data, b"%PDF-1.7 " + doc["report"]["id"].encode())  # type: ignore[index]

    def submit(self, args: list[str], data: bytes,
               on_sent: Callable[[str], None]) -> tuple[dict[str, Any], str]:
        import hashlib

        self.submissions += 1
        doc = json.loads(data)
        n, latest = doc["report"]["version"], self._latest(args)
        if n != latest + 1:
            raise LedgerRefused(f"transient.report.report.version is {n}, the ledger has "
                                f"{latest + 1}", status=409)
        tx_id = f"tx-{self.submissions}-{hashlib.sha256(data).hexdigest()[:8]}"
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        row = (*args, n, doc["report"]["id"], digest, tx_id)
        if not self.commit_first:
            on_sent(tx_id)
        self.db.execute("INSERT INTO report VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        if self.commit_first:
            on_sent(tx_id)
        status = self.status(args, n)
        assert status is not None
        return status, tx_id

    def bundle(self, inputs: Inputs, doc: dict[str, Any], digest: str, tx_id: str,
               size: int) -> bytes:
        return json.dumps({"report_digest": digest, "report_tx_id": tx_id,
                           "size": size}).encode()

    def verify(self, data: bytes, bundle: bytes, pdf: bytes) -> str:
        return f"VALID {json.loads(data)['report']['id']}"


def seeded_job(world: Any, state: str) -> str:
    """A report job row put straight into a service's store (``done`` with its three files,
    or ``failed`` with a problem), for the routes' walk and fuzz tests. Written whole in one
    transaction: the worker never sees it active."""
    import uuid

    from sqlalchemy import func, select

    from gateway.service.store import ReportJob

    job_id = uuid.uuid4().hex
    with world.app.state.store.session() as s:
        seq = (s.execute(select(func.max(ReportJob.seq))).scalar() or 0) + 1
        row = ReportJob(id=job_id, seq=seq, uscc="91350100M000100Y43",
                        period_start="2026-01-01", period_end="2026-01-31", wait_seconds=1,
                        state=state, owner="seed", attempts=1)
        if state == "done":
            row.report_json, row.report_pdf = b'{"report":{}}', b"%PDF-1.7 seeded"
            row.bundle_json = b'{"seeded":true}'
        else:
            row.problem = json.dumps({"type": "urn:carbontrust:problem:not-anchored",
                                      "title": "not anchored", "status": 504,
                                      "detail": "seeded", "instance": "/", "evidence": {}})
        s.add(row)
    return job_id
