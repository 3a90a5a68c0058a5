"""The regulator's service: the enterprise registry and the audit of the ledger's events.

Registration, status changes and reads go to ``registry:*`` through the regulator's own
peer; the list pages the contract's bookmark (wrapped in the service's cursor). Audit reads
the events this service has projected into its store (``/v1/events``, auditors only).
"""


import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from gateway.cli._exit import InputError
from gateway.cli.meter import add_meter_call
from gateway.service._auth import requires
from gateway.service._common import LEDGER_ERRORS, USCC, port
from gateway.service._ledger import LedgerPort
from gateway.service._pagination import (
    Page,
    PageParams,
    decode_cursor,
    decode_int_cursor,
    encode_cursor,
    page_params,
)
from gateway.service._problems import ApiProblem, problem_responses

__all__ = ["regulator_router"]

REGISTRAR = ("registrar",)
READERS = ("registrar", "auditor")
Area = Literal["industry", "energy", "construction", "transport", "agriculture_forestry",
               "daily_life"]


class EnterpriseIn(BaseModel):
    uscc: str = Field(pattern="^[0-9A-Z]{18}$")
    name: str = Field(min_length=1, max_length=200)
    industry: str = Field(min_length=1, max_length=8)
    region: str = Field(min_length=1, max_length=64)
    areas: list[Area] | None = Field(default=None, min_length=1, max_length=6)


class MeterIn(BaseModel):
    meter_id: str = Field(pattern="^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$",
                          description="meter id, unique on the channel")


class StatusIn(BaseModel):
    status: Literal["active", "suspended", "closed"]
    reason: str = Field(min_length=1, max_length=2000)


def regulator_router() -> APIRouter:
    router = APIRouter(tags=["enterprises"])

    @router.post("/v1/enterprises", status_code=201, response_model=dict[str, Any],
                 responses=problem_responses(*LEDGER_ERRORS))
    def register(body: EnterpriseIn, ledger: Annotated[LedgerPort, Depends(port)],
                 _caller: Annotated[Any, requires(*REGISTRAR)]) -> Any:
        """Register an enterprise (``registry:register_enterprise``); the stored record."""
        record = body.model_dump(exclude_none=True)
        stored, _done = ledger.submit_json("registry:register_enterprise",
                                           [json.dumps(record, ensure_ascii=False)])
        return stored

    @router.get("/v1/enterprises", response_model=Page[dict[str, Any]],
                responses=problem_responses(*LEDGER_ERRORS))
    def list_enterprises(ledger: Annotated[LedgerPort, Depends(port)],
                         page: Annotated[PageParams, Depends(page_params)],
                         _caller: Annotated[Any, requires(*READERS)]) -> Page[dict[str, Any]]:
        """Registered enterprises, a page at a time (the contract's bookmark)."""
        mark = decode_cursor(page.cursor) if page.cursor else ""
        answer = ledger.evaluate_json("registry:list_enterprises",
                                      [str(min(page.limit, 200)), mark])
        items, bookmark = _listing(answer)
        return Page(items=items, next_cursor=encode_cursor(bookmark) if bookmark else None)

    @router.get("/v1/enterprises/{uscc}/history", response_model=Page[dict[str, Any]],
                responses=problem_responses(*LEDGER_ERRORS))
    def history(uscc: USCC, ledger: Annotated[LedgerPort, Depends(port)],
                page: Annotated[PageParams, Depends(page_params)],
                _caller: Annotated[Any, requires(*READERS)]) -> Page[dict[str, Any]]:
        """The record's history, newest first (``registry:history``)."""
        offset = decode_int_cursor(page.cursor)
        entries = ledger.evaluate_json("registry:history", [uscc])
        entries = entries if isinstance(entries, list) else []
        chunk = entries[offset:offset + page.limit]
        more = offset + page.limit < len(entries)
        return Page(items=chunk,
                    next_cursor=encode_cursor(str(offset + page.limit)) if more else None)

    @router.post("/v1/enterprises/{uscc}/meters", status_code=201,
                 response_model=dict[str, Any], responses=problem_responses(*LEDGER_ERRORS))
    def add_meter(uscc: USCC, body: MeterIn, ledger: Annotated[LedgerPort, Depends(port)],
                  _caller: Annotated[Any, requires(*REGISTRAR)]) -> Any:
        """Add a meter to an enterprise (``registry:add_meter``, as ``meter add``); the
        enterprise's record with its meters."""
        try:
            function, args = add_meter_call(uscc, body.meter_id)
        except InputError as exc:
            raise ApiProblem(422, "invalid-request", exc.message.replace("--", "")) from None
        stored, _done = ledger.submit_json(function, args)
        return stored

    @router.put("/v1/enterprises/{uscc}/status", response_model=dict[str, Any],
                responses=problem_responses(*LEDGER_ERRORS))
    def set_status(uscc: USCC, body: StatusIn, ledger: Annotated[LedgerPort, Depends(port)],
                   _caller: Annotated[Any, requires(*REGISTRAR)]) -> Any:
        """Suspend, reactivate or close an enterprise (``registry:set_status``)."""
        stored, _done = ledger.submit_json("registry:set_status",
                                           [uscc, body.status, body.reason])
        return stored

    return router


def _listing(answer: Any) -> tuple[list[dict[str, Any]], str]:
    """(records, bookmark) of a ``registry:list_enterprises`` answer."""
    if not isinstance(answer, dict):
        return [], ""
    records = answer.get("records", [])
    bookmark = answer.get("bookmark") or ""
    return [r for r in records if isinstance(r, dict)], str(bookmark)
