"""Report jobs of the certifier's and regulator's services: the routes (202, progress, pages,
the three files, problems, retry) over the fake steps (report_steps_fake.py), and exactly
once under kill -9: a worker process killed at each point of a job resumes it on restart and
the ledger holds exactly one report version for it, the one the store names; on SQLite and
PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.service._report_jobs import ReportJobs
from gateway.service.store import ReportJob, Store
from tests.unit.gateway.service.conftest import ServiceFactory, auth
from tests.unit.gateway.service.report_steps_fake import FileReportSteps
from tests.unit.gateway.service.world import PERIOD, USCC

REPO = Path(__file__).resolve().parents[4]
ARGS = [USCC, PERIOD["from"], PERIOD["to"]]


def _service(service: ServiceFactory, tmp_path: Path, role: str = "regulator",
             **kw: Any) -> tuple[TestClient, Any, FileReportSteps]:
    steps = FileReportSteps(tmp_path / f"ledger-{role}.sqlite", **kw)
    client, world = service(role)
    world.app.state.report_jobs._steps = steps  # the seam (create_app's report_steps)
    return client, world, steps


def wait_report_job(client: TestClient, h: dict[str, str], job_id: str,
                    timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/v1/report-jobs/{job_id}", headers=h).json()
        if body["state"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


@pytest.mark.parametrize("role,writer,reader", [("regulator", "u-registrar", "u-auditor"),
                                                ("certifier", "u-attester", "u-viewer")])
def test_a_job_issues_once_and_serves_its_files(service: ServiceFactory, tmp_path: Path,
                                                role: str, writer: str, reader: str) -> None:
    client, _world, steps = _service(service, tmp_path, role)
    r = client.post("/v1/report-jobs", json={"uscc": USCC, **PERIOD},
                    headers=auth(client, writer))
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/v1/report-jobs/{r.json()['id']}"
    assert r.json()["state"] in ("queued", "waiting_inputs", "issuing",
                                 "waiting_report_anchor", "bundling", "done")
    h = auth(client, reader)
    done = wait_report_job(client, h, r.json()["id"])
    assert done["state"] == "done", done
    assert done["files"] == ["report.json", "report.pdf", "bundle.json"]
    assert done["report_version"] == 1 and done["verified"].startswith("VALID CCR-")
    [(version, digest, tx_id)] = steps.versions(USCC)
    assert (version, digest, tx_id) == (1, done["report_digest"], done["issued_tx_id"])
    assert done["submitted_tx_id"] == tx_id and done["problem"] is None
    got = {name: client.get(f"/v1/report-jobs/{done['id']}/{name}", headers=h)
           for name in done["files"]}
    assert got["report.json"].headers["content-type"] == "application/json"
    assert got["report.pdf"].headers["content-type"] == "application/pdf"
    assert got["report.pdf"].content.startswith(b"%PDF")
    import hashlib
    assert "sha256:" + hashlib.sha256(got["report.json"].content).hexdigest() == digest
    assert got["bundle.json"].json()["report_tx_id"] == tx_id
    second = client.post("/v1/report-jobs", json={"uscc": USCC, **PERIOD},
                         headers=auth(client, writer)).json()
    again = wait_report_job(client, h, second["id"])
    assert again["report_version"] == 2 and len(steps.versions(USCC)) == 2  # a new job: v2


def test_bad_requests_and_unknown_jobs_are_problems(service: ServiceFactory,
                                                    tmp_path: Path) -> None:
    client, _w, _steps = _service(service, tmp_path)
    h = auth(client, "u-registrar")
    r = client.post("/v1/report-jobs", json={"uscc": USCC, "from": "2026-01-01",
                                             "to": "2027-01-31"}, headers=h)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    missing = "0" * 32
    for url in (f"/v1/report-jobs/{missing}", f"/v1/report-jobs/{missing}/report.pdf"):
        r = client.get(url, headers=h)
        assert r.status_code == 404 and r.json()["request_id"], r.text
    assert client.post(f"/v1/report-jobs/{missing}/retry", headers=h).status_code == 404


def test_not_anchored_fails_with_evidence_then_retry_finishes(service: ServiceFactory,
                                                             tmp_path: Path) -> None:
    client, _w, steps = _service(service, tmp_path, anchored=False)
    h = auth(client, "u-registrar")
    job = client.post("/v1/report-jobs", json={"uscc": USCC, **PERIOD, "wait": 1},
                      headers=h).json()
    failed = wait_report_job(client, h, job["id"])
    assert failed["state"] == "failed" and failed["files"] == []
    problem = failed["problem"]
    assert problem["type"] == "urn:carbontrust:problem:not-anchored"
    assert problem["status"] == 504 and "log index 7" in problem["detail"]
    assert problem["evidence"]["step"] == "waiting_inputs"
    assert problem["instance"] == f"/v1/report-jobs/{job['id']}"
    r = client.get(f"/v1/report-jobs/{job['id']}/report.json", headers=h)
    assert r.status_code == 409 and "failed" in r.json()["detail"]
    assert steps.versions(USCC) == []
    steps.anchored = True
    assert client.post(f"/v1/report-jobs/{job['id']}/retry", headers=h).status_code == 202
    done = wait_report_job(client, h, job["id"])
    assert done["state"] == "done" and done["attempts"] == 2 and len(steps.versions(USCC)) == 1
    r = client.post(f"/v1/report-jobs/{job['id']}/retry", headers=h)
    assert r.status_code == 409  # only a failed job


def test_jobs_are_paged_newest_first(service: ServiceFactory, tmp_path: Path) -> None:
    client, _w, _steps = _service(service, tmp_path, anchored=False)
    h = auth(client, "u-registrar")
    ids = [client.post("/v1/report-jobs", json={"uscc": USCC, **PERIOD, "wait": 1},
                       headers=h).json()["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        page = client.get("/v1/report-jobs", headers=h, params={
            "limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [j["id"] for j in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]


def test_a_version_taken_by_another_issuer_is_built_again(db_url: str,
                                                          tmp_path: Path) -> None:
    """Frozen as version 1, but the CLI issued version 1 first: the frozen bytes can never
    be issued; the job builds version 2 (superseding the other's) and issues that once."""
    store = Store(db_url)
    steps = FileReportSteps(tmp_path / "ledger.sqlite")
    taken = []

    def pause(point: str) -> None:
        if point == "frozen" and not taken:
            taken.append(True)
            steps.issue_elsewhere(ARGS)

    jobs = ReportJobs(store, lambda: steps, pause)
    job = jobs.create("t", *ARGS, None, 5)
    jobs.run(job.id)
    with store.session() as s:
        row = s.get(ReportJob, job.id)
        assert row is not None and row.state == "done", row.problem
        assert row.report_version == 2 and row.attempts == 1
    assert [(v, tx) for v, _d, tx in steps.versions(USCC)] == [(1, "tx-other-1"),
                                                              (2, row.issued_tx_id)]


def _job_in(store: Store, steps_path: Path) -> str:
    jobs = ReportJobs(store, lambda: FileReportSteps(steps_path))
    return jobs.create("t", *ARGS, None, 5).id


def _worker(db_url: str, ledger: Path, pause_at: str, commit_first: bool) -> Any:
    return subprocess.Popen(
        [sys.executable, str(REPO / "tests/unit/gateway/service/run_report_jobs.py"), db_url,
         str(ledger), pause_at, "1" if commit_first else "0"],
        env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, text=True)


@pytest.mark.parametrize("point,commit_first", [
    ("frozen", True),   # bytes frozen, nothing submitted
    ("sent", True),     # committed on the ledger, the row does not know yet
    ("sent", False),    # sent, killed before it committed: the transaction is lost
    ("issued", True),   # issued and recorded, the report's anchor not yet awaited
    ("bundled", True),  # bundle made, not stored
])
def test_kill_9_at_each_point_issues_exactly_one_version(db_url: str, tmp_path: Path,
                                                         point: str,
                                                         commit_first: bool) -> None:
    store = Store(db_url)
    ledger = tmp_path / "ledger.sqlite"
    FileReportSteps(ledger).issue_elsewhere(ARGS)  # a version 1 from before: the job's is 2
    job_id = _job_in(store, ledger)
    proc = _worker(db_url, ledger, point, commit_first)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == f"paused {point}"
    finally:
        proc.kill()  # SIGKILL
        proc.wait()
    with store.session() as s:
        row = s.get(ReportJob, job_id)
        assert row is not None and row.state != "done"
    out = _worker(db_url, ledger, "-", commit_first)
    stdout, _ = out.communicate(timeout=60)
    assert out.returncode == 0 and stdout.strip() == "idle"
    with store.session() as s:
        row = s.get(ReportJob, job_id)
        assert row is not None and row.state == "done", row.problem
        assert row.attempts == 2
    versions = FileReportSteps(ledger).versions(USCC)
    assert [v for v, _d, _t in versions] == [1, 2], versions  # exactly one more version
    assert versions[1][1:] == (row.report_digest, row.issued_tx_id)  # store and ledger agree
