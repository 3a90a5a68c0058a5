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


def _base() -> dict[str, Any]:
    return build_export(world(), timestamp(10), timestamp(20), USCCS[1])


def _set(path: str, value: Any) -> dict[str, Any]:
    x = _base()
    target: Any = x
    *parents, last = path.split(".")
    for p in parents:
        target = target[int(p)] if p.isdigit() else target[p]
    if value is _DELETE:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return x


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "match"),
    [
        ("format", "carbontrust-audit-export/v2", "format"),
        ("origin", "carbontrust.audit/other", "origin"),
        ("channel", "", "channel"),
        ("extra", 1, "exactly keys"),
        ("anchors", _DELETE, "exactly keys"),
        ("anchors", [], "no anchored checkpoint"),
        ("range.from", "2026-01-01", "RFC 3339"),
        ("range.from", "2031-01-01T00:00:00Z", "after range.to"),
        ("range.uscc", 5, "USCC"),
        ("first_index", -1, "first_index"),
        ("last_index", 3, "below first_index"),
        ("entries.0.proof.0", "not base64!", "base64"),
        ("entries.0.proof.0", "AAAA", "32-byte"),
        ("entries.0.index", True, "integer"),
        ("entries.1.leaf_hash", None, "string"),
        ("boundary.before.leaf", "\ud800", "surrogate"),
        ("boundary.before.leaf_hash", "AAAA", "exactly keys"),  # boundaries are shown in full
        ("checkpoint", "no note", "not a checkpoint note"),
        ("key_bindings.0.statement", {}, "statement needs"),
        ("threshold", "3", "integer"),
    ],
)
def test_malformed_export_is_format(path: str, value: Any, match: str) -> None:
    with pytest.raises(AuditCheckError, match=match) as info:
        _check(_set(path, value))
    assert info.value.code == "FORMAT"


def test_a_proven_leaf_that_is_not_canonical_is_format() -> None:
    # a log whose leaf 12 is not in canonical form (no honest follower writes one): the
    # proof holds, the leaf is still refused, by name
    leaves = list(make_world().leaves)
    leaves[12] = leaves[12].replace(b":", b": ", 1)
    w = make_world(leaves)
    export = build_export(w, timestamp(10), timestamp(20))
    with pytest.raises(AuditCheckError, match=r"entries\[2\] \(log index 12\).*canonical") as e:
        check_export(json.dumps(export).encode(), w.roots)
    assert e.value.code == "FORMAT"


def test_fewer_than_threshold_bound_organisations() -> None:
    # only two organisations' keys bound, and the notes signed by those two alone
    import notary

    x = _base()
    two = ("PowerMSP", "BankMSP")
    x["key_bindings"] = [b for b in x["key_bindings"] if b["statement"]["mspid"] in two]

    def strip(text: str) -> str:
        note = notary.Note.parse(text)
        kept = tuple(s for s in note.signatures if s.name.split("/")[0] in two)
        return notary.Note(note.text, kept).format()

    x["checkpoint"] = strip(x["checkpoint"])
    for a in x["anchors"]:
        a["note"] = strip(a["note"])
    with pytest.raises(AuditCheckError) as info:
        _check(x)
    assert info.value.code == "THRESHOLD" and "only 2 organisations" in str(info.value)
