"""The results, attestation and rating transactions (issue 13) in the real-network
authorisation matrix (test_carbon_authz.py): each transaction's call for any caller, whom
chaincode/carbon/_rules.py lets in, and the state each allowed call needs.

The state is carbon_world.prepare_results (factor and rule sets in force, readings of e1 in
START..END, e1's declared operating data), made once on first use.  An allowed write must
succeed, and each one uses something up: a result version is computed only from new inputs
(the same inputs again are 409), attested once, withdrawn once, rated once per rule set.  So
the module keeps two pools, result versions computed and not attested, and versions attested
(valid) and neither withdrawn nor rated; a case takes what it needs from its pool and makes
what is missing.  New inputs are one reading of e1's meter on a day of the period not used
yet.  A refused call names real, existing records, so only the rule can refuse it.

Reports (report:*) are built with verifier.report.build_report from a rated version's
records as the ledger answers them; each issue is the next version of the period's report
(superseding the last), and only the latest can be withdrawn, so a withdrawal issues one
first when the latest is withdrawn already.
"""

from __future__ import annotations

import datetime
import itertools
import os
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import verifier.report
from accounting import readings as rd

from .carbon_world import (
    END,
    ENDORSERS,
    MEMBERS,
    ORGS,
    START,
    World,
    at,
    attestation_args,
    prepare_results,
    submit_readings,
)

Call = Callable[[World, str], Any]
STAFF = {f"{o.removesuffix('MSP').lower()}-{k}" for o in ORGS for k in ("admin", "client")}
#: staff of the privateReadings members (PowerMSP, CertifierMSP, RegulatorMSP)
READERS = STAFF - {"bank-admin", "bank-client"}
CERTIFIER = {"certifier-admin", "certifier-client"}
WRITERS = CERTIFIER | {"regulator-admin", "regulator-client", "ent-own"}
SIGNER = "certifier-client"       # who attests in the setup
FIRST_NEW_DAY = datetime.date(2023, 3, 1)   # prepare_results uses January and February

_prepared: list[bool] = []
_made: list[int] = []                     # every result version computed
_computed: list[dict[str, Any]] = []      # results:compute answers, not attested
_attested: list[int] = []                 # versions attested (valid), not withdrawn or rated
_rated: list[int] = []
_reports: list[dict[str, Any]] = []       # report:issue answers (status records), in order
_next_report: dict[int, bytes] = {}        # report version -> its canonical bytes
_days = itertools.count()


def _ready(w: World) -> None:
    if not _prepared:
        prepare_results(w)
        _prepared.append(True)


def _salt() -> dict[str, bytes]:
    return {"salt": os.urandom(32)}


def _period(w: World, caller: str) -> tuple[str, str, str]:
    """e1's period; e2's for the enterprise acting on another's records."""
    return (w.e2 if caller == "ent-other" else w.e1, START, END)


def _new_version(w: World, who: str = "regulator-client") -> Any:
    """New inputs (a reading on an unused day of the period), then a result computed by who;
    compute's answer."""
    _ready(w)
    day = (FIRST_NEW_DAY + datetime.timedelta(days=next(_days))).isoformat()
    assert day <= END, "the period has no unused day left for new inputs"
    submit_readings(w, [rd.Reading(w.m1, w.e1, at(day), "electricity", Decimal("7"), "kWh",
                                   "measured")])
    out = w.submit(who, "results:compute", w.e1, START, END, "", transient=_salt(),
                   orgs=ENDORSERS)
    # the record, read as results:get answers it (compute's own answer is not the record's
    # place: it is kept in every peer's block)
    answer: dict[str, Any] = w.evaluate("regulator-client", "results:get", w.e1, START, END,
                                        "")
    _made.append(answer["record"]["version"])
    _computed.append(answer)
    return out


def _take_computed(w: World) -> dict[str, Any]:
    """A computed version no one attested, taken from the pool."""
    if not _computed:
        _new_version(w)
    return _computed.pop()


def _latest(w: World) -> dict[str, Any]:
    """The latest result (computed first when there is none)."""
    if not _made:
        _new_version(w)
    out: dict[str, Any] = w.evaluate("regulator-client", "results:get", w.e1, START, END, "")
    return out


def _attest(w: World, who: str, answer: dict[str, Any]) -> Any:
    return w.submit(who, "attestation:attest", *attestation_args(w.who[who], answer))


def _take_attested(w: World) -> int:
    """An attested (valid) version no one withdrew or rated, taken from the pool."""
    if not _attested:
        answer = _take_computed(w)
        _attest(w, SIGNER, answer)
        _attested.append(answer["record"]["version"])
    return _attested.pop()


def _an_attested(w: World) -> str:
    """An attested (valid) version, left in the pool."""
    if not _attested:
        _attested.append(_take_attested(w))
    return str(_attested[-1])


def _a_rated(w: World) -> str:
    """A rated version (rated by the certifier first when there is none)."""
    if not _rated:
        _rate(w, SIGNER)
    return str(_rated[-1])


def _compute(w: World, c: str) -> Any:
    if c in WRITERS:
        return _new_version(w, c)
    _ready(w)
    return w.submit(c, "results:compute", *_period(w, c), "", transient=_salt(),
                    orgs=ENDORSERS)


def _preview(w: World, c: str) -> Any:
    _ready(w)
    return w.evaluate(c, "results:preview", *_period(w, c), "")


