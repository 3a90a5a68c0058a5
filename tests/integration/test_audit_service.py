"""The audit routes on real peers (issue 14): the regulator exports through its service and
the download is checked with ``carbontrust audit check`` and through the service's check
route; a tampered copy is refused by both, naming its reason; the bank's service serves its
own notary log without any of a private result's figures or its salt.

A fresh network of this module's own (PORT_BASE), its notary followers anchoring on a short
cadence; the regulator's and the bank's services run as processes (``python -m
gateway.service run``), each reading its own organisation's log (the follower's store named
by ``audit_store``) and the regulator trusting the MSP roots ``carbontrust audit roots``
writes from its peer's channel configuration.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .carbon_world import END, START, World, results_world_without_services
from .test_report_flow import cli
from .test_services import Service

pytestmark = pytest.mark.integration

PORT_BASE = 31500
PERIOD = ("--from", START, "--to", END)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """The module's own network, no services (this module starts its own), results ready."""
    yield from results_world_without_services("it-test_audit_service", PORT_BASE)


def http(svc: Service, method: str, path: str, body: bytes | None = None,
         **params: str) -> tuple[int, bytes, dict[str, str]]:
    url = svc.url + path + ("?" + urllib.parse.urlencode(params) if params else "")
    request = urllib.request.Request(url, data=body, method=method, headers={
        "Authorization": f"Bearer {svc.token}",
        **({"Content-Type": "application/json"} if body is not None else {})})
    try:
        with urllib.request.urlopen(request, timeout=300) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def until_anchored(svc: Service, path: str, timeout: float = 180,
                   **params: str) -> tuple[int, bytes, dict[str, str]]:
    """The request again while it is 409 not-anchored / NOT_ANCHORED or 503 (the follower
    not yet there): the next anchor comes within the cadence."""
    deadline = time.monotonic() + timeout
    while True:
        code, body, headers = http(svc, "GET", path, **params)
        if code not in (409, 503) or time.monotonic() > deadline:
            return code, body, headers
        problem = json.loads(body)
        if code == 409 and problem.get("code", "NOT_ANCHORED") != "NOT_ANCHORED" and \
                not problem["type"].endswith("not-anchored"):
            return code, body, headers
        time.sleep(1)


def figures(record: Any) -> set[str]:
    """Every decimal figure a record carries as a string (as records and answers do)."""
    found: set[str] = set()
    if isinstance(record, dict):
        for value in record.values():
            found |= figures(value)
    elif isinstance(record, list):
        for value in record:
            found |= figures(value)
    elif isinstance(record, str) and re.fullmatch(r"[0-9]+\.[0-9]+", record):
        found.add(record)
    return found


def test_export_check_and_the_banks_own_log(world: World, tmp_path: Path) -> None:
    w = world
    r = cli(w, "results", "compute", w.e1, *PERIOD)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    salt = result.get("record", result).get("salt")
    # searched as JSON strings ("40.793"), as records carry them, so no clock reading in a
    # timestamp matches by chance; the salt as its hex
    secret = {json.dumps(f) for f in figures(result)} | ({salt} if salt else set())
    assert len(secret) >= 5, result          # the search below can fail
    roots = tmp_path / "roots"
    r = cli(w, "audit", "roots", "--out", str(roots), "--as", "RegulatorMSP")
    assert r.returncode == 0, r.stderr
    notary_dir = w.net.run_dir / "notary"
    regulator = Service(w, "regulator", PORT_BASE + 106, tmp_path / "regulator", None,
                        msp_roots=str(roots),
                        audit_store=str(notary_dir / "regulator" / "audit.db"))
    bank = Service(w, "bank", PORT_BASE + 107, tmp_path / "bank", None,
                   audit_store=str(notary_dir / "bank" / "audit.db"))
    regulator.start()
    bank.start()
    try:
        # the enterprise's trail of this run, exported by the regulator's auditor
        since = "2000-01-01"
        code, data, headers = until_anchored(regulator, "/v1/audit/export", **{
            "from": since, "to": "2100-01-01", "uscc": w.e1})
        assert code == 200, data[:2000]
        assert "attachment" in headers["content-disposition"]
        export = json.loads(data)
        shown = [json.loads(e["leaf"])["entry"] for e in export["entries"] if "leaf" in e]
        assert {"registry.register_enterprise", "registry.add_meter", "operating.declare"} \
            <= {e["entry"] for e in shown}
        assert all(e["keys"].get("uscc") == w.e1 for e in shown)
        path = tmp_path / "export.json"
        path.write_bytes(data)

        # the download checks offline with the command line, and through the service
        r = cli(w, "audit", "check", str(path), "--trust", str(roots))
        assert r.returncode == 0, r.stderr
        offline = json.loads(r.stdout)
        code, body, _ = http(regulator, "POST", "/v1/audit/checks", data)
        assert code == 200, body
        verdict = json.loads(body)
        assert verdict["valid"] is True and verdict["check"] == offline
        assert verdict["own_log"]["status"] == "agrees"

        # a tampered copy: an entry of the enterprise now names the other one
        first = next(e for e in export["entries"] if "leaf" in e)
        first["leaf"] = first["leaf"].replace(w.e1, w.e2)
        bad = tmp_path / "tampered.json"
        bad.write_text(json.dumps(export))
        r = cli(w, "audit", "check", str(bad), "--trust", str(roots))
        assert r.returncode == 1 and r.stderr.split()[0] == "ENTRY_PROOF", r.stderr
        code, body, _ = http(regulator, "POST", "/v1/audit/checks", bad.read_bytes())
        verdict = json.loads(body)
        assert code == 200 and (verdict["valid"], verdict["code"]) == (False, "ENTRY_PROOF")
        assert verdict["detail"] in r.stderr       # the same evidence as the command line

        # the bank's service: its own log, anchored, with the result's entry but no figure
        code, body, _ = until_anchored(bank, "/v1/audit/checkpoint")
        state = json.loads(body)
        assert code == 200 and state["org"] == "BankMSP", state
        entries: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            code, body, _ = http(bank, "GET", "/v1/audit/entries", limit="200",
                                 **({"cursor": cursor} if cursor else {}))
            assert code == 200, body
            page = json.loads(body)
            entries += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert [e["index"] for e in entries] == list(range(len(entries)))
        computed = [e for e in entries if e["entry"]["entry"] == "results.compute"]
        assert computed and computed[0]["entry"]["keys"]["uscc"] == w.e1
        text = json.dumps(entries)
        assert not [s for s in secret if s in text], "a result figure in the bank's log"
        code, body, _ = http(bank, "GET", "/v1/audit/history/result",
                             key=f"{w.e1}/{START}/{END}")
        assert code == 200 and json.loads(body)["public"] is False, body
        # the bank may not export or check: the regulator's auditors' routes only
        assert http(bank, "GET", "/v1/audit/export", **{"from": since, "to": since})[0] \
            == 404
    finally:
        regulator.stop()
        bank.stop()
