"""submit_batch's per-reading work over a scanned batch (``accounting.readings.scan_batch``):
the rows stay the strings the leaf pattern matched, and what depends only on a leaf's
interval and source (its end, its UTC+08:00 day) is looked up, computed once per distinct
(interval, source) by the scan.  The refusals are those of the Reading-per-leaf path the
contract had before, word for word (tests/unit/chaincode/carbon/test_readings_rows.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from accounting import readings as rd

from . import _args


def registry_pairs(rows: list[rd.Row]) -> Iterator[tuple[int, str, str]]:
    """(line, meter_id, uscc) wherever the pair differs from the leaf before: a leaf like
    the one before it passes or fails the registry checks exactly as that one did."""
    prev: tuple[str, str] | None = None
    for i, r in enumerate(rows, 1):
        pair = (r[0], r[1])
        if pair != prev:
            yield i, r[0], r[1]
            prev = pair


def check_ended(scan: rd.Scan, now: datetime.datetime) -> None:
    """Every interval ended at the transaction's time; else the first leaf that has not."""
    late = {k for k, iv in scan.intervals.items() if iv.end > now}
    if not late:
        return
    for i, r in enumerate(scan.rows, 1):
        if (r[2], r[3]) in late:
            raise _args.bad(f"line {i}: interval_start", "an interval that ended before the "
                            f"transaction's time {now.isoformat()}",
                            scan.interval(r).start.isoformat())


def slot_groups(scan: rd.Scan) -> dict[tuple[str, str], list[int]]:
    """Leaf indexes by (meter, UTC+08:00 day): the replay index's records."""
    groups: dict[tuple[str, str], list[int]] = {}
    intervals = scan.intervals
    for i, r in enumerate(scan.rows):
        groups.setdefault((r[0], intervals[(r[2], r[3])].day), []).append(i)
    return groups


def deltas_of(scan: rd.Scan, indexes: list[int]) -> dict[tuple[str, str], dict[str, Any]]:
    """(uscc, day) -> source -> quantity (exact Decimal sum, in batch order), unit, count."""
    quantities: dict[tuple[str, str, str], list[str]] = {}
    rows, intervals = scan.rows, scan.intervals
    for i in indexes:
        r = rows[i]
        quantities.setdefault((r[1], intervals[(r[2], r[3])].day, r[3]), []).append(r[4])
    deltas: dict[tuple[str, str], dict[str, Any]] = {}
    for (uscc, day, source), texts in quantities.items():
        deltas.setdefault((uscc, day), {})[source] = {
            "quantity": sum(map(Decimal, texts), Decimal(0)), "unit": rd.SOURCES[source],
            "readings": len(texts)}
    return deltas
