"""The organisations' services on real peers, killed with SIGKILL and restarted.

A network of this module's own (PORT_BASE); the power service (SQLite store) and the
regulator service (PostgreSQL store, tests/postgres.py) run as ``python -m gateway.service
run`` processes started here, so the test can kill and restart them (the network's own
service nodes are left out: CARBONTRUST_SERVICES=0).

- An upload's job is SIGKILLed while its batches are in flight; the restarted service
  resumes it from its journal: the job reports every reading once, and the ledger's totals
  (read by the regulator's own identity, not through the service) equal the sum and count
  of the distinct readings. An upload cut while its body is still arriving is a failed job
  ("upload again"); uploading the file again records nothing twice.
- The regulator service is SIGKILLed twice while transactions are being committed and its
  projector follows the chaincode events; after the restart its projection holds exactly
  the ledger's events, in ledger order, each once (compared with a listener reading the
  chaincode events from block 0).
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from accounting import readings as rd
from gateway.service._passwords import hash_password
from tests.postgres import postgres_url

from .carbon_world import World, carbon_network, new_uscc, next_number, record

pytestmark = pytest.mark.integration

PORT_BASE = 21500
REPO = Path(__file__).resolve().parents[2]
DAY0 = datetime.datetime(2026, 9, 1, tzinfo=rd.CHINA)  # in the past
PASSWORD = "integration-password"
KEY = "integration-token-key-" + "x" * 20


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    before = os.environ.get("CARBONTRUST_SERVICES")
    os.environ["CARBONTRUST_SERVICES"] = "0"  # this module runs its own service processes
    try:
        for net in carbon_network("it-test_services", PORT_BASE):
            w = World(net)
            yield w
            w.s.close()
    finally:
        if before is None:
            os.environ.pop("CARBONTRUST_SERVICES", None)
        else:
            os.environ["CARBONTRUST_SERVICES"] = before


class Service:
    """A service process; ``kill()`` is SIGKILL, ``start()`` runs it again on the same
    store and data directory."""

    def __init__(self, w: World, role: str, port: int, data: Path, db_url: str | None,
                 **extra: str) -> None:
        roles = {"power": ["operator", "viewer"], "regulator": ["registrar", "auditor"],
                 "bank": ["analyst"]}[role]
        self.role, self.port, self.log = role, port, data / "service.log"
        data.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "PYTHONPATH": str(REPO),
                    "CARBONTRUST_SERVICE_TOKEN_KEY": KEY,
                    "CARBONTRUST_SERVICE_PROFILE": str(w.net.run_dir / "connection.json"),
                    "CARBONTRUST_SERVICE_DATA_DIR": str(data),
                    "CARBONTRUST_SERVICE_USERS": json.dumps({"it": {
                        "password_hash": hash_password(PASSWORD, n=2**10), "roles": roles}}),
                    **{f"CARBONTRUST_SERVICE_{k.upper()}": v for k, v in extra.items()}}
        if db_url:
            self.env["CARBONTRUST_SERVICE_DATABASE_URL"] = db_url
        self.proc: subprocess.Popen[bytes] | None = None
        self.token = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.log, "ab")  # noqa: SIM115 - the child's stderr
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gateway.service", "run", self.role, "--port",
             str(self.port)], env=self.env, cwd=REPO, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    break
            except OSError:
                assert self.proc.poll() is None, self.log.read_text()[-3000:]
                assert time.monotonic() < deadline, self.log.read_text()[-3000:]
                time.sleep(0.2)
        body = urllib.parse.urlencode({"grant_type": "password", "username": "it",
                                       "password": PASSWORD}).encode()
        self.token = self.call("POST", "/v1/token", body,
                               "application/x-www-form-urlencoded")["access_token"]

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def call(self, method: str, path: str, body: bytes | None = None,
             content_type: str | None = None, **params: str) -> Any:
        url = self.url + path + (("?" + urllib.parse.urlencode(params)) if params else "")
        request = urllib.request.Request(url, data=body, method=method)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path}: {exc.code} {exc.read()[:500]!r}") from None

    def pages(self, path: str) -> list[Any]:
        items, cursor = [], None
        while True:
            page = self.call("GET", path, limit="200", **({"cursor": cursor} if cursor else {}))
            items += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return items


def readings_csv(w: World, days: int) -> tuple[bytes, Decimal, int]:
    lines = ["meter_id,uscc,interval_start,source,quantity,unit,quality"]
    total = Decimal(0)
    for n in range(96 * days):
        start = (DAY0 + datetime.timedelta(minutes=15 * n)).isoformat()
        q = Decimal(n % 97 + 1) / 4
        lines.append(f"{w.m1},{w.e1},{start},electricity,{q},kWh,measured")
        total += q
    return ("\n".join(lines) + "\n").encode(), total, 96 * days


def ledger_totals(w: World, days: int) -> tuple[Decimal, int]:
    last = (DAY0 + datetime.timedelta(days=days - 1)).date().isoformat()
    answer = w.evaluate("regulator-client", "account:totals", w.e1, DAY0.date().isoformat(),
                        last)
    elec = answer["totals"].get("electricity")
    if elec is None:
        return Decimal(0), 0
    return Decimal(str(elec["quantity"])), int(elec["readings"])


def wait_job(svc: Service, job_id: str, timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = svc.call("GET", f"/v1/ingest/jobs/{job_id}")
        if job["state"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.2)


def test_power_service_killed_during_an_upload(world: World, tmp_path: Path) -> None:
    days = 8
    body, total, count = readings_csv(world, days)
    svc = Service(world, "power", PORT_BASE + 106, tmp_path / "power", None,
                  batch_size="24", in_flight="2", max_wait="0.5")
    svc.start()
    try:
        # 1. cut while the body is still arriving: a failed job, nothing sent
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", svc.port, timeout=30)
        conn.putrequest("POST", "/v1/ingest/jobs")
        conn.putheader("Authorization", f"Bearer {svc.token}")
        conn.putheader("Content-Type", "text/csv")
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        conn.send(body[: len(body) // 3])
        time.sleep(1.0)
        svc.kill()
        conn.close()
        svc.start()
        jobs = svc.pages("/v1/ingest/jobs")
        assert [j["state"] for j in jobs] == ["failed"], jobs
        assert "upload the file again" in jobs[0]["error"]

        # 2. the whole file; killed while its batches are in flight
        job = svc.call("POST", "/v1/ingest/jobs", body, "text/csv")
        deadline = time.monotonic() + 120
        while svc.call("GET", f"/v1/ingest/jobs/{job['id']}")["readings_committed"] < 48:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        svc.kill()
        partial = ledger_totals(world, days)[1]
        assert 0 < partial < count, partial
        svc.start()
        done = wait_job(svc, job["id"])
        assert done["state"] == "done", done
        assert done["readings_committed"] == count and done["readings_refused"] == 0
        assert done["attempts"] == 2
        assert ledger_totals(world, days) == (total, count)

        # 3. the same file again (a client that did not see the answer): nothing twice
        again = wait_job(svc, svc.call("POST", "/v1/ingest/jobs", body, "text/csv")["id"])
        assert again["state"] == "done", again
        assert ledger_totals(world, days) == (total, count)
    finally:
        svc.stop()


def _ledger_events(w: World, count: int) -> list[str]:
    """Transaction ids of the first ``count`` chaincode events from block 0."""
    network = w.s.network(w.who["regulator-client"])
    out: list[str] = []
    with network.chaincode_events("carbon", start_block=0) as events:
        for event in events:
            out.append(event.transaction_id)
            if len(out) == count:
                break
    return out


def test_regulator_projection_killed_while_following(world: World, tmp_path: Path) -> None:
    svc = Service(world, "regulator", PORT_BASE + 406, tmp_path / "regulator", postgres_url())
    svc.start()
    stop = threading.Event()
    txids: list[str] = []

    def writer() -> None:  # transactions keep committing while the service dies
        while not stop.is_set() and len(txids) < 40:
            uscc = new_uscc(next_number())
            txids.append(world.submit_full("regulator-admin", "registry:register_enterprise",
                                           record(uscc))[1])

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(2):
            time.sleep(2.0)
            svc.kill()
            time.sleep(0.5)
            svc.start()
        thread.join(300)
        deadline = time.monotonic() + 60
        while True:  # the projection reaches the last transaction written
            projected = svc.pages("/v1/events")
            if txids[-1] in {e["transaction_id"] for e in projected}:
                break
            assert time.monotonic() < deadline, svc.call("GET", "/healthz")
            time.sleep(0.2)
        # (the notary followers' own transactions keep adding events: compare a prefix)
        expected = _ledger_events(world, len(projected))
        assert [e["transaction_id"] for e in projected] == expected
        assert [e["seq"] for e in projected] == list(range(1, len(expected) + 1))
        assert set(txids) <= set(expected) and len(txids) >= 10
    finally:
        stop.set()
        thread.join(60)
        svc.stop()
