"""``carbontrust readings submit|prove`` and ``account totals`` on real peers (issue 11).

The installed console script, signing as the meter gateway ``Meter1`` that ``network up``
enrols through PowerMSP's Fabric CA, against a fresh network of this module's own
(PORT_BASE). Refused rows are reported by line while the rest is recorded (exit 1); the
totals equal the sum of the distinct readings, also after the same file is sent again as a
new run; a reading is proven in its batch under the root the ledger holds; the bank is
refused the totals; unreadable input exits 2; a submitter killed with SIGKILL mid-stream
and run again leaves totals equal to the sum of the distinct readings.
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from accounting import readings as rd

from .carbon_world import World, carbon_network

PORT_BASE = 26500
REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "carbontrust"
COMMAND = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "gateway.cli"]
DAY0 = datetime.datetime(2026, 10, 3, tzinfo=rd.CHINA)  # in the past


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    for net in carbon_network("it-test_readings_cli", PORT_BASE):
        w = World(net)
        yield w
        w.s.close()


def cli(w: World, ingest: Path, *argv: str, stdin: bytes | None = None
        ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARBONTRUST_RUN_DIR": str(w.net.run_dir),
           "CARBONTRUST_INGEST_DIR": str(ingest)}
    env.pop("CARBONTRUST_PROFILE", None)
    proc = subprocess.run([*COMMAND, *argv], cwd=REPO, env=env, capture_output=True,
                          timeout=300, check=False, input=stdin)
    out = subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(),
                                      proc.stderr.decode())
    assert "Traceback" not in out.stderr, out.stderr
    return out


def csv_for(w: World) -> tuple[str, Decimal, int]:
    """A day of 15-minute electricity readings of meter m1, two bad rows among them."""
    lines = ["meter_id,uscc,interval_start,source,quantity,unit,quality"]
    good, count = Decimal(0), 0
    for n in range(96):
        start = (DAY0 + datetime.timedelta(minutes=15 * n)).isoformat()
        q = Decimal(n + 1) / 4
        if n == 10:  # line 12: a meter nobody registered (the ledger refuses: 404)
            lines.append(f"M-UNKNOWN-1,{w.e1},{start},electricity,{q},kWh,measured")
            continue
        if n == 20:  # line 22: a negative quantity (refused by the shared rules)
            lines.append(f"{w.m1},{w.e1},{start},electricity,-{q},kWh,measured")
            continue
        lines.append(f"{w.m1},{w.e1},{start},electricity,{q},kWh,measured")
        good += q
        count += 1
    return "\n".join(lines) + "\n", good, count


def test_submit_totals_prove_and_refusals(world: World, tmp_path: Path) -> None:
    text, good, count = csv_for(world)
    path = tmp_path / "day.csv"
    path.write_text(text)
    ingest = tmp_path / "ingest"
    r = cli(world, ingest, "-vv", "readings", "submit", str(path), "--batch-size", "20")
    assert r.returncode == 1, r.stderr
    assert "line 12: refused:" in r.stderr and "M-UNKNOWN-1" in r.stderr
    assert "line 22: refused:" in r.stderr and "quantity" in r.stderr
    assert f"{count} readings recorded" in r.stderr and "2 refused" in r.stderr

    day = DAY0.date().isoformat()
    want = {"uscc": world.e1, "from": day, "to": day,
            "totals": {"electricity": {"quantity": rd.quantity_text(good), "unit": "kWh",
                                       "readings": count}}}
    r = cli(world, ingest, "account", "totals", world.e1, "--from", day, "--to", day)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == want

    # the same readings again, as a new run from stdin: nothing is counted twice
    r = cli(world, ingest, "readings", "submit", "-", "--run", "again", stdin=text.encode())
    assert r.returncode == 1, r.stderr
    assert f"({count} already on the ledger)" in r.stderr
    r = cli(world, ingest, "account", "totals", world.e1, "--from", day, "--to", day, "--as",
            "CertifierMSP")
    assert r.returncode == 0 and json.loads(r.stdout) == want

    start = (DAY0 + datetime.timedelta(minutes=15 * 33)).isoformat()
    r = cli(world, ingest, "readings", "prove", world.m1, start)
    assert r.returncode == 0, r.stderr
    proof = json.loads(r.stdout)
    assert proof["proof"]["verified"] is True
    assert proof["reading"]["quantity"] == str(Decimal(34) / 4)
    assert proof["batch"]["root"] == proof["proof"]["root"]

    r = cli(world, ingest, "account", "totals", world.e1, "--from", day, "--to", day, "--as",
            "BankMSP")
    assert r.returncode == 1 and r.stdout == ""
    assert "refused by rule account.totals" in r.stderr


def test_unreadable_input_exits_2(world: World, tmp_path: Path) -> None:
    bad = b"meter_id,uscc,interval_start,source,quantity,unit\nM,\x00\n"
    r = cli(world, tmp_path, "readings", "submit", "-", stdin=bad)
    assert r.returncode == 2 and "line 2: NUL byte" in r.stderr


def test_killed_mid_stream_and_resumed_totals_exact(world: World, tmp_path: Path) -> None:
    meters = [f"K-{world.m1}-{i}" for i in range(8)]
    for m in meters:
        world.submit("regulator-admin", "registry:add_meter", world.e1, m)
    day0 = datetime.datetime(2026, 10, 10, tzinfo=rd.CHINA)
    lines = ["meter_id,uscc,interval_start,source,quantity,unit"]
    total, n = Decimal(0), 0
    for m in meters:  # meter order: batches of different meters fly together
        for i in range(96 * 3):
            q = Decimal(i % 50) / 8
            start = (day0 + datetime.timedelta(minutes=15 * i)).isoformat()
            lines.append(f"{m},{world.e1},{start},electricity,{q},kWh")
            total, n = total + q, n + 1
    path = tmp_path / "three-days.csv"
    path.write_text("\n".join(lines) + "\n")
    ingest = tmp_path / "ingest"
    env = {**os.environ, "CARBONTRUST_RUN_DIR": str(world.net.run_dir),
           "CARBONTRUST_INGEST_DIR": str(ingest)}
    env.pop("CARBONTRUST_PROFILE", None)
    argv = [*COMMAND, "readings", "submit", str(path), "--batch-size", "48", "--in-flight",
            "4"]
    first = subprocess.Popen(argv, cwd=REPO, env=env, stderr=subprocess.PIPE)
    journal = ingest / "journal.sqlite"
    deadline = time.monotonic() + 120
    committed = 0
    while committed < 5 and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.2)
        if journal.exists():
            with sqlite3.connect(journal) as db:
                committed = db.execute(
                    "SELECT COUNT(*) FROM batch WHERE state = 'committed'").fetchone()[0]
    first.send_signal(signal.SIGKILL)
    first.wait()
    with sqlite3.connect(journal) as db:
        states = dict(db.execute("SELECT state, COUNT(*) FROM batch GROUP BY state"))
    assert 0 < states.get("committed", 0) < n // 48, states  # killed mid-stream
    r = cli(world, ingest, "readings", "submit", str(path), "--batch-size", "48")
    assert r.returncode == 0, r.stderr
    assert "resuming run" in r.stderr
    frm, to = day0.date().isoformat(), (day0 + datetime.timedelta(days=2)).date().isoformat()
    r = cli(world, ingest, "account", "totals", world.e1, "--from", frm, "--to", to)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["totals"] == {
        "electricity": {"quantity": rd.quantity_text(total), "unit": "kWh", "readings": n}}