def _get_result(w: World, c: str) -> Any:
    _latest(w)
    return w.evaluate(c, "results:get", *_period(w, c), "")


def _attest_case(w: World, c: str) -> Any:
    if c not in CERTIFIER:   # a statement over the latest result, signed by the caller
        return _attest(w, c, _latest(w))
    answer = _take_computed(w)
    out = _attest(w, c, answer)
    _attested.append(answer["record"]["version"])
    return out


def _withdraw(w: World, c: str) -> Any:
    version = str(_take_attested(w)) if c in CERTIFIER else _an_attested(w)
    return w.submit(c, "attestation:withdraw", w.e1, START, END, version, "authz matrix")


def _get_attestation(w: World, c: str) -> Any:
    _an_attested(w)
    return w.evaluate(c, "attestation:get", *_period(w, c), "")


def _attestation_status(w: World, c: str) -> Any:
    return w.evaluate(c, "attestation:status", *_period(w, c), _an_attested(w))


def _rate(w: World, c: str) -> Any:
    if c not in WRITERS:
        return w.submit(c, "rating:compute", *_period(w, c), _an_attested(w),
                        transient=_salt(), orgs=ENDORSERS)
    version = _take_attested(w)
    out = w.submit(c, "rating:compute", w.e1, START, END, str(version), transient=_salt(),
                   orgs=ENDORSERS)
    _rated.append(version)
    return out


def _get_rating(w: World, c: str) -> Any:
    return w.evaluate(c, "rating:get", *_period(w, c), _a_rated(w))


def _report_bytes(w: World) -> bytes:
    """The next report version's canonical bytes, built from a rated version's records."""
    version = len(_reports) + 1
    if version not in _next_report:
        v, reader = _a_rated(w), "regulator-client"
        prev = _reports[-1] if _reports else None
        doc = verifier.report.build_report({
            "result": w.evaluate(reader, "results:get", w.e1, START, END, v),
            "attestation": w.evaluate(reader, "attestation:get", w.e1, START, END, v),
            "ratings": w.evaluate(reader, "rating:get", w.e1, START, END, v),
            "report": {"version": version, "status": "valid",
                       "supersedes": prev and {"id": prev["id"], "digest": prev["digest"]}}})
        _next_report[version] = verifier.report.canonical_bytes(doc)
    return _next_report[version]


def _issue(w: World, c: str) -> Any:
    """report:issue of the next version (every caller offers it; the allowed ones issue it)."""
    out = w.submit(c, "report:issue", *_period(w, c), transient={"report": _report_bytes(w)},
                   orgs=MEMBERS)
    _reports.append(out)
    return out


def _a_report(w: World, valid: bool = False) -> str:
    """The latest report version (issued first when there is none, or when a valid one is
    wanted and the latest is withdrawn)."""
    if not _reports or (valid and _reports[-1].get("withdrawn")):
        _issue(w, "regulator-client")
    return str(_reports[-1]["version"])


def _withdraw_report(w: World, c: str) -> Any:
    version = _a_report(w, valid=c in REPORT_WITHDRAWERS)
    out = w.submit(c, "report:withdraw", w.e1, START, END, version, "authz matrix")
    _reports[-1] = out
    return out


REPORT_WITHDRAWERS = WRITERS - {"ent-own"}
CASES: dict[str, tuple[str, set[str], Call]] = {
    "results:compute": ("submit", WRITERS, _compute),
    "results:preview": ("evaluate", WRITERS, _preview),
    "results:get": ("evaluate", READERS | {"ent-own"}, _get_result),
    "attestation:attest": ("submit", CERTIFIER, _attest_case),
    "attestation:withdraw": ("submit", CERTIFIER, _withdraw),
    "attestation:get": ("evaluate", STAFF | {"ent-own"}, _get_attestation),
    "attestation:status": ("evaluate", STAFF | {"ent-own"}, _attestation_status),
    "rating:compute": ("submit", WRITERS, _rate),
    "rating:get": ("evaluate", READERS | {"ent-own"}, _get_rating),
    "report:issue": ("submit", WRITERS, _issue),
    "report:withdraw": ("submit", REPORT_WITHDRAWERS, _withdraw_report),
    "report:get": ("evaluate", READERS | {"ent-own"}, lambda w, c: w.evaluate(
        c, "report:get", *_period(w, c), _a_report(w))),
    "report:status": ("evaluate", STAFF | {"ent-own"}, lambda w, c: w.evaluate(
        c, "report:status", *_period(w, c), _a_report(w))),
    "report:openings": ("evaluate", WRITERS, lambda w, c: (_latest(w), w.evaluate(
        c, "report:openings", *_period(w, c), ""))),
}
RULE = {
    "results:compute": "results.compute", "results:preview": "results.compute",
    "results:get": "results.read", "attestation:attest": "attestation.attest",
    "attestation:withdraw": "attestation.withdraw", "attestation:get": "attestation.read",
    "attestation:status": "attestation.read",
    "rating:compute": "rating.compute", "rating:get": "rating.read",
    "report:issue": "report.issue", "report:withdraw": "report.withdraw",
    "report:get": "report.read", "report:status": "report.status",
    "report:openings": "report.issue",
}
PER_ENTERPRISE = {"results:compute", "results:preview", "results:get", "attestation:get",
                  "attestation:status", "rating:compute", "rating:get", "report:issue",
                  "report:get", "report:status", "report:openings"}
