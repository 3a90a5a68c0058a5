"""The due rule: a function of the log alone (counts, contract timestamps)."""

from __future__ import annotations

import pytest

from gateway.audit._due import Cadence, DueState, nanos, step


def ts(s: int) -> str:
    return f"2026-01-01T00:{s // 60:02d}:{s % 60:02d}.000000000Z"


C = Cadence(10, 3)


def test_due_by_count_ignoring_housekeeping() -> None:
    s, due = step(DueState(), 0, [("a.x", ts(0)), ("audit.sign", ts(0)), ("b.y", ts(1))], C)
    assert due is None and s == DueState(0, ts(0), 2)
    s, due = step(s, 3, [("audit.anchor", ts(2)), ("c.z", ts(2))], C)
    assert due == 5 and s == DueState(5, ts(2), 0)


def test_due_by_contract_time_needs_one_new_entry() -> None:
    s, due = step(DueState(5, ts(2), 0), 5, [("audit.sign", ts(30))], C)
    assert due is None and s.new == 0
    s, due = step(s, 6, [("a.x", ts(11))], C)
    assert due is None  # 9 s after the due size
    s, due = step(s, 7, [("b.y", ts(12))], C)
    assert due == 8


def test_no_entries_no_change_and_cadence_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert step(DueState(1, ts(0), 1), 1, [], C) == (DueState(1, ts(0), 1), None)
    assert DueState.decode(DueState(4, ts(3), 2).encode()) == DueState(4, ts(3), 2)
    assert Cadence.parse("2,50") == Cadence(2, 50)
    for bad in ("2", "0,5", "a,b", "1.5,2"):
        with pytest.raises(ValueError):
            Cadence.parse(bad)
    monkeypatch.setenv("CARBONTRUST_AUDIT_CADENCE", "3,7")
    assert Cadence.from_env() == Cadence(3, 7)
    assert Cadence.from_env("4,8") == Cadence(4, 8)
    assert nanos("1970-01-01T00:00:01.5Z") == 1_500_000_000
