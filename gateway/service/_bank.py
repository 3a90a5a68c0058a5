"""The bank's reports and loans (docs/services.md, "The bank: reports under consent, loans").

The report is private to PowerMSP, CertifierMSP and RegulatorMSP (``privateReadings``,
memberOnlyRead): no proposal signed by a BankMSP identity can read it on any peer, and an
answer of a submitted transaction lands in every peer's block. So the bank never fetches the
report's bytes from the ledger: the enterprise hands its report and bundle (the files
``carbontrust report issue`` wrote) to the bank, and the bank's service lets an analyst see
or lend on them only under the enterprise's consent on the ledger:

* ``POST /v1/reports``: records the access first (``consent:access``, submitted with the
  bank's identity: refused 403 ``consent.valid`` without a live consent for that report and
  bank, after revocation, after expiry; an audit entry otherwise), then checks the report
  (:mod:`._bank_check`: the ledger's digest and status, the verifier, the bank's own audit
  log), keeps it in the store and answers the verification;
* ``GET /v1/reports/{report_id}``: the kept report and bundle, each time under a new
  recorded access and checked again (so a revoked or expired consent, or a superseded or
  withdrawn report, stops it);
* ``POST /v1/loans``: a decision on a kept report; the terms stay in the store with a salt,
  the ledger gets their commitment (``loan:record``, which checks the consent and access
  again and the report's digest and status); ``GET /v1/loans`` pages them.
"""


import hashlib
import json
import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from gateway.service._auth import requires
from gateway.service._bank_check import check_report
from gateway.service._common import LEDGER_ERRORS, port, store
from gateway.service._consents import REPORT_ID
from gateway.service._ledger import LedgerPort
from gateway.service._pagination import Page, PageParams, decode_cursor, encode_cursor, page_params
from gateway.service._problems import ApiProblem, problem_responses
from gateway.service.store import BankLoan, BankReport, Store

__all__ = ["bank_router"]

ERRORS = (*LEDGER_ERRORS,)
ReportIdPath = Annotated[str, Path(pattern=REPORT_ID, max_length=64)]
_AMOUNT = r"^(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$"
_RATE = r"^(0|[1-9][0-9]{0,2})(\.[0-9]{1,6})?$"


class ReportIn(BaseModel):
    report: dict[str, Any] = Field(description="report.json as issued (a carbon credit "
                                               "report document)")
    bundle: dict[str, Any] = Field(description="bundle.json, its proof bundle")


class Verification(BaseModel):
    valid: bool
    line: str
    checkpoint_size: int
    own_log: Literal["agrees"]


class ReportOut(BaseModel):
    report_id: str
    digest: str
    ledger_status: dict[str, Any]
    consent_id: str
    access_tx_id: str
    verification: Verification
    report: dict[str, Any] | None = None
    bundle: dict[str, Any] | None = None


class LoanIn(BaseModel):
    loan_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
    report_id: str = Field(pattern=REPORT_ID, max_length=64)
    amount: str = Field(pattern=_AMOUNT, description="principal, decimal, 2 places at most")
    currency: str = Field(default="CNY", pattern="^[A-Z]{3}$")
    rate: str = Field(pattern=_RATE, description="annual rate in percent, decimal")
    credit_multiplier: str = Field(pattern=_RATE, description="the report's credit "
                                                              "multiplier, decimal")
    decision: Literal["approved", "declined"]


class LoanOut(BaseModel):
    loan_id: str
    report_id: str
    report_digest: str
    terms: dict[str, str]
    salt: str
    commitment: str
    state: str
    tx_id: str | None


def _access(ledger: LedgerPort, uscc: str, report_id: str) -> dict[str, Any]:
    answer, _done = ledger.submit_json("consent:access", [uscc, report_id])
    return answer if isinstance(answer, dict) else {}


def _answer(row: BankReport, checked: Any, access: dict[str, Any],
            with_files: bool) -> ReportOut:
    return ReportOut(report_id=row.report_id, digest=checked.digest,
                     ledger_status=checked.status,
                     consent_id=access["consent"]["consent_id"],
                     access_tx_id=access["access"]["tx_id"],
                     verification=Verification(valid=True, line=checked.line,
                                               checkpoint_size=checked.checkpoint_size,
                                               own_log="agrees"),
                     report=json.loads(row.report) if with_files else None,
                     bundle=json.loads(row.bundle) if with_files else None)


def _loan_out(row: BankLoan, digest: str) -> LoanOut:
    return LoanOut(loan_id=row.loan_id, report_id=row.report_id, report_digest=digest,
                   terms=json.loads(row.terms), salt=row.salt, commitment=row.commitment,
                   state=row.state, tx_id=row.tx_id)


def commitment(terms: dict[str, str], salt: str) -> str:
    """sha256 of the RFC 8785 bytes of {"salt", "terms"} (all strings: no float anywhere)."""
    from verifier.report import canonical_bytes

    return "sha256:" + hashlib.sha256(canonical_bytes({"salt": salt, "terms": terms})).hexdigest()


