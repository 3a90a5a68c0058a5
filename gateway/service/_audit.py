"""Every service's audit routes: its own organisation's notary log (docs/services.md,
"Audit routes"), as ``carbontrust audit`` reads it with ``--as`` that organisation.

* ``GET /v1/audit/checkpoint``: the latest anchored checkpoint (the note as anchored, with
  the notary keys that cosigned it) beside the local log's size and root, and whether the
  local log has the anchored root at the anchored size;
* ``GET /v1/audit/entries``: the log's entries, a page at a time (keyset on the log index);
* ``GET /v1/audit/proofs/{tx_id}``: the inclusion proof of a transaction's entry under the
  latest anchored checkpoint, the JSON ``carbontrust audit prove`` prints (the same code);
* ``GET /v1/audit/history/{record_type}?key=``: a record's versions, as ``carbontrust audit
  history`` finds them (the same code), paged; public records' values joined from
  ``audit:history`` on the service's own peer.

Who may read: the roles that read the ledger on that service, and on the regulator's the
auditor only (its registrar writes; who audits does not). What they see: the entries are
the contract's ``carbon.audit`` events, which every peer of the channel holds in its blocks
(the bank's included), and which never carry a private value (digests and salted
commitments only: chaincode/carbon/_audit.py). So a route shows an organisation nothing its
own peer does not already hold; the values joined into a history are public state read with
the service's own identity (the contract's ``audit.history`` rule decides), and private
records (batches, operating data, results, ratings) are never joined. No Merkle code here:
the store's ``notary.Log`` computes roots and proofs.
"""

import base64
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from gateway.cli._audit_types import TYPES
from gateway.service._audit_log import RETRY, own_log
from gateway.service._auth import requires
from gateway.service._common import port
from gateway.service._ledger import LedgerPort
from gateway.service._pagination import (
    Page,
    PageParams,
    decode_int_cursor,
    encode_cursor,
    page_params,
)
from gateway.service._problems import ApiProblem, problem_responses

__all__ = ["audit_router", "channel_of"]

ERRORS = (401, 403, 422, 503)
TX_ID = Annotated[str, Path(pattern=r"^[A-Za-z0-9._:-]{1,128}$",
                            description="the transaction id (Fabric: 64 hex digits)")]
#: the record types of gateway/cli/_audit_types.TYPES (a test keeps the two equal)
RecordTypeName = Literal["attestation", "batch", "consent", "enterprise", "factor-set", "meter",
                         "operating-data", "rating", "report", "result", "rule-set"]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class Anchored(BaseModel):
    size: int
    root: str = Field(description="base64 (RFC 9162 root hash)")
    note: str = Field(description="the checkpoint's signed note as anchored on the ledger")
    previous_size: int
    anchor_tx: str
    cosigners: list[str] = Field(description="notary keys that cosigned it and whose "
                                             "bindings this log holds")


class LogState(BaseModel):
    org: str
    size: int
    root: str = Field(description="base64 root of the local log at its size")
    anchored: Anchored | None = Field(description="null before the first anchor")
    agrees: bool | None = Field(description="the local log has the anchored root at the "
                                            "anchored size (null: no anchor, or the local "
                                            "log is not that long yet)")
    next_block: int = Field(description="the next block the organisation's follower reads")


class LogEntry(BaseModel):
    index: int
    tx_id: str
    block: int
    tx_index: int
    timestamp: str
    anchored: bool = Field(description="covered by the latest anchored checkpoint")
    leaf_hash: str = Field(description="base64 RFC 9162 leaf hash")
    entry: dict[str, Any] = Field(description="the contract's audit entry")


class HistoryPage(Page[dict[str, Any]]):
    """``carbontrust audit history``'s answer, its ``versions`` paged as ``items``."""

    type: str
    key: str
    public: bool
    log: dict[str, Any]
    not_in_log: list[str] | None = Field(default=None, description="public records: "
                                         "versions on the ledger this log lacks (its "
                                         "follower is behind)")


