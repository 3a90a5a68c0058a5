"""What the services' tests put in the fake ledger and the stores before calling routes."""

from __future__ import annotations

import itertools
import time
from typing import Any

from fastapi.testclient import TestClient

from gateway.service.store import Job
from tests.unit.gateway.ingest.rows import csv_text

USCC = "91350100M000100Y43"
PERIOD = {"from": "2026-01-01", "to": "2026-01-31"}
REPORT = f"CCR-{USCC}-20260101-20260131-v1"
_counter = itertools.count(1)


def fresh_uscc() -> str:
    return f"9135010{next(_counter):011d}"


def seed(world: Any) -> None:
    c = world.contract
    c.enterprises[USCC] = {"uscc": USCC, "name": "Fuzhou Steel", "industry": "C31",
                           "region": "fujian", "status": "active", "version": 1,
                           "areas": ["industry"]}
    c.history[USCC] = [{"tx_id": "tx0", "value": c.enterprises[USCC], "is_delete": False}]
    c.attestations[(USCC, PERIOD["from"], PERIOD["to"])] = {"status": "attested"}
    c.consents.append({"uscc": USCC, "report_id": REPORT, "bank": "BankMSP",
                       "consent_id": "c-1", "accesses": 0})


def failed_job(world: Any, client: TestClient) -> str:
    """A job that failed (bad input) with its upload kept: retry may run it."""
    store = world.app.state.store
    jobs = world.app.state.jobs
    job = jobs.create("seed", "bad.csv", "text/csv")
    jobs.uploads.mkdir(parents=True, exist_ok=True)
    jobs.upload_path(job.id).write_text(csv_text(3))
    with store.session() as s:
        row = s.get(Job, job.id)
        row.state, row.error = "failed", "seeded"
    return str(job.id)


def wait_job(client: TestClient, headers: dict[str, str], job_id: str,
             timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(f"/v1/ingest/jobs/{job_id}", headers=headers)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        if body["state"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.05)
