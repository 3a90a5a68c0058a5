"""The submitter against the file-backed fake ledger: batching, window, refusals, resume."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

import pytest

from gateway.ingest import BatchStore, Journal, Outcome, Settings, Submitter
from tests.unit.gateway.ingest.fake_ledger import FileLedger
from tests.unit.gateway.ingest.rows import HEADER, csv_text, row

REPO = Path(__file__).resolve().parents[4]


def submit(tmp: Path, codec: ModuleType, data: bytes | io.RawIOBase, settings: Settings,
           ledger: FileLedger | None = None, run: str = "t") -> tuple[Outcome, FileLedger]:
    ledger = ledger or FileLedger(tmp / "ledger.db", codec)
    journal = Journal(tmp / "journal.db", run)
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        return asyncio.run(Submitter(ledger, journal, BatchStore(tmp / "store"),
                                     settings).run(stream)), ledger  # type: ignore[arg-type]
    finally:
        journal.close()


def test_batches_by_size_every_reading_once(tmp_path: Path, readings_codec: ModuleType) -> None:
    out, ledger = submit(tmp_path, readings_codec, csv_text(25).encode(),
                         Settings(batch_size=10, in_flight=1))
    assert sorted(n for n, _ in ledger.calls) == [5, 10, 10]
    assert out.committed == 25 and out.batches == 3 and not out.refused
    assert ledger.counted() == len(ledger.distinct()) == 25
    assert len({salt for _, salt in ledger.calls}) == 3 and all(
        len(s) == 32 for _, s in ledger.calls)
    stored = sorted((tmp_path / "store").iterdir())
    assert len(stored) == 3  # the raw batch store holds each committed batch


def test_batches_by_time_on_a_slow_stream(tmp_path: Path, readings_codec: ModuleType) -> None:
    r, w = os.pipe()
    ledger = FileLedger(tmp_path / "ledger.db", readings_codec)
    seen_before_more: list[int] = []

    def writer() -> None:
        with os.fdopen(w, "wb") as f:
            f.write((HEADER + row("M1", 0) + row("M1", 1) + row("M1", 2)).encode())
            f.flush()
            time.sleep(1.0)  # the submitter's max_wait is 0.2 s
            seen_before_more.append(ledger.counted())
            f.write((row("M1", 3) + row("M1", 4)).encode())

    t = threading.Thread(target=writer)
    t.start()
    with os.fdopen(r, "rb") as stream:
        out, _ = submit(tmp_path, readings_codec, stream,  # type: ignore[arg-type]
                        Settings(batch_size=100, max_wait=0.2), ledger)
    t.join()
    assert seen_before_more == [3]  # the first three went by time, before EOF
    assert [n for n, _ in ledger.calls] == [3, 2] and out.committed == 5


def test_the_in_flight_window_bounds_concurrency(tmp_path: Path,
                                                 readings_codec: ModuleType) -> None:
    ledger = FileLedger(tmp_path / "ledger.db", readings_codec, delay=0.05)
    out, _ = submit(tmp_path, readings_codec, csv_text(60, meters=60).encode(),
                    Settings(batch_size=3, in_flight=4), ledger)
    assert ledger.max_in_flight == 4  # reached, never passed
    assert out.committed == 60 and ledger.counted() == 60


def test_batches_writing_the_same_meter_day_never_fly_together(
        tmp_path: Path, readings_codec: ModuleType) -> None:
    ledger = FileLedger(tmp_path / "ledger.db", readings_codec, delay=0.02)
    # meters M0, M1 over 15 hours of one day, then meters M2, M3: batches of 4 readings
    data = csv_text(40, meters=2) + csv_text(40, meters=2).replace("M0,", "M2,").replace(
        "M1,", "M3,").split("\n", 1)[1]
    out, _ = submit(tmp_path, readings_codec, data.encode(),
                    Settings(batch_size=4, in_flight=4), ledger)
    assert out.committed == 80 and ledger.counted() == 80
    assert ledger.overlaps == 0
    # within each half every batch shares M0/M1 (M2/M3) of one day: one at a time; the first
    # M2/M3 batch flies beside the last M0/M1 one
    assert ledger.max_in_flight == 2


def test_refused_rows_are_reported_by_line_and_the_rest_recorded(
        tmp_path: Path, readings_codec: ModuleType) -> None:
    ledger = FileLedger(tmp_path / "ledger.db", readings_codec,
                        unknown_meters=frozenset({"GHOST"}))
    # M1 slot 5 already on the ledger with another value
    submit(tmp_path / "before", readings_codec, (HEADER + row("M1", 5, "9")).encode(),
           Settings(), ledger)
    lines = [row("M1", i) for i in range(12)]
    lines[3] = row("M1", 3, "-2")  # line 5: refused by parse_row
    lines[7] = row("GHOST", 7)  # line 9: unknown meter (404)
    lines[9] = row("M1", 9, "1", "heat", "kWh")  # line 11: unit does not fit
    out, _ = submit(tmp_path, readings_codec, (HEADER + "".join(lines)).encode(),
                    Settings(batch_size=100), ledger)
    assert [n for n, _ in out.refused] == [5, 7, 9, 11]
    reasons = dict(out.refused)
    assert "already recorded with another value" in reasons[7]
    assert "unknown meter GHOST" in reasons[9]
    assert "quantity" in reasons[5] and "unit" in reasons[11]
    assert out.committed == 8
    assert ledger.counted() == len(ledger.distinct()) == 9  # 8 + the earlier one


def test_rows_before_an_unreadable_line_are_recorded(tmp_path: Path,
                                                     readings_codec: ModuleType) -> None:
    data = (HEADER + row("M1", 0) + row("M1", 1)).encode() + b"M1,\x00\n" + row("M1", 2).encode()
    out, ledger = submit(tmp_path, readings_codec, data, Settings(batch_size=100))
    assert out.source_error is not None and out.source_error.line == 4
    assert out.committed == 2 and ledger.counted() == 2


def test_resume_refuses_a_different_input(tmp_path: Path, readings_codec: ModuleType) -> None:
    submit(tmp_path, readings_codec, csv_text(10).encode(), Settings(batch_size=4))
    out, ledger = submit(tmp_path, readings_codec, csv_text(12).encode().replace(b"M0", b"M9"),
                         Settings(batch_size=4))
    assert out.source_error is not None and "differs from the run journaled" in str(
        out.source_error)
    assert ledger.counted() == 10
    # the same input grown by two lines: only the new lines go
    out, ledger = submit(tmp_path, readings_codec, csv_text(12).encode(), Settings(batch_size=4))
    assert out.source_error is None and out.read == 2 and ledger.counted() == 12


def test_killed_mid_stream_resumes_with_no_duplicate_and_no_gap(
        tmp_path: Path, readings_codec: ModuleType) -> None:
    n = 300
    csv_path = tmp_path / "in.csv"
    csv_path.write_text(csv_text(n, meters=7))
    args = [sys.executable, "-m", "tests.unit.gateway.ingest.run_submitter",
            str(tmp_path / "journal.db"), str(tmp_path / "store"), str(tmp_path / "ledger.db"),
            str(csv_path)]
    first = subprocess.Popen([*args, "0.05", "7"], cwd=REPO, stdout=subprocess.PIPE)
    ledger = FileLedger(tmp_path / "ledger.db", readings_codec)
    deadline = time.monotonic() + 60
    while ledger.counted() < n // 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    partial = ledger.counted()
    assert 0 < partial < n, "the run was not killed mid-stream"
    states = dict(sqlite3.connect(tmp_path / "journal.db").execute(
        "SELECT state, COUNT(*) FROM batch GROUP BY state").fetchall())
    assert states.get("planned", 0) + states.get("submitted", 0) > 0  # work was pending
    journaled = Journal(tmp_path / "journal.db", "crash-test")
    done_before = journaled.counts().get("committed", 0)
    journaled.close()
    # resumed with another batch size: re-read lines would form new batches, not duplicates
    second = subprocess.run([*args, "0", "5"], cwd=REPO, capture_output=True, timeout=120)
    assert second.returncode == 0, second.stderr.decode()
    committed, _, refused = map(int, second.stdout.split())
    assert refused == 0
    assert ledger.counted() == len(ledger.distinct()) == n
    # the second run sent only what the journal had not seen committed: no re-reading
    assert committed == n - done_before


@pytest.mark.parametrize("bad", [Settings(batch_size=0), Settings(in_flight=0),
                                 Settings(max_wait=0)])
def test_settings_out_of_range(tmp_path: Path, readings_codec: ModuleType,
                               bad: Settings) -> None:
    with pytest.raises(ValueError, match="settings out of range"):
        Submitter(FileLedger(tmp_path / "l.db", readings_codec), Journal(tmp_path / "j", "r"),
                  BatchStore(tmp_path / "s"), bad)


def test_a_duplicate_answer_never_overwrites_the_batch_it_names(
        tmp_path: Path, readings_codec: ModuleType) -> None:
    data = csv_text(6, meters=2).encode()
    first, ledger = submit(tmp_path, readings_codec, data, Settings(batch_size=100), run="a")
    (stored,) = (tmp_path / "store").iterdir()
    original = stored.read_bytes()
    # the same readings regrouped (another run, smaller batches): every batch a duplicate
    again, _ = submit(tmp_path, readings_codec, data, Settings(batch_size=4), ledger, run="b")
    assert again.committed == again.duplicates == 6 and again.batches == 2
    assert [p.name for p in (tmp_path / "store").iterdir()] == [stored.name]
    assert stored.read_bytes() == original
    assert ledger.counted() == len(ledger.distinct()) == 6
