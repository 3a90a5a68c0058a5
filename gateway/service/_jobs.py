"""Ingest jobs of the power service: an upload becomes a job the submitter works through.

An upload is streamed to a file in the service's data directory (hashed and counted as it
arrives; at most ``max_upload_bytes``), then the job is ``queued``. One worker thread runs
the jobs in order through the existing submitter (``gateway.ingest``) with the job's own
journal (``jobs/<id>.journal.sqlite``, run name = the job id) and the organisation's batch
store, so a service killed at any moment resumes the job on restart exactly where the
journal stands: no reading lost, none sent twice (docs/ingest.md, "The journal"). Progress
(read, committed, refused) is written to the job row while it runs; the final counts come
from the journal, so they cover every run of the job, before and after a restart.

States: ``receiving -> queued -> running -> done | failed``. A job still ``receiving``
when the service starts lost its upload with the connection (the client saw the request
fail): it is marked failed, "upload again". ``queued`` and ``running`` jobs run again. A
job that failed because the ledger did not answer can be retried (``POST .../retry``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from gateway.cli._exit import CliFailure
from gateway.ingest import BatchStore, IngestError, Journal, Settings, Submitter
from gateway.service._problems import ApiProblem
from gateway.service._worker import JobWorker
from gateway.service.store import Job, JobRefusal, Store

__all__ = ["IngestJobs", "SinkFactory"]

log = logging.getLogger("gateway.service.jobs")
SinkFactory = Callable[[], Any]  # -> a BatchSink with close()
PROGRESS_EVERY = 0.5  # seconds between progress writes


class IngestJobs(JobWorker):
    thread_name = "ingest-jobs"

    def __init__(self, store: Store, data_dir: Path, sink_factory: SinkFactory,
                 settings: Settings, max_upload_bytes: int) -> None:
        self.store, self.sink_factory, self.settings = store, sink_factory, settings
        self.uploads = data_dir / "uploads"
        self.journals = data_dir / "jobs"
        self.batches = BatchStore(data_dir / "batches")
        self.max_upload_bytes = max_upload_bytes
        super().__init__()

    # receiving -------------------------------------------------------------------------

    def create(self, owner: str, filename: str | None, media_type: str) -> Job:
        job_id = uuid.uuid4().hex
        with self.store.session() as s:
            seq = (s.execute(select(func.max(Job.seq))).scalar() or 0) + 1
            job = Job(id=job_id, kind="readings", state="receiving", owner=owner,
                      filename=filename, media_type=media_type, seq=seq, size_bytes=0,
                      readings_read=0, readings_committed=0, readings_refused=0, batches=0,
                      attempts=0)
            s.add(job)
        return job

    def upload_path(self, job_id: str) -> Path:
        return self.uploads / f"{job_id}.upload"

    async def receive(self, job_id: str, chunks: AsyncIterator[bytes]) -> Job:
        """Write the upload to disk (fsync), then queue the job; 413 past the limit."""
        self.uploads.mkdir(parents=True, exist_ok=True)
        path = self.upload_path(job_id)
        digest, size = hashlib.sha256(), 0
        try:
            with open(path, "wb") as fh:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > self.max_upload_bytes:
                        raise ApiProblem(413, "upload-too-large", f"the upload passed "
                                         f"{self.max_upload_bytes} bytes")
                    digest.update(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException as exc:
            path.unlink(missing_ok=True)
            why = exc.detail if isinstance(exc, ApiProblem) else "the upload did not finish"
            await asyncio.to_thread(self._finish, job_id, "failed", None, why)
            raise
        return await asyncio.to_thread(self._queue, job_id, size, digest.hexdigest())

    def _queue(self, job_id: str, size: int, sha256: str) -> Job:
        with self.store.session() as s:  # (in a thread: the database is not on the loop)
            s.execute(update(Job).where(Job.id == job_id).values(
                state="queued", size_bytes=size, sha256=sha256))
            job = s.get(Job, job_id)
            assert job is not None
        self.wake()
        return job

    # working ---------------------------------------------------------------------------

    def start(self) -> None:
        """Recover after a restart, then start the worker."""
        with self.store.session() as s:
            s.execute(update(Job).where(Job.state == "receiving").values(
                state="failed", error="the service stopped before the upload was whole: "
                                      "upload the file again"))
            s.execute(update(Job).where(Job.state == "running").values(state="queued"))
        self._start_thread()

    def retry(self, job_id: str) -> Job:
        with self.store.session() as s:
            job = s.get(Job, job_id)
            if job is None:
                raise ApiProblem(404, "not-found", f"no job {job_id}")
            if job.state != "failed" or not self.upload_path(job_id).exists():
                raise ApiProblem(409, "conflict", f"job {job_id} is {job.state}"
                                 + ("" if job.state != "failed" else " and its upload is "
                                    "gone: upload the file again") + "; only a failed job "
                                 "whose upload is kept can be retried")
            job.state, job.error = "queued", None
        self.wake()
        return job

    def _next(self) -> str | None:
        with self.store.session() as s:
            return s.execute(select(Job.id).where(Job.state == "queued")
                             .order_by(Job.seq).limit(1)).scalar_one_or_none()

    def run(self, job_id: str) -> None:
        """Run one job to its end (done or failed)."""
        with self.store.session() as s:
            s.execute(update(Job).where(Job.id == job_id).values(
                state="running", attempts=Job.attempts + 1))
        last = [0.0]

        def progress(read: int, committed: int, refused: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY:
                last[0] = now
                with self.store.session() as s:
                    s.execute(update(Job).where(Job.id == job_id).values(
                        readings_read=read, readings_committed=committed,
                        readings_refused=refused))

        journal = Journal(self.journals / f"{job_id}.journal.sqlite", job_id)
        sink = self.sink_factory()
        try:
            submitter = Submitter(sink, journal, self.batches, self.settings, progress)
            with open(self.upload_path(job_id), "rb") as stream:
                outcome = asyncio.run(submitter.run(stream))
            error = None if outcome.source_error is None else str(outcome.source_error)
            self._finish(job_id, "done" if error is None else "failed", journal, error,
                         outcome.batches)
        except (CliFailure, IngestError, OSError) as exc:
            text = exc.message if isinstance(exc, CliFailure) else str(exc)
            self._finish(job_id, "failed", journal, f"{text} (the job's journal keeps "
                         "every batch: retry resumes it)")
        except Exception as exc:  # noqa: BLE001 - a failed job, not a dead worker
            log.error("job %s failed", job_id, exc_info=exc)
            self._finish(job_id, "failed", journal, f"internal error: {type(exc).__name__}")
        finally:
            journal.close()
            close = getattr(sink, "close", None)
            if close is not None:
                close()

    def _finish(self, job_id: str, state: str, journal: Journal | None = None,
                error: str | None = None, batches: int = 0) -> None:
        values: dict[str, Any] = {"state": state, "error": error}
        refusals: list[tuple[int, str]] = []
        if journal is not None:
            counts = journal.counts()
            refusals = journal.refusals()
            values.update(readings_committed=counts.get("committed", 0),
                          readings_refused=len(refusals),
                          readings_read=sum(counts.values()),
                          batches=Job.batches + batches)
        with self.store.session() as s:
            s.execute(update(Job).where(Job.id == job_id).values(**values))
            if refusals:
                known = set(s.execute(select(JobRefusal.line).where(
                    JobRefusal.job_id == job_id)).scalars())
                s.add_all(JobRefusal(job_id=job_id, line=n, reason=why)
                          for n, why in refusals if n not in known)
