"""The power service's uploads: raw CSV, JSON lines and multipart bodies become jobs that
the real submitter runs into the FileLedger (the ingest tests' fake), with progress, refused
rows by line, limits, pages, and recovery after a restart; on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import update

from gateway.service.store import Job
from tests.unit.gateway.ingest.rows import HEADER, csv_text, row
from tests.unit.gateway.service.conftest import ServiceFactory, auth
from tests.unit.gateway.service.world import wait_job


def _readings(world) -> int:  # type: ignore[no-untyped-def]
    return int(world.readings.db.execute("SELECT count(*) FROM reading").fetchone()[0])


def test_csv_upload_runs_to_done(service: ServiceFactory, db_url: str) -> None:
    client, world = service("power", db_url=db_url, batch_size=7)
    h = auth(client, "u-operator")
    r = client.post("/v1/ingest/jobs", content=csv_text(40), headers={
        **h, "Content-Type": "text/csv", "X-Filename": "day.csv"})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["state"] in ("queued", "running", "done") and job["filename"] == "day.csv"
    assert job["size_bytes"] == len(csv_text(40).encode())
    done = wait_job(client, auth(client, "u-viewer"), job["id"])
    assert done["state"] == "done", done
    assert done["readings_committed"] == 40 and done["readings_refused"] == 0
    assert done["batches"] == 6 and _readings(world) == 40


def test_json_lines_and_multipart(service: ServiceFactory) -> None:
    client, world = service("power")
    h = auth(client, "u-operator")
    lines = [dict(zip(HEADER.strip().split(","), row("J1", i).strip().split(","),
                      strict=True)) for i in range(5)]
    body = "".join(json.dumps(x) + "\n" for x in lines)
    r1 = client.post("/v1/ingest/jobs", content=body,
                     headers={**h, "Content-Type": "application/x-ndjson"})
    r2 = client.post("/v1/ingest/jobs", files={"file": ("m.csv", csv_text(6, meters=2),
                                                        "text/csv")}, headers=h)
    assert r1.status_code == r2.status_code == 202, (r1.text, r2.text)
    assert r2.json()["filename"] == "m.csv"
    for r in (r1, r2):
        assert wait_job(client, h, r.json()["id"])["state"] == "done"
    assert _readings(world) == 11


def test_refused_rows_are_listed_by_line_and_paged(service: ServiceFactory) -> None:
    client, _ = service("power")
    h = auth(client, "u-operator")
    text = HEADER + row("M1", 0) + row("M1", 1, quantity="-3") + row("M1", 2) + \
        row("M1", 3, quantity="x") + row("M1", 4, unit="GJ")
    job = client.post("/v1/ingest/jobs", content=text,
                      headers={**h, "Content-Type": "text/csv"}).json()
    done = wait_job(client, h, job["id"])
    assert done["state"] == "done" and done["readings_committed"] == 2
    assert done["readings_refused"] == 3
    first = client.get(f"/v1/ingest/jobs/{job['id']}/refusals", headers=h,
                       params={"limit": 2}).json()
    assert [x["line"] for x in first["items"]] == [3, 5]
    rest = client.get(f"/v1/ingest/jobs/{job['id']}/refusals", headers=h,
                      params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [x["line"] for x in rest["items"]] == [6] and rest["next_cursor"] is None


def test_unreadable_input_fails_the_job_naming_the_line(service: ServiceFactory) -> None:
    client, _ = service("power")
    h = auth(client, "u-operator")
    job = client.post("/v1/ingest/jobs", content=HEADER + row("M1", 0) + "a,b\x00\n",
                      headers={**h, "Content-Type": "text/csv"}).json()
    done = wait_job(client, h, job["id"])
    assert done["state"] == "failed" and "line 3" in done["error"]
    assert done["readings_committed"] == 1  # what came before the bad line is recorded


def test_limits_and_media_types(service: ServiceFactory) -> None:
    client, _ = service("power", max_upload_bytes=100)
    h = auth(client, "u-operator")
    r = client.post("/v1/ingest/jobs", content=csv_text(10),
                    headers={**h, "Content-Type": "text/csv"})
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    r = client.post("/v1/ingest/jobs", content=b"x", headers={**h, "Content-Type":
                                                              "application/pdf"})
    assert r.status_code == 415
    r = client.post("/v1/ingest/jobs", files={"other": ("a", b"x")}, headers=h)
    assert r.status_code == 422
    jobs = client.get("/v1/ingest/jobs", headers=h).json()["items"]
    assert [j["state"] for j in jobs] == ["failed"]  # the 413 one, with why
    assert "100 bytes" in jobs[0]["error"]


def test_jobs_are_paged_newest_first(service: ServiceFactory, db_url: str) -> None:
    client, _ = service("power", db_url=db_url)
    h = auth(client, "u-operator")
    ids = [client.post("/v1/ingest/jobs", content=csv_text(1),
                       headers={**h, "Content-Type": "text/csv"}).json()["id"]
           for _ in range(5)]
    seen, cursor = [], None
    while True:
        page = client.get("/v1/ingest/jobs", headers=h,
                          params={"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [j["id"] for j in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]


def test_restart_resumes_running_jobs_and_fails_interrupted_uploads(
        service: ServiceFactory, db_url: str, tmp_path) -> None:  # type: ignore
    data = tmp_path / "power-data"
    client, world = service("power", db_url=db_url, data_dir=data)
    h = auth(client, "u-operator")
    job = client.post("/v1/ingest/jobs", content=csv_text(30),
                      headers={**h, "Content-Type": "text/csv"}).json()
    assert wait_job(client, h, job["id"])["state"] == "done"
    jobs = world.app.state.jobs
    half = jobs.create("u-operator", None, "text/csv")  # an upload cut by the stop
    store = world.app.state.store
    with store.session() as s:  # as if the service had died while the job ran
        s.execute(update(Job).where(Job.id == job["id"]).values(state="running"))
    client.__exit__(None, None, None)

    client2, world2 = service("power", db_url=db_url, data_dir=data)
    world2.app.state.jobs.sink_factory = lambda: world.readings  # the same ledger
    again = wait_job(client2, h, job["id"])
    assert again["state"] == "done" and again["attempts"] == 2
    assert again["readings_committed"] == 30 and _readings(world) == 30  # nothing twice
    cut = client2.get(f"/v1/ingest/jobs/{half.id}", headers=h).json()
    assert cut["state"] == "failed" and "upload the file again" in cut["error"]
