"""Report jobs over HTTP (the certifier's and the regulator's services; docs/services.md,
"Report jobs").

``POST /v1/report-jobs`` ``{"uscc", "from", "to", "version"?, "wait"?}`` answers ``202``
with the job (and ``Location``); ``GET /v1/report-jobs`` pages the jobs newest first;
``GET /v1/report-jobs/{id}`` is its state and progress (a failed job carries its RFC 9457
problem with evidence); ``GET /v1/report-jobs/{id}/report.json | report.pdf |
bundle.json`` are a done job's files (409 before); ``POST /v1/report-jobs/{id}/retry``
queues a failed job again. Who: the roles that may issue (``writers``) post and retry;
``readers`` see jobs and download.
"""


import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, Field

from gateway.service._auth import requires
from gateway.service._common import check_period, store
from gateway.service._pagination import (
    Page,
    PageParams,
    newest_first,
    page_params,
)
from gateway.service._problems import ApiProblem, problem_responses
from gateway.service._report_jobs import ReportJobs
from gateway.service.store import ReportJob, Store

__all__ = ["report_jobs_router"]

JobId = Annotated[str, Path(pattern="^[0-9a-f]{32}$")]
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
FILES: dict[str, tuple[str, str]] = {  # name -> (column, media type)
    "report.json": ("report_json", "application/json"),
    "report.pdf": ("report_pdf", "application/pdf"),
    "bundle.json": ("bundle_json", "application/json"),
}


class ReportJobIn(BaseModel):
    uscc: str = Field(pattern="^[0-9A-Z]{18}$")
    from_date: str = Field(alias="from", pattern=_DATE)
    to_date: str = Field(alias="to", pattern=_DATE)
    version: int | None = Field(default=None, ge=1, le=999_999,
                                description="result version (default: the latest)")
    wait: int = Field(default=300, ge=1, le=3600, description="seconds each anchor wait "
                      "may take (the followers anchor on a cadence)")


class JobProblem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str
    evidence: dict[str, Any]


class ReportJobView(BaseModel):
    id: str
    state: Literal["queued", "waiting_inputs", "issuing", "waiting_report_anchor",
                   "bundling", "done", "failed"]
    progress: str | None
    uscc: str
    period: dict[str, str]
    result_version: int | None
    owner: str
    attempts: int
    report_id: str | None
    report_version: int | None
    report_digest: str | None
    submitted_tx_id: str | None
    issued_tx_id: str | None
    checkpoint_size: int | None
    verified: str | None
    files: list[str] = Field(description="downloadable once done")
    problem: JobProblem | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, job: ReportJob) -> "ReportJobView":
        return cls(id=job.id, state=job.state, progress=job.progress, uscc=job.uscc,  # type: ignore[arg-type]
                   period={"start": job.period_start, "end": job.period_end},
                   result_version=job.result_version, owner=job.owner, attempts=job.attempts,
                   report_id=job.report_id, report_version=job.report_version,
                   report_digest=job.report_digest, submitted_tx_id=job.submitted_tx_id,
                   issued_tx_id=job.issued_tx_id, checkpoint_size=job.checkpoint_size,
                   verified=job.verified,
                   files=list(FILES) if job.state == "done" else [],
                   problem=None if job.problem is None else JobProblem(**json.loads(
                       job.problem)),
                   created_at=job.created_at, updated_at=job.updated_at)


def report_jobs(request: Request) -> ReportJobs:
    value: ReportJobs = request.app.state.report_jobs
    return value


_FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "the file", "content": {
        "application/json": {"schema": {"type": "object"}},
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
    **problem_responses(401, 403, 404, 409, 422)}


def report_jobs_router(writers: tuple[str, ...], readers: tuple[str, ...]) -> APIRouter:
    router = APIRouter(tags=["report jobs"])

    @router.post("/v1/report-jobs", status_code=202, response_model=ReportJobView,
                 responses=problem_responses(401, 403, 422))
    def post(body: ReportJobIn, response: Response,
             work: Annotated[ReportJobs, Depends(report_jobs)],
             caller: Annotated[Any, requires(*writers)]) -> ReportJobView:
        """Issue an enterprise's report for a period as a job: 202 with the job."""
        check_period(body.uscc, body.from_date, body.to_date)
        job = work.create(caller.user, body.uscc, body.from_date, body.to_date, body.version,
                          body.wait)
        response.headers["Location"] = f"/v1/report-jobs/{job.id}"
        return ReportJobView.of(job)

    @router.get("/v1/report-jobs", response_model=Page[ReportJobView],
                responses=problem_responses(401, 403, 422))
    def list_jobs(st: Annotated[Store, Depends(store)],
                  page: Annotated[PageParams, Depends(page_params)],
                  _caller: Annotated[Any, requires(*readers)]) -> Page[ReportJobView]:
        """Report jobs, newest first."""
        rows, cursor = newest_first(st, ReportJob, page)
        return Page(items=[ReportJobView.of(r) for r in rows], next_cursor=cursor)

    def _job(st: Store, job_id: str) -> ReportJob:
        with st.session() as s:
            job = s.get(ReportJob, job_id)
        if job is None:
            raise ApiProblem(404, "not-found", f"no report job {job_id}")
        return job

    @router.get("/v1/report-jobs/{job_id}", response_model=ReportJobView,
                responses=problem_responses(401, 403, 404, 422))
    def get_job(job_id: JobId, st: Annotated[Store, Depends(store)],
                _caller: Annotated[Any, requires(*readers)]) -> ReportJobView:
        """A report job: its state, what it waits for, its problem if it failed."""
        return ReportJobView.of(_job(st, job_id))

    @router.get("/v1/report-jobs/{job_id}/{name}", response_class=Response,
                responses=_FILE_RESPONSES)
    def download(job_id: JobId,
                 name: Annotated[Literal["report.json", "report.pdf", "bundle.json"],
                                 Path()],
                 st: Annotated[Store, Depends(store)],
                 _caller: Annotated[Any, requires(*readers)]) -> Response:
        """A done job's report.json (the issued bytes), report.pdf or bundle.json."""
        job = _job(st, job_id)
        if job.state != "done":
            raise ApiProblem(409, "conflict", f"report job {job_id} is {job.state}: its "
                             "files are served once it is done")
        column, media = FILES[name]
        data: bytes = getattr(job, column)
        return Response(data, media_type=media, headers={
            "Content-Disposition": f'attachment; filename="{name}"'})

    @router.post("/v1/report-jobs/{job_id}/retry", status_code=202,
                 response_model=ReportJobView,
                 responses=problem_responses(401, 403, 404, 409, 422))
    def retry(job_id: JobId, work: Annotated[ReportJobs, Depends(report_jobs)],
              _caller: Annotated[Any, requires(*writers)]) -> ReportJobView:
        """Queue a failed job again (a report it froze is looked up on the ledger first)."""
        return ReportJobView.of(work.retry(job_id))

    return router