def _state(store: Any, org: str) -> LogState:
    from gateway.audit._export import signing_bindings

    size = store.size()
    anchor = store.latest_anchor()
    anchored, agrees = None, None
    if anchor is not None:
        names = sorted({v.name for _, v in signing_bindings(store, [anchor.note])})
        anchored = Anchored(size=anchor.size, root=b64(anchor.root), note=anchor.note,
                            previous_size=anchor.previous_size, anchor_tx=anchor.tx_id,
                            cosigners=names)
        if anchor.size <= size:
            agrees = store.log.root(anchor.size) == anchor.root
    return LogState(org=org, size=size, root=b64(store.log.root(size)), anchored=anchored,
                    agrees=agrees, next_block=store.position()[0])


def _ledger_versions(ledger: LedgerPort, type_name: str, key: str) -> list[dict[str, Any]] | None:
    """``audit:history`` of a public record (None: the ledger keeps no value for it), as the
    command line reads it."""
    try:
        answer = ledger.evaluate_json("audit:history", [type_name, key])
    except ApiProblem as problem:
        if problem.extra.get("ledger_status") in (400, 404):
            return None
        raise
    if not isinstance(answer, list):
        raise ApiProblem(502, "ledger-answer", f"audit:history answered "
                         f"{type(answer).__name__}, expected a list")
    return [v for v in answer if isinstance(v, dict)]


def channel_of(ledger: LedgerPort) -> str:
    """The service's channel (its connection profile): 503 when the profile cannot be read,
    as for any ledger call."""
    from gateway.cli._exit import CliFailure
    from gateway.service._ledger import as_problem

    try:
        return ledger.target().channel
    except (CliFailure, OSError, ValueError) as exc:
        problem = as_problem(exc)
        raise (problem or ApiProblem(503, "ledger-unavailable", f"the connection profile: "
                                     f"{type(exc).__name__}", headers=RETRY)) from None


