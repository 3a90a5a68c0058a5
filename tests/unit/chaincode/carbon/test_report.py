"""report:* on the MemoryLedger: issue (checked against the ledger's records), supersede,
withdraw, status for every organisation, the report private to the collection."""

from __future__ import annotations

import copy
import json

import pytest

from chaincode.carbon._readings import COLLECTION
from verifier.report import canonical_bytes, report_digest

from . import report_world as rpt
from . import results_world as rw
from .conftest import World
from .report_world import PERIOD


@pytest.fixture
def rated(world: World) -> World:
    rw.prepare(world, correct=False)
    result = rw.compute(world)
    assert rw.attest(world, result).status == 200
    assert rw.rate(world).status == 200
    return world


def _event(res: object) -> dict:
    name, payload = res.event  # type: ignore[attr-defined]
    assert name == "carbon.audit"
    return json.loads(payload)


def test_issue_writes_the_report_privately_and_its_status_publicly(rated: World) -> None:
    doc = rpt.report(rated)
    res = rpt.issue(rated, doc)
    assert res.status == 200, res.message
    status = res.json()
    digest = report_digest(doc)
    assert status["id"] == doc["report"]["id"] and status["digest"] == digest
    assert status["status"] == "valid" and status["supersedes"] is None
    entry = _event(res)
    assert entry["entry"] == "report.issue" and entry["digests"] == {"report": digest}
    assert entry["keys"]["report_id"] == doc["report"]["id"]
    assert entry["keys"]["uscc"] == PERIOD[0] and entry["keys"]["version"] == 1
    private = [k for c, k in res.writes if c == COLLECTION]
    assert len(private) == 1                      # the report, in the collection only
    got = rated.ok("certifier-client", "report:get", *PERIOD, "")
    assert got["digest"] == digest and got["report"] == doc
    assert rated.ok("bank-client", "report:status", *PERIOD, "")["digest"] == digest
    assert rated.call("bank-client", "report:get", *PERIOD, "").status == 403
    assert canonical_bytes(doc).decode() not in entry.__repr__()


def test_version_two_supersedes_version_one(rated: World) -> None:
    first = rpt.report(rated)
    assert rpt.issue(rated, first).status == 200
    again = rpt.issue(rated, first)
    assert again.status == 409 and "report.version" in again.message
    second = rpt.report(rated, 2, {"id": first["report"]["id"],
                                   "digest": report_digest(first)})
    res = rpt.issue(rated, second)
    assert res.status == 200, res.message
    assert _event(res)["digests"] == {"report": report_digest(second),
                                      "supersedes": report_digest(first)}
    old = rated.ok("bank-client", "report:status", *PERIOD, "1")
    assert old["status"] == "superseded"
    assert old["superseded_by"]["id"] == second["report"]["id"]
    assert rated.ok("bank-client", "report:status", *PERIOD, "")["version"] == 2


def test_wrong_supersedes_refused(rated: World) -> None:
    first = rpt.report(rated)
    assert rpt.issue(rated, first).status == 200
    second = rpt.report(rated, 2, {"id": first["report"]["id"], "digest": "sha256:" + "0" * 64})
    res = rpt.issue(rated, second)
    assert res.status == 409 and "report.supersedes" in res.message


def test_a_report_not_of_the_ledgers_records_is_refused(rated: World) -> None:
    doc = rpt.report(rated)
    forged = copy.deepcopy(doc)
    forged["method"]["result"]["record_digest"] = "sha256:" + "1" * 64
    forged["attestation"]["statement"]["result"]["digest"] = "sha256:" + "1" * 64
    res = rpt.issue(rated, forged)
    assert res.status == 409 and "record_digest" in res.message
    forged = copy.deepcopy(doc)
    forged["attestation"]["statement_digest"] = "sha256:" + "2" * 64
    res = rpt.issue(rated, forged)
    assert res.status == 409 and "statement_digest" in res.message


def test_non_canonical_or_invalid_report_is_400(rated: World) -> None:
    doc = rpt.report(rated)
    res = rated.call("regulator-client", "report:issue", *PERIOD,
                     transient={"report": json.dumps(doc, indent=1).encode()})
    assert res.status == 400 and res.message.startswith("transient.report:"), res.message
    bad = copy.deepcopy(doc)
    bad["emissions"]["total_tco2e"] = "lots"
    res = rpt.issue(rated, bad)
    assert res.status == 400 and res.message.startswith("transient.report.emissions"), \
        res.message
    res = rated.call("regulator-client", "report:issue", *PERIOD)
    assert res.status == 400 and res.message.startswith("transient.report")


def test_withdrawn_attestation_stops_issue_and_withdraw_marks_the_report(rated: World) -> None:
    doc = rpt.report(rated)
    assert rpt.issue(rated, doc).status == 200
    res = rated.call("certifier-client", "report:withdraw", *PERIOD, "1", "figures wrong")
    assert res.status == 200, res.message
    assert _event(res)["entry"] == "report.withdraw"
    assert rated.ok("bank-client", "report:status", *PERIOD, "1")["status"] == "withdrawn"
    again = rated.call("certifier-client", "report:withdraw", *PERIOD, "1", "twice")
    assert again.status == 409
    second = rpt.report(rated, 2, {"id": doc["report"]["id"], "digest": report_digest(doc)})
    rated.ok("certifier-client", "attestation:withdraw", *PERIOD, "1", "evidence withdrawn")
    res = rpt.issue(rated, second)
    assert res.status == 409 and "attestation" in res.message


def test_openings_open_the_commitments_of_the_result(rated: World) -> None:
    import hashlib
    got = rated.ok("certifier-client", "report:openings", *PERIOD, "")
    result = rated.ok("certifier-client", "results:get", *PERIOD, "")["record"]
    roots = {d["tx_id"]: d["root"] for d in result["inputs"]["deltas"] if d["kind"] == "batch"}
    assert [b["tx_id"] for b in got["batches"]] == list(roots)
    events = {json.loads(p)["tx_id"]: json.loads(p) for _n, p in rated.ledger.events}
    for b in got["batches"]:
        sealed = hashlib.sha256(bytes.fromhex(b["salt"]) + bytes.fromhex(roots[b["tx_id"]]))
        assert events[b["tx_id"]]["commitments"]["batch"] == "sha256:" + sealed.hexdigest()
    op = result["inputs"]["operating_data"]
    raw = json.dumps(op["declaration"], sort_keys=True, separators=(",", ":"),
                     ensure_ascii=False).encode()
    sealed = hashlib.sha256(bytes.fromhex(got["operating_data"]["salt"]) + raw).hexdigest()
    assert events[op["tx_id"]]["commitments"]["declaration"] == "sha256:" + sealed
    assert rated.call("bank-client", "report:openings", *PERIOD, "").status == 403
