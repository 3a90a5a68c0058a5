"""The regulator's audit export and check (docs/services.md, "Audit routes").

``GET /v1/audit/export?from&to[&uscc]`` answers the file ``carbontrust audit export`` writes
(the same exporter, :mod:`gateway.audit._export`, from the regulator's own log, with the
ledger's anchor head asked on its own peer first), so ``carbontrust audit check`` accepts
the download. ``POST /v1/audit/checks`` takes such a file and answers ``carbontrust audit
check``'s verdict (:func:`verifier.check_export` against the service's MSP roots), then
compares the export's checkpoint with the regulator's own log at that size.

Big exports are **streamed from a temporary file**, not made a job: the exporter proves the
window a chunk of rows at a time and writes each entry to an anonymous temporary file in
the service's data directory (unlinked at creation, so a killed service leaves nothing), and
the response streams that file. Memory stays bounded by the chunk; nothing is sent before
the export is whole, so a refusal (``NOT_ANCHORED`` while the range reaches past the latest
anchor, a store that disagrees with the ledger) or a failure is a problem, never a
truncated file that would read as a tampered one. A job would add a table, polling and
retention of files holding audit data for what takes seconds for a month
(bench/bench_audit_routes.py prints the figures); the regulator needs it now.

The check reads at most ``max_check_bytes`` of the upload (413 past it): the verifier
parses the whole file in memory.
"""

import json
import tempfile
from collections.abc import Iterator
from typing import IO, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from gateway.service._audit import channel_of
from gateway.service._audit_log import RETRY, own_log
from gateway.service._auth import requires
from gateway.service._common import port
from gateway.service._ledger import LedgerPort
from gateway.service._problems import ApiProblem, problem_responses

__all__ = ["audit_export_router", "write_export"]

CHUNK = 1 << 16
_ISO = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|[+-][0-9]{2}:?[0-9]{2})?)?$"
_TIME = "ISO 8601 (a date is the whole day; no offset: UTC)"
FromQ = Annotated[str, Query(alias="from", max_length=40, pattern=_ISO,
                             description=f"first instant, {_TIME}")]
ToQ = Annotated[str, Query(alias="to", max_length=40, pattern=_ISO,
                           description=f"last instant, inclusive, {_TIME}")]


class OwnLog(BaseModel):
    status: str = Field(description="agrees, disagrees, or behind (the regulator's log is "
                                    "not yet as long as the export's checkpoint)")
    size: int = Field(description="the regulator's log size")
    checkpoint_size: int
    root: str | None = Field(description="base64 root of the regulator's log at the "
                                         "checkpoint's size (null when behind)")


class Verdict(BaseModel):
    valid: bool
    code: str | None = Field(default=None, description="why not: the first word of "
                             "`carbontrust audit check`'s refusal (verifier.CODES), or "
                             "OWN_LOG when the regulator's own log disagrees")
    detail: str | None = None
    check: dict[str, Any] | None = Field(default=None, description="`carbontrust audit "
                                         "check`'s JSON summary of a valid export")
    own_log: OwnLog | None = None


def _times(time_from: str, time_to: str) -> tuple[str, str]:
    from gateway.audit._export import range_time

    try:
        lo = range_time(time_from, end=False)
        hi = range_time(time_to, end=True)
    except ValueError as exc:
        raise ApiProblem(422, "invalid-request", f"from/to: {exc}") from None
    if lo > hi:
        raise ApiProblem(422, "invalid-request", f"from {lo} is after to {hi}")
    return lo, hi


def write_export(store: Any, channel: str, rng: Any, head: dict[str, Any] | None,
                 out: IO[bytes]) -> tuple[dict[str, Any], list[str]]:
    """Write the export to ``out`` as it is proved (the JSON ``build_export`` makes, keys
    sorted); (its frame, the warnings). Raises ``ExportError`` before writing anything."""
    from gateway.audit._export import export_entries, export_frame, plan_export

    plan = plan_export(store, rng, head)
    frame = export_frame(store, channel, rng, plan)
    out.write(b"{")
    for n, name in enumerate(sorted([*frame, "entries"])):
        out.write((", " if n else "").encode() + json.dumps(name).encode() + b": ")
        if name != "entries":
            out.write(json.dumps(frame[name], sort_keys=True, ensure_ascii=False)
                      .encode("utf-8"))
            continue
        out.write(b"[")
        for i, entry in enumerate(export_entries(store, plan, rng)):
            out.write((",\n" if i else "\n").encode() +
                      json.dumps(entry, sort_keys=True, ensure_ascii=False).encode("utf-8"))
        out.write(b"]")
    out.write(b"}\n")
    return frame, plan.warnings


def _stream(fh: IO[bytes]) -> Iterator[bytes]:
    try:
        fh.seek(0)
        while chunk := fh.read(CHUNK):
            yield chunk
    finally:
        fh.close()


def _compare(request: Request, size: int, root: bytes) -> OwnLog:
    import base64

    with own_log(request) as store:
        have = store.size()
        if have < size:
            return OwnLog(status="behind", size=have, checkpoint_size=size, root=None)
        ours = store.log.root(size)
    return OwnLog(status="agrees" if ours == root else "disagrees", size=have,
                  checkpoint_size=size, root=base64.b64encode(ours).decode("ascii"))


