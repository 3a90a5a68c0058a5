"""Consents on the ledger (``consent:*``, docs/consent.md), as the bank and the regulator see
them: an enterprise's consents (paged by the contract's bookmark) and the bank's access.

``POST /v1/consents/access`` records the bank's access to a named report under the
enterprise's live consent (``consent:access``, submitted with the bank's identity): the
contract refuses it (403, ``refused by rule consent.valid`` saying why: none, revoked,
expired) when there is no valid consent. It answers the consent and the access recorded;
fetching the report and its bundle comes with the report work, not here. Grants and
revocations are the enterprise's own transactions, signed on its side.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from gateway.service._auth import requires
from gateway.service._common import LEDGER_ERRORS, USCC, port
from gateway.service._ledger import LedgerPort
from gateway.service._pagination import Page, PageParams, decode_cursor, encode_cursor, page_params
from gateway.service._problems import problem_responses

__all__ = ["consents_router"]

REPORT_ID = r"^CCR-[0-9A-Z]{18}-[0-9]{8}-[0-9]{8}-v[1-9][0-9]{0,5}$"


class AccessIn(BaseModel):
    uscc: str = Field(pattern="^[0-9A-Z]{18}$")
    report_id: str = Field(pattern=REPORT_ID, description="CCR-<USCC>-<YYYYMMDD>-<YYYYMMDD>"
                                                          "-v<version>")


def consents_router(list_roles: tuple[str, ...], access_roles: tuple[str, ...] = ()) -> \
        APIRouter:
    router = APIRouter(tags=["consents"])

    @router.get("/v1/enterprises/{uscc}/consents", response_model=Page[dict[str, Any]],
                responses=problem_responses(*LEDGER_ERRORS))
    def consents(uscc: USCC, ledger: Annotated[LedgerPort, Depends(port)],
                 page: Annotated[PageParams, Depends(page_params)],
                 _caller: Annotated[Any, requires(*list_roles)]) -> Page[dict[str, Any]]:
        """An enterprise's consents this organisation may see (``consent:list``)."""
        mark = decode_cursor(page.cursor) if page.cursor else ""
        answer = ledger.evaluate_json("consent:list", [uscc, str(min(page.limit, 200)), mark])
        rows = answer.get("consents", []) if isinstance(answer, dict) else []
        bookmark = str(answer.get("bookmark") or "") if isinstance(answer, dict) else ""
        return Page(items=[r for r in rows if isinstance(r, dict)],
                    next_cursor=encode_cursor(bookmark) if bookmark else None)

    if access_roles:
        @router.post("/v1/consents/access", response_model=dict[str, Any],
                     responses=problem_responses(*LEDGER_ERRORS))
        def access(body: AccessIn, ledger: Annotated[LedgerPort, Depends(port)],
                   _caller: Annotated[Any, requires(*access_roles)]) -> Any:
            """Record the bank's access to a report under a live consent (``consent:access``);
            403 from the contract when there is none (revoked, expired, never granted)."""
            record, _done = ledger.submit_json("consent:access", [body.uscc, body.report_id])
            return record

    return router
