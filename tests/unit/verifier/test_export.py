"""check_export on honest exports of several shapes, and its summary."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from verifier import AuditCheckError, ExportSummary, check_export

from .export_factory import USCCS, World, build_export, make_world, timestamp


@cache
def world() -> World:
    return make_world()


def _check(export: dict[str, Any]) -> ExportSummary:
    return check_export(json.dumps(export).encode(), world().roots)


@pytest.mark.parametrize(
    ("t_from", "t_to", "uscc", "anchor", "expect"),
    [
        (timestamp(10), timestamp(20), None, -1, (10, 20)),
        (timestamp(10), timestamp(20), USCCS[1], -1, (10, 20)),
        ("2025-01-01T00:00:00Z", timestamp(3), None, -1, (0, 3)),       # the log's start
        (timestamp(35), "2030-01-01T00:00:00Z", None, -1, (35, 40)),   # the anchored end
        (timestamp(3), timestamp(9), USCCS[0], 1, (3, 9)),              # an older anchor
        ("2026-01-01T00:00:25+00:00", "2026-01-01T00:00:28Z", None, -1, (3, 2)),  # empty
        ("2025-01-01T00:00:00Z", "2030-01-01T00:00:00Z", None, 0, (0, 6)),  # whole log
    ],
)
def test_honest_exports_accepted(t_from: str, t_to: str, uscc: str | None, anchor: int,
                                 expect: tuple[int, int]) -> None:
    export = build_export(world(), t_from, t_to, uscc, anchor)
    summary = _check(export)
    assert (summary.first_index, summary.last_index) == expect
    size = world().anchors[anchor][0]
    assert summary.size == size and summary.root == world().tree.root(size)
    assert summary.anchored_sizes == tuple(s for s, _ in world().anchors[: anchor % 4 + 1])
    shown = [s.index for s in summary.shown]
    if uscc is None:
        assert shown == list(range(expect[0], expect[1] + 1)) and summary.hidden == 0
    else:
        assert shown and all(s.leaf.entry["keys"]["uscc"] == uscc for s in summary.shown)
        assert summary.hidden == expect[1] - expect[0] + 1 - len(shown) > 0
    assert all(s.in_range for s in summary.shown)
    assert len(summary.cosigners) >= 3
    report = summary.to_json()
    assert report["valid"] and report["checkpoint"]["size"] == size
    json.dumps(report)


def test_key_rotation_both_power_keys_trusted() -> None:
    export = build_export(world(), timestamp(0), timestamp(1))
    powers = [b for b in export["key_bindings"] if b["statement"]["mspid"] == "PowerMSP"]
    assert len(powers) == 2  # the old key signed early anchors, the new key later ones
    assert "PowerMSP/notary" in _check(export).cosigners


@pytest.mark.parametrize("data", [b"", b"{", b"[]", b'{"format": 1.5}', "\u00ff".encode()])
def test_unreadable_is_format(data: bytes) -> None:
    with pytest.raises(AuditCheckError) as info:
        check_export(data, world().roots)
    assert info.value.code == "FORMAT" and str(info.value).startswith("FORMAT ")


def test_out_of_order_timestamps_inside_the_window_are_shown_not_refused() -> None:
    # Fabric orders transactions by arrival, the timestamp is the client's: an entry inside
    # the window may carry a time outside the range. It is shown, flagged, not refused.
    leaves = list(make_world().leaves)
    from verifier import audit_leaf, parse_leaf

    leaf = parse_leaf(leaves[12])
    entry = {**leaf.entry, "timestamp": timestamp(30)}
    leaves[12] = audit_leaf(leaf.block, leaf.index, leaf.tx_id, entry)
    w = make_world(leaves)
    export = build_export(w, timestamp(10), timestamp(20))
    summary = check_export(json.dumps(export).encode(), w.roots)
    flags = {s.index: s.in_range for s in summary.shown}
    assert flags[12] is False and flags[11] is True
