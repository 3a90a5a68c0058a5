"""``audit export``: run the exporter (``gateway.audit._export``) and write the file.

The times are read here (exit 2 for one that is not ISO 8601, or ``--from`` after
``--to``); the ledger is asked for its anchor head (``audit:head``) so an export never comes
from a store that disagrees with what is anchored on the ledger; the file is written to a
temporary name beside ``--out`` and renamed, so a failed export leaves no partial file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from gateway.cli._app import App
from gateway.cli._audit_store import open_store
from gateway.cli._exit import InputError, LedgerRefused, LedgerUnreachable

__all__ = ["run_export"]


def _times(time_from: str, time_to: str) -> tuple[str, str]:
    from gateway.audit._export import range_time

    try:
        lo = range_time(time_from, end=False)
    except ValueError as exc:
        raise InputError(f"--from: {exc}") from None
    try:
        hi = range_time(time_to, end=True)
    except ValueError as exc:
        raise InputError(f"--to: {exc}") from None
    if lo > hi:
        raise InputError(f"--from {lo} is after --to {hi}")
    return lo, hi


def _write(out: Path, data: bytes) -> None:
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None


def run_export(app: App, opts: dict[str, Any], store: Path | str | None,
               request: tuple[str, str, str | None], out: Path) -> None:
    from gateway.audit._export import ExportError, ExportRange, build_export

    lo, hi = _times(request[0], request[1])
    rng = ExportRange(lo, hi, request[2])
    head = app.evaluate(opts, "audit:head", [])
    if head is not None and not isinstance(head, dict):
        raise LedgerUnreachable(f"audit:head answered {type(head).__name__}, expected the "
                                "anchor record or null")
    channel = app.target(opts).channel
    with open_store(app, opts, store) as opened:
        try:
            export, warnings = build_export(opened, channel, rng, head)
        except ExportError as exc:
            raise LedgerRefused(str(exc)) from None
    for warning in warnings:
        app.terminal.warning(warning)
    text = json.dumps(export, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    _write(out, text.encode("utf-8"))
    selected = sum(1 for e in export["entries"] if "leaf" in e)
    app.terminal.success(
        f"wrote {out}: entries {export['first_index']}..{export['last_index']} "
        f"({selected} in full, {len(export['entries']) - selected} as hashes) under the "
        f"anchored checkpoint of size {_size(export)}")


def _size(export: dict[str, Any]) -> int:
    return int(export["checkpoint"].split("\n")[1])
