"""Pagination: every list is a page of at most ``limit`` items (1 to the service's
``max_page``) with an opaque ``next_cursor`` (null on the last page).

Cursors are URL-safe base64 of what the source needs to resume: the last row's sequence
number for the store's lists (keyset pagination: stable while rows are added), the
contract's bookmark for the ledger's lists (it may hold U+0000, so it is never put in a
URL as is), or an offset over a list the contract answers whole (history). A cursor that
does not decode is a 422 problem, not a 500.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from gateway.service._problems import ApiProblem

__all__ = ["Page", "PageParams", "decode_cursor", "encode_cursor", "newest_first",
           "page_params"]

T = TypeVar("T")
DEFAULT_LIMIT = 50


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class PageParams(BaseModel):
    limit: int
    cursor: str | None


def page_params(request: Request,
                limit: Annotated[int, Query(ge=1, le=1000, description="items per page "
                                            "(at most the service's max_page)")] = DEFAULT_LIMIT,
                cursor: Annotated[str | None, Query(max_length=2048,
                                                    description="next_cursor of the "
                                                    "previous page")] = None) -> PageParams:
    most = request.app.state.settings.max_page
    if limit > most:
        raise ApiProblem(422, "invalid-request", f"limit: at most {most}, found {limit}")
    return PageParams(limit=limit, cursor=cursor)


def encode_cursor(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_",
                               validate=True)  # strict: the lenient decoder drops junk
        if not raw:
            raise ValueError("empty")
        return raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ApiProblem(422, "invalid-request", "cursor: not a cursor this service "
                         "issued") from None


def decode_int_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    text = decode_cursor(cursor)
    if not text.isdigit() or len(text) > 18:
        raise ApiProblem(422, "invalid-request", "cursor: not a cursor this service issued")
    return int(text)


def newest_first(store: Any, model: Any, page: PageParams) -> tuple[list[Any], str | None]:
    """One page of a store table's rows, newest first by their ``seq`` column (keyset: the
    cursor is the last row's seq), and the next page's cursor (None on the last page)."""
    before = decode_int_cursor(page.cursor) or None
    query = select(model)
    if before is not None:
        query = query.where(model.seq < before)
    with store.session() as s:
        rows = list(s.execute(query.order_by(model.seq.desc()).limit(page.limit + 1))
                    .scalars())
    more = len(rows) > page.limit
    rows = rows[:page.limit]
    return rows, (encode_cursor(str(rows[-1].seq)) if more else None)
