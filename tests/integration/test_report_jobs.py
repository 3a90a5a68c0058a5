"""Report issuance as a job of the regulator's service, on real peers, killed with SIGKILL.

A network of this module's own (PORT_BASE), the notary followers anchoring every few
seconds; the result computed, attested and rated with the ``carbontrust`` command as in
test_report_flow.py. The regulator's service runs as a ``python -m gateway.service run``
process started here (CARBONTRUST_SERVICES=0), so the test can kill it: a report job is
posted, the service is SIGKILLed as soon as the job is issuing (its report frozen) and again
once the report is issued (waiting for its anchor); each time the restarted service
resumes the job. Then: the job is done, the ledger holds exactly one report version (its
``report:status``, read with the bank's identity on the bank's peer, names the job's
transaction and digest), and the three files the service serves verify offline with the
channel's MSP roots as a bank would (``verifier.verify_report``), the PDF included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from verifier import load_msp_roots, verify_report

from .carbon_world import END, START, World, results_world_without_services
from .test_services import Service

pytestmark = pytest.mark.integration

PORT_BASE = 32000
REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "carbontrust"
COMMAND = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "gateway.cli"]
PERIOD = ("--from", START, "--to", END)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """The module's own network, no services (this module starts its own), results ready."""
    yield from results_world_without_services("it-test_report_jobs", PORT_BASE)


def cli(w: World, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARBONTRUST_RUN_DIR": str(w.net.run_dir)}
    env.pop("CARBONTRUST_PROFILE", None)
    proc = subprocess.run([*COMMAND, *argv], cwd=REPO, env=env, capture_output=True,
                          timeout=600, check=False, text=True)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _until(svc: Service, job_id: str, states: tuple[str, ...],
           timeout: float = 400) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = svc.call("GET", f"/v1/report-jobs/{job_id}")
        if job["state"] in states or job["state"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


def _download(svc: Service, job_id: str, name: str) -> bytes:
    request = urllib.request.Request(f"{svc.url}/v1/report-jobs/{job_id}/{name}")
    request.add_header("Authorization", f"Bearer {svc.token}")
    with urllib.request.urlopen(request, timeout=60) as r:
        data: bytes = r.read()
        return data


def test_a_killed_service_resumes_its_report_job_and_issues_once(world: World,
                                                                tmp_path: Path) -> None:
    w = world
    for argv in (("results", "compute", w.e1, *PERIOD),
                 ("attest", w.e1, *PERIOD, "--assurance", "reasonable", "--opinion",
                  "unmodified", "--date", "2024-03-01"),
                 ("rating", "compute", w.e1, *PERIOD, "--as", "CertifierMSP")):
        r = cli(w, *argv)
        assert r.returncode == 0, r.stderr
    # no services on this network: its followers keep their own audit.db, not the store
    svc = Service(w, "regulator", PORT_BASE + 106, tmp_path / "regulator", None,
                  audit_store=str(w.net.notary_store("regulator") / "audit.db"))
    svc.start()
    try:
        job = svc.call("POST", "/v1/report-jobs", json.dumps(
            {"uscc": w.e1, "from": START, "to": END, "wait": 300}).encode(),
            "application/json")
        assert job["state"] == "queued"
        kills = []
        for states in (("issuing",), ("waiting_report_anchor", "bundling")):
            seen = _until(svc, job["id"], states)
            assert seen["state"] in states, seen
            svc.kill()
            kills.append(seen["state"])
            svc.start()
        done = _until(svc, job["id"], ("done",))
        assert done["state"] == "done", done
        assert done["attempts"] == 3 and done["report_version"] == 1, done
    finally:
        svc.stop()
    svc.start()
    try:
        files = {name: _download(svc, job["id"], name)
                 for name in ("report.json", "report.pdf", "bundle.json")}
    finally:
        svc.stop()
    status = w.evaluate("bank-client", "report:status", w.e1, START, END, "")
    assert status["version"] == 1, status  # exactly one version was issued
    assert status["issued"]["tx_id"] == done["issued_tx_id"]
    assert status["digest"] == done["report_digest"]
    roots = tmp_path / "roots"
    r = cli(w, "audit", "roots", "--out", str(roots), "--as", "BankMSP")
    assert r.returncode == 0, r.stderr
    summary = verify_report(files["report.json"], files["bundle.json"],
                            load_msp_roots(roots), files["report.pdf"])
    assert summary.uscc == w.e1 and summary.line() == done["verified"]
