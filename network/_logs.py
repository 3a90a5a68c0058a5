"""Node logs: written by the supervisor from each node's output pipe, rotated by size.

Peers and orderers write only to stdout/stderr and cannot reopen a file, so rotation by
an outside tool would be copy-and-truncate (lines written in between are lost). The
supervisor owns the pipe instead: it writes whole lines to ``<name>.log`` and, when the
file reaches ``max_bytes``, renames ``<name>.log`` -> ``.1`` -> ... -> ``.<keep>`` (the
oldest dropped) and opens a new one, between two lines. ``logging.handlers`` rotates the
same way but formats records; this writes a process's raw bytes, so it is a few lines of
our own. Readers (``tail``, the Raft readiness scan) walk the files newest first.
"""

from __future__ import annotations

import os
from pathlib import Path

#: rotation defaults; CARBONTRUST_LOG_MAX_BYTES / CARBONTRUST_LOG_KEEP override them
MAX_BYTES = 20 * 1024 * 1024
KEEP = 5
_TAIL_BYTES = 1 << 16


def rotation_settings(env: dict[str, str] | None = None) -> tuple[int, int]:
    e = os.environ if env is None else env
    max_bytes = int(e.get("CARBONTRUST_LOG_MAX_BYTES") or MAX_BYTES)
    keep = int(e.get("CARBONTRUST_LOG_KEEP") or KEEP)
    if max_bytes < 1024 or keep < 1:
        raise ValueError(f"log rotation needs max_bytes >= 1024 and keep >= 1, "
                         f"got {max_bytes} and {keep}")
    return max_bytes, keep


def log_files(path: Path) -> list[Path]:
    """The current log and its rotated predecessors that exist, newest first."""
    out = [path] if path.exists() else []
    i = 1
    while (p := path.with_name(f"{path.name}.{i}")).exists():
        out.append(p)
        i += 1
    return out


class RotatingLog:
    """Appends a process's output to a log file, whole lines only, rotating by size."""

    def __init__(self, path: Path, max_bytes: int = MAX_BYTES, keep: int = KEEP) -> None:
        self.path, self.max_bytes, self.keep = path, max_bytes, keep
        path.parent.mkdir(parents=True, exist_ok=True)
        self._f = path.open("ab")
        self._size = self._f.tell()
        self._partial = b""

    def write(self, data: bytes) -> None:
        """Write output; a trailing partial line waits for its newline (or close())."""
        data = self._partial + data
        cut = data.rfind(b"\n") + 1
        self._partial = data[cut:]
        if len(self._partial) > self.max_bytes:  # a "line" with no newline in sight
            cut, self._partial = len(data), b""
        if cut:
            self._write_lines(data[:cut])

    def _write_lines(self, lines: bytes) -> None:
        """Whole lines; as many as fit go to the current file, the rest after a rotation."""
        while lines:
            room = self.max_bytes - self._size
            cut = len(lines) if len(lines) <= room else lines.rfind(b"\n", 0, room) + 1
            if cut == 0:  # not one whole line fits
                if self._size:
                    self.rotate()
                    continue
                cut = lines.find(b"\n") + 1 or len(lines)  # a line longer than max_bytes
            self._f.write(lines[:cut])
            self._size += cut
            lines = lines[cut:]
        self._f.flush()

    def rotate(self) -> None:
        self._f.close()
        self.path.with_name(f"{self.path.name}.{self.keep}").unlink(missing_ok=True)
        for i in range(self.keep - 1, 0, -1):
            src = self.path.with_name(f"{self.path.name}.{i}")
            if src.exists():
                src.rename(self.path.with_name(f"{self.path.name}.{i + 1}"))
        if self.path.exists():
            self.path.rename(self.path.with_name(f"{self.path.name}.1"))
        self._f = self.path.open("ab")
        self._size = 0

    def close(self) -> None:
        if self._partial:
            self._write_lines(self._partial + b"\n")
            self._partial = b""
        self._f.close()


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log, reading back across rotation only as far as needed."""
    got: list[bytes] = []
    for p in log_files(path):
        with p.open("rb") as f:
            end = f.seek(0, os.SEEK_END)
            f.seek(max(0, end - _TAIL_BYTES))
            got = f.read().splitlines() + got
        if len(got) >= lines:
            break
    if not got and not path.exists():
        return "(no log)"
    return "\n".join(b.decode(errors="replace") for b in got[-lines:])
