"""The audit export: a time range (optionally one enterprise) of the log, checkable offline.

Built from one organisation's follower store (its entries, its ``notary`` Log, the anchors
and key bindings it read from the ledger) in the format ``carbontrust audit check`` and
:func:`verifier.check_export` read (docs/audit.md, "Export format"):

* the contiguous index range ``first_index..last_index`` (the window) that holds every
  entry whose time is in ``[from, to]``: each index once, ascending, with an inclusion proof
  under the anchored checkpoint, as the full leaf, or, in an export of one enterprise
  (``--uscc``), as its leaf hash when the entry is not about that enterprise (its
  ``keys.uscc``, the rule :func:`verifier.check_export` applies);
* the two neighbours outside it (their times fall outside the range), so a reader sees
  nothing in range was left out at either end;
* the anchored checkpoint, every anchored checkpoint before it with the consistency proof
  from its predecessor, and the key bindings of every key that signed one of them.

Why the range is chosen with ``min``/``max`` and not by scanning: entry times are the
proposals' times, which commit in block order only roughly (two clients' proposals may
commit in the opposite order). The store's :meth:`~gateway.audit.AuditStore.index_range`
gives the first index at or after ``from`` and the last at or before ``to``, so every entry
outside ``first..last`` is outside the range, whatever the order. An entry inside the
window whose time falls outside the range is shown like the others (the checker marks it
as outside the range; hiding it would make a time-range export unverifiable).

The anchor of a checkpoint is itself a transaction with an entry (``audit.anchor``), so the
log always goes on past its latest anchored checkpoint. A range reaching past the checkpoint
ends at the checkpoint when every later entry in it is one the export would not select (the
trail's housekeeping, ``audit.*``; with ``--uscc``, entries about other enterprises); an
entry it would select refuses the export (``NOT_ANCHORED``) until the next anchor covers it.

Nothing here reads a clock or the network: the ledger's view (its anchor head) is passed in
by the caller, and a store that disagrees with it is refused.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import notary
from verifier import (
    HOUSEKEEPING_PREFIX,
    THRESHOLD,
    BindingError,
    check_binding_signature,
    entry_uscc,
    origin,
)

from ._store import AnchorRow, AuditStore, EntryRow, normalise_time

__all__ = [
    "EXPORT_FORMAT",
    "ExportError",
    "ExportPlan",
    "ExportRange",
    "build_export",
    "entry_matches",
    "export_entries",
    "export_frame",
    "plan_export",
    "range_time",
    "signing_bindings",
]

EXPORT_FORMAT = "carbontrust-audit-export/v1"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ExportError(Exception):
    """An export that cannot be made honestly; ``code`` names why (first word of the text).

    ``NOT_ANCHORED``: the range reaches entries no anchored checkpoint covers yet;
    ``STORE_MISMATCH``: the store's log or anchors disagree with the anchored checkpoint or
    the ledger's head; ``STORE_INCOMPLETE``: the store lacks an anchor of the chain.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.detail = message


@dataclass(frozen=True)
class ExportRange:
    """Times as the contract writes them (``normalise_time``), ``time_from <= time_to``."""

    time_from: str
    time_to: str
    uscc: str | None = None


def range_time(text: str, *, end: bool) -> str:
    """A ``--from``/``--to`` value as the contract writes times (UTC, nine fraction digits).

    A bare date is the whole day: ``--from`` its first instant, ``--to`` its last (so
    ``--from 2026-01-01 --to 2026-01-31`` is the month). Raises ``ValueError``.
    """
    value = text.strip()
    if _DATE.fullmatch(value):
        start = normalise_time(value)  # validates the date
        return start[:11] + "23:59:59.999999999Z" if end else start
    return normalise_time(value)


