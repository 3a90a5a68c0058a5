"""Request ids: X-Request-ID in and out, and in every log line written during the request.

A caller's ``X-Request-ID`` is kept when it is a short token (``[A-Za-z0-9._:-]{1,64}``, so
a header cannot inject text into the log); otherwise the service makes one (UUID4 hex). The
id is in a context variable for the request's duration (FastAPI copies the context into
the thread running a synchronous route), a logging filter puts it on every record as
``request_id``, the response carries it back, and one access line per request is logged
with method, path, status and duration. An exception no handler took is logged here with
its traceback and answered with a 500 problem carrying the id (Starlette's outermost error
middleware would answer it outside the id's context, without the header). Written as pure
ASGI middleware (not Starlette's ``BaseHTTPMiddleware``) so a streamed upload is not
buffered.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from typing import Any

__all__ = ["HEADER", "RequestIdFilter", "RequestIdMiddleware", "current_request_id"]

HEADER = "x-request-id"
_VALID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id",
                                                                      default=None)
access = logging.getLogger("gateway.service.access")
log = logging.getLogger("gateway.service")


def current_request_id() -> str | None:
    return _current.get()


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or "-"
        return True


class RequestIdMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        rid = given if given is not None and _VALID.fullmatch(given) else uuid.uuid4().hex
        token = _current.set(rid)
        start = time.perf_counter()
        status = 0
        started = False

        async def send_with_id(message: dict[str, Any]) -> None:
            nonlocal status
            nonlocal started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                headers = [(k, v) for k, v in message.get("headers", ())
                           if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", rid.encode("ascii")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.error("unexpected error on %s %s", scope.get("method"), scope.get("path"),
                      exc_info=exc)
            if started:
                raise
            from gateway.service._problems import PROBLEM_JSON, internal_error_body

            body = internal_error_body(str(scope.get("path")))
            await send_with_id({"type": "http.response.start", "status": 500, "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode())]})
            await send_with_id({"type": "http.response.body", "body": body})
        finally:
            access.info("%s %s %s %.1f ms", scope.get("method"), scope.get("path"), status,
                        (time.perf_counter() - start) * 1000)
            _current.reset(token)
