"""RotatingLog: whole lines, rotation by size, keep N; tail across rotated files."""

from pathlib import Path

import pytest

from network._logs import RotatingLog, log_files, rotation_settings, tail


def test_rotation_keeps_n_files_of_whole_lines(tmp_path: Path) -> None:
    log = tmp_path / "n.log"
    out = RotatingLog(log, max_bytes=1024, keep=2)
    lines = [f"line {i:04d} {'y' * 20}\n".encode() for i in range(400)]
    blob = b"".join(lines)
    for i in range(0, len(blob), 333):  # chunks that cut lines anywhere
        out.write(blob[i:i + 333])
    out.close()
    files = log_files(log)
    assert [f.name for f in files] == ["n.log", "n.log.1", "n.log.2"]
    kept = b"".join(f.read_bytes() for f in reversed(files))
    assert blob.endswith(kept)  # the newest lines, in order, none cut or lost in between
    assert all(len(f.read_bytes()) <= 1024 and f.read_bytes().endswith(b"\n") for f in files)


def test_partial_line_waits_for_newline_and_close_flushes_it(tmp_path: Path) -> None:
    log = tmp_path / "p.log"
    out = RotatingLog(log, max_bytes=1024, keep=1)
    out.write(b"half a ")
    assert log.read_bytes() == b""
    out.write(b"line\nand a last")
    assert log.read_bytes() == b"half a line\n"
    out.close()
    assert log.read_bytes() == b"half a line\nand a last\n"


def test_tail_across_rotation_and_missing(tmp_path: Path) -> None:
    log = tmp_path / "t.log"
    out = RotatingLog(log, max_bytes=1024, keep=3)
    for i in range(100):
        out.write(f"{i:03d} {'z' * 40}\n".encode())
    out.close()
    got = tail(log, 30).splitlines()
    assert [int(x.split()[0]) for x in got] == list(range(70, 100))
    assert tail(tmp_path / "absent.log") == "(no log)"


def test_rotation_settings_are_checked() -> None:
    assert rotation_settings({}) == (20 * 1024 * 1024, 5)
    assert rotation_settings({"CARBONTRUST_LOG_MAX_BYTES": "4096",
                              "CARBONTRUST_LOG_KEEP": "2"}) == (4096, 2)
    with pytest.raises(ValueError, match="keep >= 1"):
        rotation_settings({"CARBONTRUST_LOG_KEEP": "0"})
