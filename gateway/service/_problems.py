"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error a service returns, whatever raised it (a route's :class:`ApiProblem`, FastAPI's
request validation, Starlette's 404/405, the ledger's refusal, an unexpected exception), is
one JSON object: ``type``, ``title``, ``status``, ``detail``, ``instance`` (the request
path) and the extension ``request_id`` (the X-Request-ID of the request, so a user's report
finds the log lines). Validation problems add ``errors`` (where and what). An unexpected
exception is logged with its traceback and answered 500 without its text (which could hold
a private value).
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.service._requestid import current_request_id

__all__ = ["PROBLEM_JSON", "ApiProblem", "Problem", "install_problem_handlers", "problem_responses"]

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:carbontrust:problem:"
log = logging.getLogger("gateway.service")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(default="about:blank", description="a URI naming the kind of problem")
    title: str
    status: int = Field(ge=100, le=599)
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None


class ApiProblem(Exception):
    """Raised by routes: ``kind`` becomes ``urn:carbontrust:problem:<kind>``."""

    def __init__(self, status: int, kind: str, detail: str, *,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail
        self.headers = headers or {}
        self.extra = extra


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(request: Request, status: int, detail: str | None, *,
                     kind: str | None = None, headers: dict[str, str] | None = None,
                     **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind if kind else "about:blank",
        "title": _title(status), "status": status, "detail": detail,
        "instance": request.url.path, "request_id": current_request_id(),
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        out.append({"loc": [str(part) for part in err.get("loc", ())],
                    "msg": str(err.get("msg", "")), "type": str(err.get("type", ""))})
    return out


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _api(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(request, exc.status, exc.detail, kind=exc.kind,
                                headers=exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _jsonable_errors(exc.errors())
        first = errors[0] if errors else {"loc": [], "msg": "invalid"}
        detail = f"{'.'.join(first['loc'])}: {first['msg']}"
        return problem_response(request, 422, detail, kind="invalid-request", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(request, exc.status_code, str(exc.detail),
                                headers=getattr(exc, "headers", None))


def internal_error_body(path: str) -> bytes:
    """The 500 problem for an unexpected exception (its text stays in the log)."""
    return json.dumps({"type": TYPE_BASE + "internal", "title": _title(500), "status": 500,
                       "detail": "an unexpected error; the service log has it under this "
                                 "request id", "instance": path,
                       "request_id": current_request_id()}).encode()


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` documenting problem details for these statuses."""
    return {status: {"model": Problem, "description": _title(status),
                     "content": {PROBLEM_JSON: {"schema": {"$ref":
                                                           "#/components/schemas/Problem"}}}}
            for status in statuses}