def entry_matches(entry: dict[str, Any], uscc: str | None) -> bool:
    """Is ``entry`` selected by an export of ``uscc`` (every entry is, without one)? The
    checker's own rule (:func:`verifier.entry_uscc`: the entry's ``keys.uscc``)."""
    return uscc is None or entry_uscc(entry) == uscc


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _proved(store: AuditStore, row: EntryRow, size: int) -> dict[str, Any]:
    return {"index": row.index, "leaf": row.leaf.decode("utf-8"),
            "proof": [_b64(h) for h in store.log.inclusion_proof(row.index, size)]}


def _chain(store: AuditStore, head: dict[str, Any] | None) -> list[AnchorRow]:
    """The store's anchors, checked to chain from size 0 and to agree with the ledger."""
    anchors = store.anchors()
    if not anchors:
        raise ExportError("NOT_ANCHORED", f"no anchored checkpoint yet in {store.where} "
                          f"(log size {store.size()}): wait for the followers to anchor one")
    previous = 0
    for a in anchors:
        if a.previous_size != previous:
            raise ExportError("STORE_INCOMPLETE", f"anchor at size {a.size} extends size "
                              f"{a.previous_size}, the store's previous anchor is at size "
                              f"{previous}")
        previous = a.size
    latest = anchors[-1]
    if head is not None:
        size, root = head.get("size"), head.get("root")
        if not isinstance(size, int) or not isinstance(root, str):
            raise ExportError("STORE_MISMATCH", f"the ledger's anchor head {head!r} has no "
                              "size and root")
        if size < latest.size or (size == latest.size and root != _b64(latest.root)):
            raise ExportError("STORE_MISMATCH", f"the store's latest anchor (size "
                              f"{latest.size}, root {_b64(latest.root)}) is not the ledger's "
                              f"(size {size}, root {root})")
    mine = store.log.root(latest.size) if latest.size <= store.size() else None
    if mine != latest.root:
        found = "nothing (the log is shorter)" if mine is None else _b64(mine)
        raise ExportError("STORE_MISMATCH", f"the store's log at size {latest.size} has root "
                          f"{found}, the anchored checkpoint {_b64(latest.root)}")
    return anchors


def signing_bindings(store: AuditStore,
                     notes: Sequence[str]) -> list[tuple[dict[str, Any], notary.Verifier]]:
    """Every binding (all versions, ledger order) whose key signed one of ``notes``, with
    its verifier key; a binding whose own signature fails vouches for nothing and is left
    out (the chaincode checked it when it was registered)."""
    parsed = [notary.Note.parse(n) for n in notes]
    out: list[tuple[dict[str, Any], notary.Verifier]] = []
    for record in store.key_bindings():
        binding = record.get("binding") if isinstance(record, dict) else None
        try:
            verifier = check_binding_signature(binding)
        except BindingError:
            continue
        if any(v == verifier for _, v in out) or not any(n.verified_by([verifier])
                                                         for n in parsed):
            continue
        assert isinstance(binding, dict)
        out.append((binding, verifier))
    return out


def _clip_check(store: AuditStore, rng: ExportRange, n: int, last: int) -> None:
    """Refuse unless no entry in ``n..last`` (after the anchored checkpoint) is one the
    export would select: an entry of the trail's own housekeeping (key registrations,
    signatures, anchors: the anchor of a checkpoint always comes after it), one outside the
    times, or with ``--uscc`` one about another enterprise may be left to the next export."""
    for row in store.entries(n, last + 1):
        entry = row.entry
        name = entry.get("entry")
        if isinstance(name, str) and name.startswith(HOUSEKEEPING_PREFIX):
            continue
        if not (rng.time_from <= row.timestamp <= rng.time_to) or not entry_matches(
                entry, rng.uscc):
            continue
        raise ExportError("NOT_ANCHORED", f"log entry {row.index} (tx {row.tx_id}, "
                          f"{name}) is in the range but after the latest anchored "
                          f"checkpoint (size {n}, log size {store.size()}): try again after "
                          f"the next anchor")


