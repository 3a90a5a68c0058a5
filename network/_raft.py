"""Which Raft leader an orderer follows, read from its own log (no metric tells)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ._logs import log_files
from ._process import START_MARKER

_LEADER_CHANGED = re.compile(rb"Raft leader changed: (\d+) -> (\d+) channel=(\S+)")
_ACCEPTING = re.compile(rb"Start accepting requests as Raft leader at block \[\d+\] channel=(\S+)")


def raft_view(log: Path, channel: str, chunk: int = 1 << 16) -> tuple[int, bool]:
    """(leader id this orderer follows, whether it accepts requests as leader) since its start.

    0 means no leader known.  The log is read backwards, a chunk at a time and across its
    rotated files (newest first), only as far as the last "Raft leader changed" line of the
    channel or the supervisor's last start marker: a long-lived orderer's log can be large,
    and readiness polls this often.
    """
    accepting_later = False
    for path in log_files(log):
        found, accepting_later = _raft_scan(path, channel.encode(), chunk, accepting_later)
        if found is not None:
            return found
    return 0, False


def _raft_scan(path: Path, name: bytes, chunk: int,
               accepting_later: bool) -> tuple[tuple[int, bool] | None, bool]:
    """One log file, backwards: (the view if this file decides it, accepting seen so far)."""
    marker = START_MARKER.encode()

    def accepts(window: bytes, pos: int = 0) -> bool:
        return any(m.group(1) == name for m in _ACCEPTING.finditer(window, pos))
    overlap = 512  # longer than a log line of interest: a line cut by a chunk edge is seen whole
    try:
        f = path.open("rb")
    except OSError:
        return None, accepting_later
    with f:
        end = f.seek(0, os.SEEK_END)
        later = b""  # the start of the region already scanned (after this window)
        while end > 0:
            begin = max(0, end - chunk)
            f.seek(begin)
            window = f.read(end - begin) + later[:overlap]
            restart = window.rfind(marker)
            last = None
            for m in _LEADER_CHANGED.finditer(window, max(restart, 0)):
                if m.group(3) == name:
                    last = m
            if last is not None:
                leader = int(last.group(2))
                accepting = accepting_later or accepts(window, last.end())
                return (leader, leader != 0 and accepting), accepting_later
            if restart >= 0:
                return (0, False), accepting_later
            accepting_later = accepting_later or accepts(window)
            later, end = window, begin
    return None, accepting_later