def bank_router(roles: tuple[str, ...]) -> APIRouter:
    router = APIRouter(tags=["reports and loans"])
    Analyst = Annotated[Any, requires(*roles)]  # noqa: N806 (a type alias)

    def paths(request: Request) -> tuple[Any, Any]:
        settings = request.app.state.settings
        return settings.msp_roots_path(), settings.audit_store_path()

    @router.post("/v1/reports", response_model=ReportOut, responses=problem_responses(
        *ERRORS))
    def receive(body: ReportIn, request: Request, caller: Analyst,
                ledger: Annotated[LedgerPort, Depends(port)],
                st: Annotated[Store, Depends(store)]) -> ReportOut:
        """A report and bundle the enterprise handed over: the access is recorded under its
        consent (403 without), then the report is checked and kept."""
        head = body.report.get("report")
        rid = head.get("id") if isinstance(head, dict) else None
        ent = body.report.get("enterprise")
        uscc = ent.get("uscc") if isinstance(ent, dict) else None
        if not isinstance(rid, str) or not isinstance(uscc, str):
            raise ApiProblem(422, "invalid-request", "report.report.id and "
                             "report.enterprise.uscc: needed to find the consent")
        access = _access(ledger, uscc, rid)
        checked = check_report(ledger, body.report, body.bundle, *paths(request))
        from verifier.report import canonical_bytes

        row = BankReport(report_id=rid, uscc=uscc, digest=checked.digest,
                         report=canonical_bytes(body.report),
                         bundle=json.dumps(body.bundle, ensure_ascii=False).encode("utf-8"),
                         consent_id=access["consent"]["consent_id"],
                         access_tx_id=access["access"]["tx_id"], verified=checked.line,
                         received_by=caller.user)
        with st.session() as s:
            s.merge(row)
        return _answer(row, checked, access, with_files=False)

    @router.get("/v1/reports/{report_id}", response_model=ReportOut,
                responses=problem_responses(*ERRORS))
    def report(report_id: ReportIdPath, request: Request, _caller: Analyst,
               ledger: Annotated[LedgerPort, Depends(port)],
               st: Annotated[Store, Depends(store)]) -> ReportOut:
        """A kept report with its bundle, under a new recorded access, checked again."""
        with st.session() as s:
            row = s.get(BankReport, report_id)
        if row is None:
            raise ApiProblem(404, "not-found", f"report {report_id} was never handed to this "
                             "bank (POST /v1/reports)")
        access = _access(ledger, row.uscc, report_id)
        checked = check_report(ledger, json.loads(row.report), json.loads(row.bundle),
                               *paths(request))
        return _answer(row, checked, access, with_files=True)

    @router.post("/v1/loans", response_model=LoanOut, responses=problem_responses(*ERRORS))
    def decide(body: LoanIn, caller: Analyst, ledger: Annotated[LedgerPort, Depends(port)],
               st: Annotated[Store, Depends(store)]) -> LoanOut:
        """Record a decision on a report this service verified (``loan:record``)."""
        with st.session() as s:
            rep = s.get(BankReport, body.report_id)
            if rep is None:
                raise ApiProblem(404, "not-found", f"report {body.report_id} was not verified "
                                 "here: POST /v1/reports first")
            if s.get(BankLoan, body.loan_id) is not None:
                raise ApiProblem(409, "conflict", f"loan {body.loan_id} exists")
            terms = {"amount": body.amount, "currency": body.currency, "rate": body.rate,
                     "credit_multiplier": body.credit_multiplier, "decision": body.decision}
            salt = secrets.token_hex(32)
            row = BankLoan(loan_id=body.loan_id, report_id=body.report_id,
                           terms=json.dumps(terms, sort_keys=True), salt=salt,
                           commitment=commitment(terms, salt), state="submitting",
                           decided_by=caller.user)
            s.add(row)
            digest = rep.digest
        try:
            _rec, done = ledger.submit_json("loan:record", [body.loan_id, body.report_id,
                                                            digest, row.commitment])
        except ApiProblem as problem:
            if problem.status != 503:      # refused: nothing was recorded; unknown: kept
                with st.session() as s:
                    gone = s.get(BankLoan, body.loan_id)
                    if gone is not None:
                        s.delete(gone)
            raise
        with st.session() as s:
            kept = s.get(BankLoan, body.loan_id)
            assert kept is not None
            kept.state, kept.tx_id = "recorded", done.transaction_id
            row = kept
        return _loan_out(row, digest)

    @router.get("/v1/loans", response_model=Page[LoanOut], responses=problem_responses(
        401, 403, 422))
    def loans(_caller: Analyst, st: Annotated[Store, Depends(store)],
              page: Annotated[PageParams, Depends(page_params)]) -> Page[LoanOut]:
        """The bank's loan decisions, by loan id."""
        after = decode_cursor(page.cursor) if page.cursor else ""
        with st.session() as s:
            rows = list(s.execute(select(BankLoan, BankReport.digest)
                                  .join(BankReport, BankLoan.report_id == BankReport.report_id)
                                  .where(BankLoan.loan_id > after)
                                  .order_by(BankLoan.loan_id).limit(page.limit + 1)))
        items = [_loan_out(r, d) for r, d in rows[:page.limit]]
        more = len(rows) > page.limit
        return Page(items=items, next_cursor=encode_cursor(items[-1].loan_id) if more else None)

    return router
