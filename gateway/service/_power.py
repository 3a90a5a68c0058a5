"""The power company's service: readings uploads as jobs, batches, an enterprise's totals.

``POST /v1/ingest/jobs`` takes a readings file (CSV with a header row, or JSON lines: the
submitter's formats, docs/ingest.md) as the raw request body (``text/csv``,
``application/jsonl``, ``application/x-ndjson``) or as the ``file`` part of a
``multipart/form-data`` form, streams it to disk and answers ``202`` with the job; the job
runs through ``gateway.ingest``'s submitter signed by the meter gateway (``ingest_user``),
and ``GET /v1/ingest/jobs/{id}`` shows its progress.
"""


import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel
from sqlalchemy import select

from gateway.service._auth import requires
from gateway.service._common import LEDGER_ERRORS, USCC, FromQ, ToQ, check_period, port, store
from gateway.service._jobs import IngestJobs
from gateway.service._ledger import LedgerPort
from gateway.service._pagination import (
    Page,
    PageParams,
    decode_int_cursor,
    encode_cursor,
    newest_first,
    page_params,
)
from gateway.service._problems import ApiProblem, problem_responses
from gateway.service.store import Job, JobRefusal, Store

__all__ = ["power_router"]

OPERATOR = ("operator",)
READERS = ("operator", "viewer")
RAW_TYPES = ("text/csv", "application/jsonl", "application/x-ndjson", "text/plain")
JobId = Annotated[str, Path(pattern="^[0-9a-f]{32}$")]
BatchId = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$")]


class JobView(BaseModel):
    id: str
    state: str
    owner: str
    filename: str | None
    media_type: str
    size_bytes: int
    sha256: str | None
    readings_read: int
    readings_committed: int
    readings_refused: int
    batches: int
    attempts: int
    error: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, job: Job) -> "JobView":
        return cls.model_validate(job, from_attributes=True)


class Refusal(BaseModel):
    line: int
    reason: str


def jobs(request: Request) -> IngestJobs:
    value: IngestJobs = request.app.state.jobs
    return value


_UPLOAD_BODY = {"requestBody": {"required": True, "content": {
    **{t: {"schema": {"type": "string", "format": "binary"}} for t in RAW_TYPES},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"}}}},
}}}


async def _multipart_file(request: Request) -> tuple[str | None, AsyncIterator[bytes]]:
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise ApiProblem(422, "invalid-request", "file: a multipart upload needs a 'file' "
                         "part holding the readings")

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while chunk := await upload.read(1 << 16):
                yield chunk
        finally:
            await upload.close()

    return upload.filename, chunks()


def power_router() -> APIRouter:
    router = APIRouter(tags=["ingest"])

    @router.post("/v1/ingest/jobs", status_code=202, response_model=JobView,
                 openapi_extra=_UPLOAD_BODY,
                 responses=problem_responses(400, 401, 403, 413, 415, 422))
    async def upload(request: Request, work: Annotated[IngestJobs, Depends(jobs)],
                     caller: Annotated[Any, requires(*OPERATOR)]) -> JobView:
        """Upload a readings file (CSV or JSON lines); 202 with the job that submits it."""
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == "multipart/form-data":
            filename, chunks = await _multipart_file(request)
        elif media in RAW_TYPES:
            filename, chunks = request.headers.get("x-filename"), request.stream()
        else:
            raise ApiProblem(415, "unsupported-media-type", f"content-type {media or 'none'}"
                             f": send {', '.join(RAW_TYPES)} or multipart/form-data")
        job = await _run_sync(work.create, caller.user, (filename or "")[:255] or None, media)
        return JobView.of(await work.receive(job.id, chunks))

    @router.get("/v1/ingest/jobs", response_model=Page[JobView],
                responses=problem_responses(401, 403, 422))
    def list_jobs(st: Annotated[Store, Depends(store)],
                  page: Annotated[PageParams, Depends(page_params)],
                  _caller: Annotated[Any, requires(*READERS)]) -> Page[JobView]:
        """Jobs, newest first."""
        rows, cursor = newest_first(st, Job, page)
        return Page(items=[JobView.of(r) for r in rows], next_cursor=cursor)

    @router.get("/v1/ingest/jobs/{job_id}", response_model=JobView,
                responses=problem_responses(401, 403, 404, 422))
    def get_job(job_id: JobId, st: Annotated[Store, Depends(store)],
                _caller: Annotated[Any, requires(*READERS)]) -> JobView:
        """A job and its progress."""
        with st.session() as s:
            job = s.get(Job, job_id)
            if job is None:
                raise ApiProblem(404, "not-found", f"no job {job_id}")
            return JobView.of(job)

    @router.get("/v1/ingest/jobs/{job_id}/refusals", response_model=Page[Refusal],
                responses=problem_responses(401, 403, 404, 422))
    def refusals(job_id: JobId, st: Annotated[Store, Depends(store)],
                 page: Annotated[PageParams, Depends(page_params)],
                 _caller: Annotated[Any, requires(*READERS)]) -> Page[Refusal]:
        """The rows of a finished job that were refused, by line."""
        after = decode_int_cursor(page.cursor)
        with st.session() as s:
            if s.get(Job, job_id) is None:
                raise ApiProblem(404, "not-found", f"no job {job_id}")
            rows = list(s.execute(select(JobRefusal).where(
                JobRefusal.job_id == job_id, JobRefusal.line > after)
                .order_by(JobRefusal.line).limit(page.limit + 1)).scalars())
        more = len(rows) > page.limit
        rows = rows[:page.limit]
        return Page(items=[Refusal(line=r.line, reason=r.reason) for r in rows],
                    next_cursor=encode_cursor(str(rows[-1].line)) if more else None)

    @router.post("/v1/ingest/jobs/{job_id}/retry", response_model=JobView, status_code=202,
                 responses=problem_responses(401, 403, 404, 409, 422))
    def retry(job_id: JobId, work: Annotated[IngestJobs, Depends(jobs)],
              _caller: Annotated[Any, requires(*OPERATOR)]) -> JobView:
        """Run a failed job again from its journal (nothing already recorded is re-sent)."""
        return JobView.of(work.retry(job_id))

    @router.get("/v1/batches/{batch_id}", response_model=dict[str, Any], tags=["readings"],
                responses=problem_responses(*LEDGER_ERRORS))
    def batch(batch_id: BatchId, ledger: Annotated[LedgerPort, Depends(port)],
              _caller: Annotated[Any, requires(*READERS)]) -> Any:
        """A readings batch's record on the ledger (``readings:get_batch``)."""
        return ledger.evaluate_json("readings:get_batch", [batch_id])

    @router.get("/v1/enterprises/{uscc}/totals", response_model=dict[str, Any],
                tags=["readings"], responses=problem_responses(*LEDGER_ERRORS))
    def totals(uscc: USCC, from_date: FromQ, to_date: ToQ,
               ledger: Annotated[LedgerPort, Depends(port)],
               _caller: Annotated[Any, requires(*READERS)]) -> Any:
        """An enterprise's metered totals over the days given (``account:totals``)."""
        check_period(uscc, from_date, to_date)
        return ledger.evaluate_json("account:totals", [uscc, from_date, to_date])

    return router


async def _run_sync(fn: Any, *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(fn, *args)