def audit_router(readers: tuple[str, ...]) -> APIRouter:
    router = APIRouter(tags=["audit"])
    Reader = Annotated[Any, requires(*readers)]  # noqa: N806 (a type alias)

    @router.get("/v1/audit/checkpoint", response_model=LogState,
                responses=problem_responses(*ERRORS))
    def checkpoint(request: Request, _caller: Reader) -> LogState:
        """The latest anchored checkpoint and the local log's size and root."""
        settings = request.app.state.settings
        with own_log(request) as store:
            return _state(store, settings.msp_id)

    @router.get("/v1/audit/entries", response_model=Page[LogEntry],
                responses=problem_responses(*ERRORS))
    def entries(request: Request, _caller: Reader,
                page: Annotated[PageParams, Depends(page_params)],
                start: Annotated[int, Query(ge=0, le=10**15, description="the first log "
                                            "index (when no cursor is given)")] = 0
                ) -> Page[LogEntry]:
        """The log's entries in log order, from ``start`` (or the cursor) on."""
        import notary

        first = decode_int_cursor(page.cursor) if page.cursor else start
        with own_log(request) as store:
            anchor = store.latest_anchor()
            anchored = anchor.size if anchor is not None else 0
            size = store.size()
            rows = list(store.entries(first, min(size, first + page.limit)))
        items = [LogEntry(index=r.index, tx_id=r.tx_id, block=r.block, tx_index=r.tx_index,
                          timestamp=r.timestamp, anchored=r.index < anchored,
                          leaf_hash=b64(notary.leaf_hash(r.leaf)), entry=r.entry)
                 for r in rows]
        more = bool(items) and items[-1].index + 1 < size
        return Page(items=items,
                    next_cursor=encode_cursor(str(items[-1].index + 1)) if more else None)

    @router.get("/v1/audit/proofs/{tx_id}", response_model=dict[str, Any],
                responses=problem_responses(*ERRORS, 404, 409))
    def proof(tx_id: TX_ID, request: Request, _caller: Reader,
              ledger: Annotated[LedgerPort, Depends(port)]) -> Any:
        """The inclusion proof of the transaction's audit entry under the latest anchored
        checkpoint (``carbontrust audit prove``'s JSON): 404 when the log has no entry of
        it, 409 ``not-anchored`` (try again) when no anchored checkpoint covers it yet."""
        from gateway.cli._audit_prove import prove_entry
        from gateway.cli._exit import LedgerRefused

        settings = request.app.state.settings
        channel = channel_of(ledger)
        with own_log(request) as store:
            row = store.entry_by_tx(tx_id)
            if row is None:
                raise ApiProblem(404, "not-in-log", f"transaction {tx_id} has no entry in "
                                 f"{settings.msp_id}'s audit log (size {store.size()}): it "
                                 "carries no audit entry, did not commit valid, or the "
                                 "follower has not reached its block yet")
            anchor = store.latest_anchor()
            anchored = anchor.size if anchor is not None else 0
            if row.index >= anchored:
                raise ApiProblem(409, "not-anchored", f"the entry of {tx_id} (log index "
                                 f"{row.index}) is not under an anchored checkpoint yet "
                                 f"(anchored size {anchored}): it is provable after the "
                                 "next anchor", headers=RETRY, index=row.index,
                                 anchored_size=anchored)
            try:
                return prove_entry(store, channel, settings.msp_id, tx_id)
            except LedgerRefused as refused:   # the proof does not verify: evidence
                raise ApiProblem(409, "proof-not-verified", refused.message,
                                 index=row.index, anchored_size=anchored) from None

    @router.get("/v1/audit/history/{record_type}", response_model=HistoryPage,
                responses=problem_responses(*ERRORS, 404, 409, 502))
    def history(record_type: RecordTypeName, request: Request, _caller: Reader,
                ledger: Annotated[LedgerPort, Depends(port)],
                page: Annotated[PageParams, Depends(page_params)],
                key: Annotated[str, Query(min_length=1, max_length=300,
                                          pattern=r"^[^\x00-\x1f]+$",
                                          description="the record's KEY as `carbontrust "
                                          "audit history` takes it (USCC, meter id, "
                                          "USCC/PERIOD_START/PERIOD_END[/VERSION], ...)")]
                ) -> HistoryPage:
        """Every audit entry about one record, oldest first, paged (``carbontrust audit
        history``'s versions); public records carry each version's value."""
        from gateway.cli._audit_history import versions_about

        settings = request.app.state.settings
        rtype = TYPES[record_type]
        parts = rtype.key_parts(key)
        if parts is None:
            raise ApiProblem(422, "invalid-request", f"key: a {record_type} is "
                             f"{'/'.join(rtype.fields)} (or a prefix of it), each part "
                             "non-empty")
        first = decode_int_cursor(page.cursor) if page.cursor else 0
        with own_log(request) as store:
            found = []
            for version in versions_about(store, rtype, parts, first):
                found.append(version)
                if len(found) > page.limit:
                    break
            anchor = store.latest_anchor()
            log = {"org": settings.msp_id, "size": store.size(),
                   "anchored_size": anchor.size if anchor is not None else 0}
            values = _ledger_versions(ledger, record_type, key) if rtype.public else None
            lacking = None if values is None else sorted(
                str(v.get("tx_id")) for v in values
                if store.entry_by_tx(str(v.get("tx_id"))) is None)
        more = len(found) > page.limit
        items = found[:page.limit]
        if values is not None:
            by_tx = {str(v.get("tx_id")): v for v in values}
            for v in items:
                value = by_tx.get(v["tx_id"])
                if value is not None:
                    v["value"] = value.get("value")
                    v["is_delete"] = bool(value.get("is_delete"))
        if first == 0 and not items and not values:
            raise ApiProblem(404, "not-in-log", f"no audit entry about {record_type} {key} "
                             f"in {settings.msp_id}'s audit log (size {log['size']})")
        return HistoryPage(type=record_type, key=key, public=rtype.public, log=log,
                           items=items, not_in_log=lacking,
                           next_cursor=encode_cursor(str(found[-1]["index"])) if more
                           else None)

    return router
