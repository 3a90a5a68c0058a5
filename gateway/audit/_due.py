"""The deterministic due rule: which log sizes every honest follower signs, from the log alone.

After each block, ``new`` counts the entries since the last due size that are not audit-trail
housekeeping (``audit.*``: key registrations, signatures, anchors, alarms, which would otherwise
make checkpoints cause checkpoints). The block's size is due when ``new >= entries``, or when
``new >= 1`` and the timestamp of the block's last entry is at least ``seconds`` after the
timestamp of the entry at the last due size. Timestamps are the contract's (the proposal's,
never a follower's clock), compared as integer nanoseconds, so every follower computes the same
due sizes from the same blocks. The state is written in the block's own store transaction.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

from verifier._entry import HOUSEKEEPING_PREFIX

__all__ = ["Cadence", "DueState", "step", "nanos"]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Cadence:
    seconds: int
    entries: int

    @classmethod
    def parse(cls, text: str) -> Cadence:
        """``"seconds,entries"``, both positive integers (e.g. ``"10,1000"``)."""
        parts = text.split(",")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise ValueError(f"cadence {text!r} is not 'seconds,entries' (positive integers)")
        seconds, entries = (int(p) for p in parts)
        if seconds < 1 or entries < 1:
            raise ValueError(f"cadence {text!r}: seconds and entries must be >= 1")
        return cls(seconds, entries)

    @classmethod
    def from_env(cls, override: str | None = None) -> Cadence:
        return cls.parse(override or os.environ.get("CARBONTRUST_AUDIT_CADENCE") or "10,1000")


def nanos(timestamp: str) -> int:
    """``YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`` (the contract's form) as integer nanoseconds."""
    head, _, frac = timestamp.rstrip("Z").partition(".")
    moment = datetime.datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.UTC)
    seconds = (moment - _EPOCH) // datetime.timedelta(seconds=1)
    return seconds * 1_000_000_000 + int((frac or "0").ljust(9, "0")[:9])


@dataclass(frozen=True)
class DueState:
    size: int = 0  # the last due size
    timestamp: str = ""  # timestamp of the entry at that size ("" before the first entry)
    new: int = 0  # non-housekeeping entries after it

    def encode(self) -> str:
        return f"{self.size},{self.new},{self.timestamp}"

    @classmethod
    def decode(cls, text: str | None) -> DueState:
        if not text:
            return cls()
        size, new, timestamp = text.split(",", 2)
        return cls(int(size), timestamp, int(new))


def step(
    state: DueState, start_size: int, entries: list[tuple[str, str]], cadence: Cadence
) -> tuple[DueState, int | None]:
    """The state after one block whose entries ``(name, timestamp)`` take the log from
    ``start_size``; and the block's size if it is due."""
    if not entries:
        return state, None
    new = state.new + sum(1 for name, _ in entries if not name.startswith(HOUSEKEEPING_PREFIX))
    size = start_size + len(entries)
    last_ts = entries[-1][1]
    base = state.timestamp or entries[0][1]
    due = new >= cadence.entries or (
        new >= 1 and _elapsed(base, last_ts) >= cadence.seconds * 1_000_000_000
    )
    if due:
        return DueState(size, last_ts, 0), size
    if not state.timestamp:  # the first entry starts the clock
        return DueState(state.size, base, new), None
    return DueState(state.size, state.timestamp, new), None


def _elapsed(earlier: str, later: str) -> int:
    try:
        return nanos(later) - nanos(earlier)
    except ValueError:
        return 0  # an entry without a readable timestamp never makes a block due by time
