"""``audit history TYPE KEY``: every audit entry about one record, from the follower's log.

Each version is the log entry of one transaction: its log index, transaction id, block and
index in the block, time, the creator (MSP, kind, certificate fingerprint, as the contract
classified the signer) and the whole audit entry. For public records the value each
transaction wrote is joined from ``audit:history`` (the peer's history of the key) by
transaction id; private records never show a value, only the entry's digests and salted
commitments.

The log is scanned once (entries in pages of :data:`PAGE`); an entry whose bytes do not
contain the KEY's first part is skipped before it is parsed: exact, since the leaf is JSON
with ``ensure_ascii=False`` (a part that JSON would escape, a quote or a control character,
is looked for by parsing every entry).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from gateway.cli._app import App
from gateway.cli._audit_types import TYPES, RecordType
from gateway.cli._exit import InputError, LedgerRefused

if TYPE_CHECKING:
    from gateway.audit import AuditStore

__all__ = ["PAGE", "record_history", "versions_about"]

PAGE = 5000


def versions_about(store: AuditStore, rtype: RecordType, parts: list[str],
                   start: int = 0) -> Iterator[dict[str, Any]]:
    """The versions of the record, in log order, from log index ``start`` on (the
    service's history route pages them with it)."""
    plain = json.dumps(parts[0], ensure_ascii=False)[1:-1] == parts[0]  # as the leaf has it
    needle = parts[0].encode("utf-8") if plain else b""
    anchored = store.latest_anchor()
    anchored_size = anchored.size if anchored is not None else 0
    size = store.size()
    for page in range(start, size, PAGE):
        for row in store.entries(page, min(size, page + PAGE)):
            if needle not in row.leaf:
                continue
            entry = row.entry
            if not rtype.is_about(entry, parts):
                continue
            found = entry.get("actor")
            actor: dict[str, Any] = found if isinstance(found, dict) else {}
            yield {"index": row.index, "tx_id": row.tx_id, "block": row.block,
                   "tx_index": row.tx_index, "timestamp": row.timestamp,
                   "creator": {"mspid": actor.get("mspid"), "kind": actor.get("kind"),
                               "fingerprint": actor.get("fingerprint")},
                   "anchored": row.index < anchored_size, "entry": entry}


def _about(store: AuditStore, rtype: RecordType, parts: list[str]) -> list[dict[str, Any]]:
    return list(versions_about(store, rtype, parts))


def _ledger_versions(app: App, opts: dict[str, Any], rtype: RecordType,
                     key: str) -> list[dict[str, Any]] | None:
    """``audit:history`` of a public record (None: the ledger keeps no value for it)."""
    try:
        answer = app.evaluate(opts, "audit:history", [rtype.name, key])
    except LedgerRefused as refused:
        if refused.status in (400, 404):  # private, or no version of that key on the ledger
            app.terminal.debug(f"audit:history {rtype.name} {key}: {refused.message}")
            return None
        raise
    if not isinstance(answer, list):
        raise LedgerRefused(f"audit:history answered {type(answer).__name__}, expected a list")
    return [v for v in answer if isinstance(v, dict)]


def record_history(app: App, opts: dict[str, Any], store: AuditStore, type_name: str,
                   key: str) -> dict[str, Any]:
    rtype = TYPES[type_name]
    parts = rtype.key_parts(key)
    if parts is None:
        raise InputError(f"KEY {key!r} of a {type_name} is {'/'.join(rtype.fields)} (or a "
                         "prefix of it), each part non-empty")
    versions = _about(store, rtype, parts)
    anchor = store.latest_anchor()
    result: dict[str, Any] = {
        "type": type_name, "key": key, "public": rtype.public,
        "log": {"org": opts["as_msp"], "size": store.size(),
                "anchored_size": anchor.size if anchor is not None else 0},
        "versions": versions,
    }
    ledger = _ledger_versions(app, opts, rtype, key) if rtype.public else None
    if ledger is not None:
        by_tx = {str(v.get("tx_id")): v for v in ledger}
        for v in versions:
            found = by_tx.pop(v["tx_id"], None)
            if found is not None:
                v["value"] = found.get("value")
                v["is_delete"] = bool(found.get("is_delete"))
        # versions the ledger holds that this log lacks: the follower is behind (or the
        # transaction carried no audit entry, which the contract never does)
        result["not_in_log"] = sorted(by_tx)
        if by_tx:
            app.terminal.warning(f"{len(by_tx)} version(s) of {type_name} {key} on the "
                                 f"ledger are not in {opts['as_msp']}'s audit log yet: "
                                 f"{', '.join(sorted(by_tx))}")
    if not versions and not (ledger or []):
        raise LedgerRefused(f"no audit entry about {type_name} {key} in {opts['as_msp']}'s "
                            f"audit log (size {store.size()})")
    return result
