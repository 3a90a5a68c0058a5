"""Governance of the factor and rule set versions over HTTP (``governance:*``).

The contract lets only organisation admins write governance: the RegulatorMSP admin
proposes and activates, an admin of each organisation a version's policy names approves
(never the regulator, the proposer). So these writes are signed as the service's
``admin_user`` (``Admin`` by default), each organisation on its own service; which of the
service's users may ask for them is the table in docs/services.md. The digest a proposal
or an approval cites defaults to the one the accounting package ships
(:func:`gateway.cli.governance.shipped_digest`, the same function as ``governance
digest``). ``GET /v1/governance`` lists the versions in force, a page at a time.
"""


import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from gateway.cli._exit import InputError
from gateway.cli.governance import shipped_digest
from gateway.service._auth import requires
from gateway.service._common import LEDGER_ERRORS, port
from gateway.service._ledger import LedgerPort
from gateway.service._pagination import (
    Page,
    PageParams,
    decode_int_cursor,
    encode_cursor,
    page_params,
)
from gateway.service._problems import ApiProblem, problem_responses

__all__ = ["governance_router"]

Kind = Literal["factor_set", "rule_set"]
KINDS: tuple[Kind, ...] = ("factor_set", "rule_set")
Approver = Literal["PowerMSP", "CertifierMSP", "BankMSP"]
VersionP = Annotated[str, Path(pattern="^[a-z0-9][a-z0-9._-]{0,63}$",
                               description="the version, as the contract spells it")]
DIGEST = "^sha256:[0-9a-f]{64}$"


class Policy(BaseModel):
    orgs: list[Approver] = Field(min_length=1, max_length=3)
    required: int = Field(ge=1, le=3)


class ProposalIn(BaseModel):
    policy: Policy
    digest: str | None = Field(default=None, pattern=DIGEST, description="default: the "
                               "digest of the version the accounting package ships")


class ApprovalIn(BaseModel):
    digest: str | None = Field(default=None, pattern=DIGEST, description="default: the "
                               "digest of the version the accounting package ships")


def _digest(kind: str, version: str, given: str | None) -> str:
    if given is not None:
        return given
    try:
        return shipped_digest(kind, version)
    except InputError as exc:
        raise ApiProblem(422, "invalid-request", f"{exc.message}; give its digest") from None


def governance_router(admin_user: str, readers: tuple[str, ...],
                      approvers: tuple[str, ...] = (),
                      proposers: tuple[str, ...] = ()) -> APIRouter:
    """The routes of one service: reading always; approval if ``approvers``; proposal and
    activation if ``proposers`` (the regulator's service)."""
    router = APIRouter(tags=["governance"])

    @router.get("/v1/governance", response_model=Page[dict[str, Any]],
                responses=problem_responses(*LEDGER_ERRORS))
    def in_force(ledger: Annotated[LedgerPort, Depends(port)],
                 page: Annotated[PageParams, Depends(page_params)],
                 _caller: Annotated[Any, requires(*readers)],
                 kind: Annotated[Kind | None, Query()] = None) -> Page[dict[str, Any]]:
        """The versions in force (``governance:in_force`` of each kind; a kind with none in
        force is left out)."""
        found = []
        for k in ((kind,) if kind else KINDS):
            try:
                found.append(ledger.evaluate_json("governance:in_force", [k]))
            except ApiProblem as problem:
                if problem.status != 404:
                    raise
        offset = decode_int_cursor(page.cursor)
        more = offset + page.limit < len(found)
        return Page(items=found[offset:offset + page.limit],
                    next_cursor=encode_cursor(str(offset + page.limit)) if more else None)

    if approvers:
        @router.post("/v1/governance/{kind}/{version}/approval", response_model=dict[str, Any],
                     responses=problem_responses(*LEDGER_ERRORS))
        def approve(kind: Kind, version: VersionP, body: ApprovalIn,
                    ledger: Annotated[LedgerPort, Depends(port)],
                    _caller: Annotated[Any, requires(*approvers)]) -> Any:
            """This organisation's approval of a proposed version, signed by its admin."""
            result, _done = ledger.submit_json(
                "governance:approve", [kind, version, _digest(kind, version, body.digest)],
                user=admin_user)
            return result

    if proposers:
        @router.post("/v1/governance/{kind}/{version}/proposal", status_code=201,
                     response_model=dict[str, Any], responses=problem_responses(*LEDGER_ERRORS))
        def propose(kind: Kind, version: VersionP, body: ProposalIn,
                    ledger: Annotated[LedgerPort, Depends(port)],
                    _caller: Annotated[Any, requires(*proposers)]) -> Any:
            """Propose a version with its approval policy (the regulator's admin)."""
            policy = json.dumps(body.policy.model_dump())
            result, _done = ledger.submit_json(
                "governance:propose",
                [kind, version, _digest(kind, version, body.digest), policy], user=admin_user)
            return result

        @router.post("/v1/governance/{kind}/{version}/activation",
                     response_model=dict[str, Any], responses=problem_responses(*LEDGER_ERRORS))
        def activate(kind: Kind, version: VersionP, ledger: Annotated[LedgerPort, Depends(port)],
                     _caller: Annotated[Any, requires(*proposers)]) -> Any:
            """Put an approved version in force (the regulator's admin)."""
            result, _done = ledger.submit_json("governance:activate", [kind, version],
                                               user=admin_user)
            return result

    return router