def _check(request: Request, data: bytes) -> Verdict:
    from verifier import AuditCheckError, RootsError, check_export, load_msp_roots

    settings = request.app.state.settings
    try:
        roots = load_msp_roots(settings.msp_roots_path())
    except RootsError as exc:
        raise ApiProblem(503, "not-configured", f"the regulator's MSP roots: {exc}") from None
    try:
        summary = check_export(data, roots)
    except AuditCheckError as exc:
        return Verdict(valid=False, code=exc.code, detail=exc.detail)
    own = _compare(request, summary.size, summary.root)
    if own.status == "disagrees":
        return Verdict(valid=False, code="OWN_LOG", check=summary.to_json(), own_log=own,
                       detail=f"the export's checkpoint of size {summary.size} has root "
                              f"{summary.to_json()['checkpoint']['root']}; the regulator's "
                              f"own log has {own.root} at that size")
    return Verdict(valid=True, check=summary.to_json(), own_log=own)


def audit_export_router(auditors: tuple[str, ...]) -> APIRouter:
    router = APIRouter(tags=["audit"])
    Auditor = Annotated[Any, requires(*auditors)]  # noqa: N806 (a type alias)

    @router.get("/v1/audit/export", response_class=StreamingResponse, responses={
        200: {"description": "the export file (`carbontrust audit check` reads it)",
              "content": {"application/json": {"schema": {"type": "object"}}}},
        **problem_responses(401, 403, 409, 422, 502, 503)})
    def export(request: Request, _caller: Auditor,
               ledger: Annotated[LedgerPort, Depends(port)],
               time_from: FromQ, time_to: ToQ,
               uscc: Annotated[str | None, Query(pattern="^[0-9A-Z]{18}$",
                                                 description="only this enterprise's "
                                                 "entries in full")] = None
               ) -> StreamingResponse:
        """The audit entries of a time range (or one enterprise's), with their proofs, the
        anchored checkpoints and the key bindings: ``carbontrust audit export``'s file.
        409 ``export-refused`` with the exporter's ``code`` (``NOT_ANCHORED``: try again
        after the next anchor)."""
        from gateway.audit._export import ExportError, ExportRange
        from gateway.cli._exit import InputError
        from gateway.cli._uscc import check_uscc_shape

        lo, hi = _times(time_from, time_to)
        if uscc is not None:
            try:
                check_uscc_shape(uscc, "uscc")
            except InputError as exc:
                raise ApiProblem(422, "invalid-request", exc.message) from None
        head = ledger.evaluate_json("audit:head", [])
        if head is not None and not isinstance(head, dict):
            raise ApiProblem(502, "ledger-answer", f"audit:head answered "
                             f"{type(head).__name__}, expected the anchor record or null")
        channel = channel_of(ledger)
        settings = request.app.state.settings
        spool = settings.data_path() / "exports"
        spool.mkdir(parents=True, exist_ok=True)
        fh = tempfile.TemporaryFile(dir=spool)  # noqa: SIM115 - closed by _stream
        try:
            with own_log(request) as store:
                frame, warnings = write_export(store, channel, ExportRange(lo, hi, uscc),
                                               head, fh)
        except ExportError as exc:
            fh.close()
            raise ApiProblem(409, "export-refused", str(exc), code=exc.code,
                             headers=RETRY if exc.code == "NOT_ANCHORED" else None) from None
        except BaseException:
            fh.close()
            raise
        size = fh.tell()
        name = f"audit-{uscc or 'all'}-{lo[:10]}-{hi[:10]}.json"
        headers = {"Content-Disposition": f'attachment; filename="{name}"',
                   "Content-Length": str(size),
                   "X-Audit-Window": f"{frame['first_index']}..{frame['last_index']}"}
        if warnings:
            headers["X-Audit-Warnings"] = " | ".join(warnings).encode(
                "ascii", "replace").decode("ascii")
        return StreamingResponse(_stream(fh), media_type="application/json",
                                 headers=headers)

    @router.post("/v1/audit/checks", response_model=Verdict, openapi_extra={
        "requestBody": {"required": True, "description": "an audit export file",
                        "content": {"application/json": {"schema": {"type": "object"}}}}},
        responses=problem_responses(401, 403, 413, 415, 503))
    async def check(request: Request, _caller: Auditor) -> Verdict:
        """Check an audit export as ``carbontrust audit check`` does, against the
        regulator's MSP roots, and its checkpoint against the regulator's own log: the
        verdict (valid, or the reason code and detail)."""
        kind = request.headers.get("content-type", "application/json").split(";")[0]
        if kind.strip().lower() != "application/json":
            raise ApiProblem(415, "unsupported-media-type", f"the export is JSON "
                             f"(application/json), not {kind}")
        most = request.app.state.settings.max_check_bytes
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > most:
                raise ApiProblem(413, "too-large", f"an export of more than {most} bytes "
                                 "(max_check_bytes): check it with `carbontrust audit "
                                 "check`")
        return await run_in_threadpool(_check, request, bytes(body))

    return router