@dataclass(frozen=True)
class ExportPlan:
    """What :func:`plan_export` decided: the window ``first..last`` proved under the
    anchored checkpoint of ``size`` (the last of ``anchors``), and the warnings."""

    first: int
    last: int
    size: int
    anchors: list[AnchorRow]
    warnings: list[str]


def plan_export(store: AuditStore, rng: ExportRange,
                head: dict[str, Any] | None = None) -> ExportPlan:
    """The checks and the window of an export (nothing proved yet). Raises
    :class:`ExportError`."""
    anchors = _chain(store, head)
    n = anchors[-1].size
    warnings: list[str] = []
    if head is not None and head["size"] > n:
        warnings.append(f"the ledger has anchored size {head['size']}; this store has seen "
                        f"anchors up to size {n} only (its follower is behind)")
    first, last = store.index_range(rng.time_from, rng.time_to)
    if last >= n:
        _clip_check(store, rng, n, last)
        warnings.append(f"log entries {n}..{last} came after the anchored checkpoint (size "
                        f"{n}); none of them is one this export selects (audit-trail "
                        f"housekeeping{', or about another enterprise' if rng.uscc else ''})"
                        f", so the export ends at the checkpoint")
        first, last = min(first, n), n - 1
    return ExportPlan(first, last, n, anchors, warnings)


def export_entries(store: AuditStore, plan: ExportPlan, rng: ExportRange,
                   chunk: int = 1000) -> Iterator[dict[str, Any]]:
    """The window's entries with their proofs, read ``chunk`` rows at a time (so a large
    export never holds its rows in memory at once). A missing row raises
    ``STORE_INCOMPLETE``."""
    n, expected = plan.size, plan.first
    for start in range(plan.first, plan.last + 1, chunk):
        for row in store.entries(start, min(plan.last + 1, start + chunk)):
            if row.index != expected:
                break
            expected += 1
            if entry_matches(row.entry, rng.uscc):
                yield _proved(store, row, n)
            else:
                yield {"index": row.index,
                       "leaf_hash": _b64(notary.leaf_hash(row.leaf)),
                       "proof": [_b64(h) for h in store.log.inclusion_proof(row.index, n)]}
        if expected != min(plan.last + 1, start + chunk):
            raise ExportError("STORE_INCOMPLETE", f"the store holds no entry {expected} "
                              f"of indexes {plan.first}..{plan.last}")


def export_frame(store: AuditStore, channel: str, rng: ExportRange,
                 plan: ExportPlan) -> dict[str, Any]:
    """Every part of the export but its ``entries``."""
    n, first, last = plan.size, plan.first, plan.last
    before = _proved(store, store.entry(first - 1), n) if first > 0 else None
    after = _proved(store, store.entry(last + 1), n) if last + 1 < n else None
    notes = [a.note for a in plan.anchors]
    return {
        "format": EXPORT_FORMAT,
        "channel": channel,
        "origin": origin(channel),
        "threshold": THRESHOLD,
        "range": {"from": rng.time_from, "to": rng.time_to, "uscc": rng.uscc},
        "first_index": first,
        "last_index": last,
        "boundary": {"before": before, "after": after},
        "checkpoint": plan.anchors[-1].note,
        "anchors": [{"note": a.note, "proof_from_previous": [_b64(h) for h in a.proof]}
                    for a in plan.anchors],
        "key_bindings": [b for b, _ in signing_bindings(store, notes)],
    }


def build_export(store: AuditStore, channel: str, rng: ExportRange,
                 head: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The export of ``rng`` under the store's latest anchored checkpoint, and warnings.

    ``head``: the ledger's ``audit:head()`` answer (None: not compared). Raises
    :class:`ExportError`. (The service writes the same parts to a file as it goes:
    gateway/service/_audit_export.py.)
    """
    plan = plan_export(store, rng, head)
    entries = list(export_entries(store, plan, rng))
    export = export_frame(store, channel, rng, plan)
    export["entries"] = entries
    return export, plan.warnings
