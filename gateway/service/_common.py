"""Routes more than one service has: an enterprise's record, an attestation, the events
projected into the store, health. Each is built with the roles of the service using it."""


import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from gateway.cli._exit import InputError
from gateway.cli.results import period
from gateway.service._auth import requires
from gateway.service._ledger import LedgerPort
from gateway.service._pagination import (
    Page,
    PageParams,
    decode_int_cursor,
    encode_cursor,
    page_params,
)
from gateway.service._problems import ApiProblem, problem_responses
from gateway.service.store import LedgerEvent, Store

__all__ = ["USCC", "FromQ", "ProjectedEvent", "ToQ", "VersionQ", "check_period",
           "common_router", "port", "store"]

AUTH_ERRORS = (401, 403, 422)
LEDGER_ERRORS = (401, 403, 404, 409, 422, 502, 503)
USCC = Annotated[str, Path(min_length=18, max_length=18, pattern="^[0-9A-Z]{18}$",
                           description="unified social credit code (GB 32100-2015)")]
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
FromQ = Annotated[str, Query(alias="from", pattern=_DATE, description="first day, YYYY-MM-DD")]
ToQ = Annotated[str, Query(alias="to", pattern=_DATE, description="last day, YYYY-MM-DD")]
VersionQ = Annotated[int | None, Query(ge=1, le=999_999)]


def port(request: Request) -> LedgerPort:
    value: LedgerPort = request.app.state.ledger
    return value


def store(request: Request) -> Store:
    value: Store = request.app.state.store
    return value


def check_period(uscc: str, from_date: str, to_date: str) -> None:
    try:
        period(uscc, from_date, to_date)
    except InputError as exc:
        raise ApiProblem(422, "invalid-request", exc.message.replace("--", "")) from None


class ProjectedEvent(BaseModel):
    seq: int
    block_number: int
    transaction_id: str
    event_name: str
    payload: Any
    received_at: dt.datetime


class Health(BaseModel):
    status: str
    role: str
    msp_id: str
    projection: dict[str, Any] | None


def _payload(raw: bytes) -> Any:
    import json

    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {"bytes_hex": raw.hex()}


def common_router(event_roles: tuple[str, ...], enterprise_roles: tuple[str, ...],
                  attestation_roles: tuple[str, ...] = ()) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", response_model=Health, tags=["health"])
    def healthz(request: Request) -> Health:
        """Liveness and the projection's position (public: no data of the ledger)."""
        projector = getattr(request.app.state, "projector", None)
        info = None
        if projector is not None:
            pos = projector.position()
            info = {"block_number": pos.block_number, "events": pos.events,
                    "last_error": projector.last_error}
        settings = request.app.state.settings
        return Health(status="ok", role=settings.role, msp_id=settings.msp_id,
                      projection=info)

    @router.get("/v1/events", response_model=Page[ProjectedEvent], tags=["ledger events"],
                responses=problem_responses(*AUTH_ERRORS))
    def events(st: Annotated[Store, Depends(store)],
               page: Annotated[PageParams, Depends(page_params)],
               _caller: Annotated[Any, requires(*event_roles)],
               event_name: Annotated[str | None, Query(
                   max_length=200, pattern=r"^[^\x00]*$",
                   description="no NUL: PostgreSQL text cannot hold one")] = None
               ) -> Page[ProjectedEvent]:
        """The ledger's events as this service has projected them, oldest first."""
        after = decode_int_cursor(page.cursor)
        query = select(LedgerEvent).where(LedgerEvent.seq > after)
        if event_name is not None:
            query = query.where(LedgerEvent.event_name == event_name)
        with st.session() as s:
            rows = s.execute(query.order_by(LedgerEvent.seq).limit(page.limit + 1)).scalars()
            items = [ProjectedEvent(seq=r.seq, block_number=r.block_number,
                                    transaction_id=r.transaction_id, event_name=r.event_name,
                                    payload=_payload(r.payload), received_at=r.received_at)
                     for r in rows]
        more = len(items) > page.limit
        items = items[:page.limit]
        return Page(items=items, next_cursor=encode_cursor(str(items[-1].seq)) if more else None)

    @router.get("/v1/enterprises/{uscc}", response_model=dict[str, Any], tags=["enterprises"],
                responses=problem_responses(*LEDGER_ERRORS))
    def enterprise(uscc: USCC, ledger: Annotated[LedgerPort, Depends(port)],
                   _caller: Annotated[Any, requires(*enterprise_roles)]) -> Any:
        """An enterprise's registry record (``registry:get_enterprise``)."""
        return ledger.evaluate_json("registry:get_enterprise", [uscc])

    if attestation_roles:
        @router.get("/v1/attestations/{uscc}", response_model=dict[str, Any],
                    tags=["attestations"], responses=problem_responses(*LEDGER_ERRORS))
        def attestation(uscc: USCC, from_date: FromQ, to_date: ToQ,
                        ledger: Annotated[LedgerPort, Depends(port)],
                        _caller: Annotated[Any, requires(*attestation_roles)],
                        version: VersionQ = None) -> Any:
            """The attestation of a period's result (``attestation:get``)."""
            check_period(uscc, from_date, to_date)
            return ledger.evaluate_json("attestation:get", [uscc, from_date, to_date,
                                                            "" if version is None
                                                            else str(version)])

    return router
