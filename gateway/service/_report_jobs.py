"""Report issuance as a job of the certifier's and regulator's services, exactly once.

``POST /v1/report-jobs`` (gateway/service/_report_routes.py) queues a job; one worker thread
runs the jobs in order through :class:`~._report_steps.ReportSteps` (the command line's
steps, ``carbontrust report issue``):

``queued -> waiting_inputs`` (the ledger's records read; their audit entries awaited until
anchored) ``-> issuing`` (the report built citing that checkpoint; ``report:issue``)
``-> waiting_report_anchor`` (the report's own entry awaited) ``-> bundling`` (bundle.json
made and the three files verified with the channel's roots) ``-> done``; or ``failed`` at
any step with an RFC 9457 problem (kind, detail, evidence: the step, the report version and
the transactions known so far). ``progress`` says what the step waits for.

Exactly once under kill -9. ``report:issue`` makes version n+1 of whatever was issued last,
so a job that simply ran again after a crash could issue a second version. The job therefore
freezes the report before it submits anything: the bytes (which name their version n and
the version they supersede) are written to the job's row in the same database transaction
that moves it to ``issuing``. From then on only those bytes are ever submitted for this job,
and the contract admits at most one version n (it checks ``version == latest + 1``, and of
two transactions claiming n the later fails validation on the reportstatus range it read).
When a job is resumed in ``issuing`` (restart, retry) it first looks the outcome up on the
ledger, ``report:status`` of version n: its digest is the frozen bytes' -> the job's report
is issued (the tx id is the status's), go on; another digest -> another issuer took version
n, so these bytes can never be issued: unfreeze and build again on the new latest (at most
``MAX_REBUILDS`` times); none -> submit the frozen bytes (again). A refused submission is
looked up the same way before the job fails: an earlier submission of the same bytes may
have committed meanwhile. The transaction id the gateway reports when the transaction is on
its way to the orderer is recorded too (``submitted_tx_id``, evidence for an operator).
Later steps only read, so they simply run again.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, update

from gateway.cli._exit import CliFailure, LedgerRefused, LedgerUnreachable
from gateway.cli._report_issue import Built, Inputs
from gateway.service._problems import TYPE_BASE, ApiProblem
from gateway.service._report_steps import ReportSteps
from gateway.service._worker import JobWorker
from gateway.service.store import ReportJob, Store

__all__ = ["ACTIVE", "MAX_REBUILDS", "ReportJobs"]

log = logging.getLogger("gateway.service.report_jobs")
ACTIVE = ("queued", "waiting_inputs", "issuing", "waiting_report_anchor", "bundling")
MAX_REBUILDS = 3
PROGRESS_EVERY = 1.0  # seconds between progress writes


class _Rebuild(Exception):
    """Version n went to another issuer: the frozen bytes can never be issued."""


class JobFailed(Exception):
    def __init__(self, kind: str, status: int, detail: str, **evidence: Any) -> None:
        super().__init__(detail)
        self.kind, self.status, self.detail, self.evidence = kind, status, detail, evidence


class ReportJobs(JobWorker):
    """The queue and its one worker. ``pause(point)`` is called at named points of a job
    (``frozen``, ``sent``, ``issued``, ``bundled``): a no-op in service; the kill tests stop
    there to be killed."""

    thread_name = "report-jobs"

    def __init__(self, store: Store, steps: Callable[[], ReportSteps],
                 pause: Callable[[str], None] | None = None) -> None:
        self.store, self._steps_factory = store, steps
        self._steps: ReportSteps | None = None
        self.pause = pause or (lambda _point: None)
        super().__init__()

    @property
    def steps(self) -> ReportSteps:
        if self._steps is None:
            self._steps = self._steps_factory()
        return self._steps

    # the queue -------------------------------------------------------------------------

    def create(self, owner: str, uscc: str, from_date: str, to_date: str,
               version: int | None, wait: int) -> ReportJob:
        with self.store.session() as s:
            seq = (s.execute(select(func.max(ReportJob.seq))).scalar() or 0) + 1
            job = ReportJob(id=uuid.uuid4().hex, seq=seq, uscc=uscc, period_start=from_date,
                            period_end=to_date, result_version=version, wait_seconds=wait,
                            state="queued", owner=owner, attempts=0)
            s.add(job)
        self.wake()
        return job

    def retry(self, job_id: str) -> ReportJob:
        """A failed job queued again; it resumes from what its row holds (a frozen report
        is looked up on the ledger before anything is submitted)."""
        with self.store.session() as s:
            job = s.get(ReportJob, job_id)
            if job is None:
                raise ApiProblem(404, "not-found", f"no report job {job_id}")
            if job.state != "failed":
                raise ApiProblem(409, "conflict", f"report job {job_id} is {job.state}; only "
                                 "a failed job can be retried")
            job.state, job.problem, job.progress = "queued", None, "queued again (retry)"
        self.wake()
        return job

    def start(self) -> None:
        """Start the worker: every job not done or failed runs again from its row."""
        self._start_thread()

    def _next(self) -> str | None:
        with self.store.session() as s:
            return s.execute(select(ReportJob.id).where(ReportJob.state.in_(ACTIVE))
                             .order_by(ReportJob.seq).limit(1)).scalar_one_or_none()

    # one job ---------------------------------------------------------------------------

    def _set(self, job_id: str, **values: Any) -> None:
        with self.store.session() as s:
            s.execute(update(ReportJob).where(ReportJob.id == job_id).values(**values))

    def _get(self, job_id: str) -> ReportJob:
        with self.store.session() as s:
            job = s.get(ReportJob, job_id)
            assert job is not None
            return job

    def run(self, job_id: str) -> None:
        """Run one job to its end (done or failed)."""
        with self.store.session() as s:
            s.execute(update(ReportJob).where(ReportJob.id == job_id).values(
                attempts=ReportJob.attempts + 1))
        try:
            for _ in range(MAX_REBUILDS + 1):
                try:
                    self._work(job_id)
                    return
                except _Rebuild as again:
                    self._set(job_id, state="queued", report_json=None, report_pdf=None,
                              report_version=None, report_id=None, report_digest=None,
                              submitted_tx_id=None, progress=str(again))
            raise JobFailed("report-version-taken", 409, f"version after version was issued "
                            f"by other transactions while this job built its report "
                            f"({MAX_REBUILDS + 1} times)")
        except Exception as exc:  # noqa: BLE001 - a failed job, not a dead worker
            self._fail(job_id, self._get(job_id).state, exc)

    def _progress(self, job_id: str) -> Callable[[str], None]:
        last = [0.0]

        def tell(what: str) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY:
                last[0] = now
                self._set(job_id, progress=what[:2000])
        return tell

    def _work(self, job_id: str) -> None:
        job = self._get(job_id)
        steps, tell = self.steps, self._progress(job_id)
        uscc, start, end = args = [job.uscc, job.period_start, job.period_end]
        wait = float(job.wait_seconds)
        inputs: Inputs | None = None
        if job.report_json is None:
            self._set(job_id, state="waiting_inputs", progress="reading the ledger's records")
            inputs = steps.gather(uscc, start, end, job.result_version)
            tell("waiting for the inputs' audit entries to be anchored")
            _size, note = steps.wait_anchored(inputs.input_tx_ids(), wait, tell)
            built = steps.build(inputs, note)
            self._set(job_id, state="issuing", report_version=built.version,
                      report_id=built.report_id, report_digest=built.digest,
                      report_json=built.data, report_pdf=built.pdf,
                      progress=f"report:issue of {built.report_id}")
            self.pause("frozen")
            job = self._get(job_id)
        frozen = Built(json.loads(job.report_json or b""), job.report_json or b"",
                       job.report_pdf or b"")
        tx_id = job.issued_tx_id
        if tx_id is None:
            tx_id = self._issue(job_id, args, frozen)
            self._set(job_id, state="waiting_report_anchor", issued_tx_id=tx_id,
                      progress=f"{frozen.report_id} issued in tx {tx_id}; waiting for its "
                               "audit entry to be anchored")
            self.pause("issued")
        if inputs is None or inputs.records["result"]["version"] != \
                frozen.doc["method"]["result"]["version"]:
            inputs = steps.gather(uscc, start, end,
                                  int(frozen.doc["method"]["result"]["version"]))
        self._set(job_id, state="waiting_report_anchor")
        size, _note = steps.wait_anchored(inputs.tx_ids_with(tx_id), wait, tell)
        self._set(job_id, state="bundling", progress=f"bundle under checkpoint size {size}")
        bundle = steps.bundle(inputs, frozen.doc, frozen.digest, tx_id, size)
        line = steps.verify(frozen.data, bundle, frozen.pdf)
        self.pause("bundled")
        self._set(job_id, state="done", bundle_json=bundle, checkpoint_size=size,
                  verified=line, progress=None, problem=None)

    def _issue(self, job_id: str, args: list[str], frozen: Built) -> str:
        """The tx id that issued the frozen bytes: looked up first, submitted if absent."""
        steps = self.steps
        found = self._look_up(args, frozen)
        if found is not None:
            return found

        def sent(tx_id: str) -> None:
            self._set(job_id, submitted_tx_id=tx_id)
            self.pause("sent")

        try:
            status, tx_id = steps.submit(args, frozen.data, sent)
        except LedgerRefused:
            found = self._look_up(args, frozen)  # an earlier submission may have committed
            if found is not None:
                return found
            raise
        if status.get("digest") != frozen.digest or status.get("version") != frozen.version:
            raise JobFailed("ledger-answer", 502, f"report:issue answered version "
                            f"{status.get('version')} digest {status.get('digest')}; the job "
                            f"submitted version {frozen.version} digest {frozen.digest}",
                            transaction_id=tx_id)
        return tx_id

    def _look_up(self, args: list[str], frozen: Built) -> str | None:
        status = self.steps.status(args, frozen.version)
        if status is None:
            return None
        if status.get("digest") == frozen.digest:
            return str(status["issued"]["tx_id"])
        raise _Rebuild(f"version {frozen.version} was issued by another transaction "
                       f"({(status.get('issued') or {}).get('tx_id')}, digest "
                       f"{status.get('digest')}); building the next version")

    def _fail(self, job_id: str, step: str, exc: Exception) -> None:
        job = self._get(job_id)
        evidence: dict[str, Any] = {
            "step": step, "report_id": job.report_id, "report_version": job.report_version,
            "report_digest": job.report_digest, "submitted_tx_id": job.submitted_tx_id,
            "issued_tx_id": job.issued_tx_id}
        if isinstance(exc, JobFailed):
            kind, status, detail = exc.kind, exc.status, exc.detail
            evidence.update(exc.evidence)
        elif isinstance(exc, ApiProblem):   # the port's own (e.g. an identity it cannot load)
            kind, status, detail = exc.kind, exc.status, exc.detail
        elif isinstance(exc, LedgerRefused):
            not_anchored = exc.message.startswith("NOT_ANCHORED")
            kind = "not-anchored" if not_anchored else "ledger-refused"
            status, detail = (504 if not_anchored else 409), exc.message
            evidence.update(ledger_status=exc.status, transaction_id=exc.transaction_id)
        elif isinstance(exc, LedgerUnreachable | CliFailure):
            kind, status, detail = "ledger-unavailable", 503, exc.message
            evidence.update(transaction_id=getattr(exc, "transaction_id", None))
        else:
            log.error("report job %s failed", job_id, exc_info=exc)
            kind, status = "internal", 500
            detail = f"internal error: {type(exc).__name__} (the service log has it)"
        if job.report_json is not None:
            detail += (" (the report's bytes are kept: a retry looks them up on the ledger "
                       "before submitting anything)")
        problem = {"type": TYPE_BASE + kind, "title": kind.replace("-", " "),
                   "status": status, "detail": detail,
                   "instance": f"/v1/report-jobs/{job_id}",
                   "evidence": {k: v for k, v in evidence.items() if v is not None}}
        self._set(job_id, state="failed", problem=json.dumps(problem), progress=None)
