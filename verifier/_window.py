"""The exported window of the log: every index first..last, each proven under the
checkpoint, framed by its two neighbours, which lie outside the time range.

What it shows: the entries listed are the log's, in its order, with nothing between the
two boundary entries left out (hidden ones count by their leaf hash). Ordering and gaps
are judged before any proof, so a dropped or moved entry is named as such rather than as
a proof failure. Inclusion proofs are :func:`notary.verify_inclusion`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import notary

from ._entry import Leaf, parse_leaf
from ._errors import AuditCheckError, AuditFormatError
from ._export_format import Export, ExportEntry, instant

__all__ = ["entry_uscc", "verify_window", "ShownEntry"]


def entry_uscc(entry: dict[str, Any]) -> str | None:
    """The enterprise (USCC) an audit entry is about: its ``keys.uscc``, if any. The
    exporter selects by this same function."""
    keys = entry.get("keys")
    uscc = keys.get("uscc") if isinstance(keys, dict) else None
    return uscc if isinstance(uscc, str) else None


@dataclass(frozen=True)
class ShownEntry:
    """An entry shown in full, its log index, and whether its time is in the range."""

    index: int
    leaf: Leaf
    in_range: bool


def _check_sequence(x: Export) -> None:
    indexes = [e.index for e in x.entries]
    dup = [n for n, c in Counter(indexes).items() if c > 1]
    if dup:
        where = [e.where for e in x.entries if e.index == dup[0]]
        raise AuditCheckError("ENTRY_DUPLICATE",
                              f"log index {dup[0]} is listed more than once ({', '.join(where)})")
    for a, b in zip(x.entries, x.entries[1:], strict=False):
        if b.index < a.index:
            raise AuditCheckError("ENTRY_ORDER", f"{b.where} has log index {b.index} after "
                                  f"{a.where} with {a.index}: entries are not in log order")
    expected = list(range(x.first_index, x.last_index + 1))
    if indexes != expected:
        missing = sorted(set(expected) - set(indexes))
        extra = sorted(set(indexes) - set(expected))
        what = (f"log index {missing[0]} is missing" if missing else
                f"log index {extra[0]} is outside first..last")
        raise AuditCheckError("ENTRY_GAP", f"entries must list every index "
                              f"{x.first_index}..{x.last_index} once: {what} "
                              f"({len(missing)} missing, {len(extra)} extra)")


def _check_boundary_positions(x: Export, size: int) -> None:
    checks = (("before", x.before, x.first_index - 1, x.first_index > 0),
              ("after", x.after, x.last_index + 1, x.last_index + 1 < size))
    for name, e, index, needed in checks:
        if e is None and needed:
            raise AuditCheckError("RANGE_INCOMPLETE", f"boundary.{name} (log index {index}) "
                                  f"is missing: nothing shows the range ends there")
        if e is not None and e.index != index:
            raise AuditCheckError("RANGE_INCOMPLETE", f"boundary.{name} is log index "
                                  f"{e.index}, not the neighbour {index}")


def _prove(e: ExportEntry, size: int, root: bytes) -> None:
    leaf_hash = notary.leaf_hash(e.leaf) if e.leaf is not None else e.leaf_hash
    assert leaf_hash is not None  # parse_export gives one of the two
    try:
        notary.verify_inclusion(leaf_hash, e.index, size, e.proof, root)
    except notary.ProofError as exc:
        raise AuditCheckError("ENTRY_PROOF", f"{e.where} (log index {e.index}) is not in the "
                              f"checkpoint of size {size}: {exc}") from None


def _leaf(e: ExportEntry) -> Leaf:
    assert e.leaf is not None
    try:
        return parse_leaf(e.leaf)
    except AuditFormatError as exc:
        raise AuditCheckError("FORMAT", f"{e.where} (log index {e.index}): {exc}") from None


def _time(leaf: Leaf, where: str) -> tuple[int, int]:
    return instant(leaf.timestamp, f"{where} timestamp")


def verify_window(x: Export, size: int, root: bytes) -> list[ShownEntry]:
    """Check the window against the checkpoint (size, root); the entries shown in full."""
    _check_sequence(x)
    _check_boundary_positions(x, size)
    framed = [e for e in (x.before, *x.entries, x.after) if e is not None]
    for e in framed:
        _prove(e, size, root)
    t_from, t_to = instant(x.time_from, "range.from"), instant(x.time_to, "range.to")
    if x.before is not None and not _time(_leaf(x.before), "boundary.before") < t_from:
        raise AuditCheckError("RANGE_INCOMPLETE", f"boundary.before (log index "
                              f"{x.before.index}) is not before range.from {x.time_from}: "
                              f"the range may go on before the export")
    if x.after is not None and not _time(_leaf(x.after), "boundary.after") > t_to:
        raise AuditCheckError("RANGE_INCOMPLETE", f"boundary.after (log index "
                              f"{x.after.index}) is not after range.to {x.time_to}: the "
                              f"range may go on after the export")
    shown = []
    for e in x.entries:
        if e.leaf is None:
            if x.uscc is None:
                raise AuditCheckError("RANGE_MISMATCH", f"{e.where} (log index {e.index}) is "
                                      f"given only as a hash, but the range selects every "
                                      f"entry")
            continue
        leaf = _leaf(e)
        found = entry_uscc(leaf.entry)
        if x.uscc is not None and found != x.uscc:
            raise AuditCheckError("RANGE_MISMATCH", f"{e.where} (log index {e.index}, tx "
                                  f"{leaf.tx_id}) is about USCC {found}, the range selects "
                                  f"{x.uscc}")
        t = _time(leaf, e.where)
        shown.append(ShownEntry(e.index, leaf, t_from <= t <= t_to))
    return shown
