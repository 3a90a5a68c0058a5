"""loan:record on the MemoryLedger: a bank's decision linked to a valid report it obtained
under a live consent with its access recorded; every refusal names its reason.

The report is a real one (report_world: built from the ledger's own records and issued);
consent times are the proposal timestamps the MemoryLedger hands the contract."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from chaincode.carbon._codec import iso_time

from . import report_world as rpt
from . import results_world as rw
from .conftest import E1, World
from .test_consent import at

T0 = 1_800_000_000                   # 2027-01-15T08:00:00Z
EXPIRES = iso_time(T0 + 3600, 0)
TERMS = "sha256:" + hashlib.sha256(b"salt and terms").hexdigest()


@pytest.fixture
def issued(world: World) -> tuple[World, dict[str, Any]]:
    rw.prepare(world, correct=False)
    result = rw.compute(world)
    assert rw.attest(world, result).status == 200
    assert rw.rate(world).status == 200
    res = rpt.issue(world, rpt.report(world))
    assert res.status == 200, res.message
    return world, res.json()


def grant(w: World, status: dict[str, Any], consent_id: str = "c-1",
          expires: str = EXPIRES) -> None:
    doc = {"consent_id": consent_id, "uscc": E1, "bank": "BankMSP", "report_id": status["id"],
           "period": status["period"], "expires": expires}
    at(w, T0)
    w.ok("ent1", "consent:grant", json.dumps(doc))


def record(w: World, status: dict[str, Any], who: str = "bank-client", loan_id: str = "L-1",
           digest: str | None = None, rid: str | None = None) -> Any:
    return w.call(who, "loan:record", loan_id, rid or status["id"],
                  digest or status["digest"], TERMS)


def refused(res: Any, *words: str) -> None:
    assert res.status == 403, (res.status, res.message)
    assert res.message.startswith("refused by rule consent.valid"), res.message
    for word in words:
        assert word in res.message, res.message


def test_a_decision_on_an_accessed_report_is_recorded_with_its_commitment(issued) -> None:
    w, status = issued
    grant(w, status)
    access = w.ok("bank-client", "consent:access", E1, status["id"])
    res = record(w, status)
    assert res.status == 200, res.message
    rec = res.json()
    assert {k: rec[k] for k in ("loan_id", "bank", "uscc", "report_id", "report_digest",
                                "consent_id", "access_tx_id", "terms_commitment")} == {
        "loan_id": "L-1", "bank": "BankMSP", "uscc": E1, "report_id": status["id"],
        "report_digest": status["digest"], "consent_id": "c-1",
        "access_tx_id": access["access"]["tx_id"], "terms_commitment": TERMS}
    name, payload = res.event
    entry = json.loads(payload)
    assert (name, entry["entry"], entry["commitments"]) == ("carbon.audit", "loan.record",
                                                             {"terms": TERMS})
    assert entry["keys"]["loan_id"] == "L-1" and entry["digests"]["report"] == status["digest"]
    assert w.ok("bank-admin", "loan:get", E1, status["id"], "L-1") == rec
    again = record(w, status)
    assert again.status == 409 and "already recorded" in again.message


def test_no_consent_is_refused(issued) -> None:
    w, status = issued
    refused(record(w, status), "no consent to BankMSP")


def test_a_consent_to_another_report_does_not_cover_this_one(issued) -> None:
    w, status = issued
    grant(w, status)
    w.ok("bank-client", "consent:access", E1, status["id"])
    other = status["id"].replace("-v1", "-v2")
    res = record(w, status, rid=other)
    assert res.status == 404, res.message     # no such report version on the ledger


def test_a_consent_is_the_named_banks_only(issued) -> None:
    w, status = issued
    grant(w, status)
    w.ok("bank-client", "consent:access", E1, status["id"])
    for who in ("regulator-client", "certifier-admin", "power-client", "ent1"):
        res = record(w, status, who=who)
        assert res.status == 403 and "refused by rule loan.record" in res.message, who


def test_no_access_recorded_is_refused(issued) -> None:
    w, status = issued
    grant(w, status)
    refused(record(w, status), "no access recorded")


def test_after_revocation_is_refused(issued) -> None:
    w, status = issued
    grant(w, status)
    w.ok("bank-client", "consent:access", E1, status["id"])
    revoked = w.ok("ent1", "consent:revoke", E1, status["id"], "BankMSP", "c-1")
    refused(record(w, status), "revoked in tx " + revoked["revoked"]["tx_id"])


def test_after_expiry_is_refused(issued) -> None:
    w, status = issued
    grant(w, status)
    w.ok("bank-client", "consent:access", E1, status["id"])
    at(w, T0 + 3600)
    refused(record(w, status), f"expired at {EXPIRES}")


def test_a_digest_other_than_the_ledgers_is_refused(issued) -> None:
    w, status = issued
    grant(w, status)
    w.ok("bank-client", "consent:access", E1, status["id"])
    res = record(w, status, digest="sha256:" + "0" * 64)
    assert res.status == 409 and status["digest"] in res.message, res.message


def test_a_withdrawn_report_is_refused(issued) -> None:
    w, status = issued
    grant(w, status)
    w.ok("bank-client", "consent:access", E1, status["id"])
    w.ok("regulator-client", "report:withdraw", *rpt.PERIOD, "1", "restated")
    res = record(w, status)
    assert res.status == 409 and "withdrawn" in res.message, res.message


@pytest.mark.parametrize("field,args", [
    ("loan_id", ("bad id!", None, None, TERMS)),
    ("report_id", ("L-1", "CCR-x", None, TERMS)),
    ("report_digest", ("L-1", None, "md5:00", TERMS)),
    ("terms_commitment", ("L-1", None, None, "sha256:XYZ")),
])
def test_bad_arguments_name_the_field(issued, field: str, args: tuple) -> None:
    w, status = issued
    loan_id, rid, digest, terms = args
    res = w.call("bank-client", "loan:record", loan_id, rid or status["id"],
                 digest or status["digest"], terms)
    assert res.status == 400 and field in res.message, res.message


def test_a_decision_stamped_before_the_recorded_access_is_refused(issued) -> None:
    w, status = issued
    grant(w, status)
    at(w, T0 + 100)
    w.ok("bank-client", "consent:access", E1, status["id"])
    at(w, T0 + 50)
    refused(record(w, status), "later than the transaction's time")


def test_a_decision_stamped_away_from_the_endorsers_clock_is_refused(issued) -> None:
    """A bank cannot record a loan after the consent expired by stamping the proposal with a
    time inside its lifetime: the endorser compares it with its own clock (300 s skew)."""
    w, status = issued
    grant(w, status)
    w.ok("bank-client", "consent:access", E1, status["id"])
    w.ledger.endorser_offset = 3600.0 + 600   # the endorser's clock: after EXPIRES
    res = record(w, status)
    assert res.status == 400 and res.message.startswith("proposal.timestamp: expected a "
                                                        "time within 300 s"), res.message
    assert res.event is None
    w.ledger.endorser_offset = 0.0
    assert record(w, status).status == 200
