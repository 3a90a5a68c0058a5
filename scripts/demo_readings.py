"""Demo step: the power company ingests a month of 15-minute readings; who sees the totals.

`carbontrust readings submit` as the power company's meter gateway (Meter1), one batch per
meter-day; then `carbontrust account totals` for the month from the regulator's view (equal to
the sums of the file, exactly) and from the enterprise's own identity; the bank is refused
them, naming the rule. The month is fixed and the journal is fresh each run, so a re-run sends
the identical batches again and the ledger answers them as no-ops.
"""

from __future__ import annotations

import datetime
import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from demo_common import (
    CHINA,
    ENTERPRISES,
    PERIOD,
    PERIOD_END,
    PERIOD_START,
    REPO,
    cli,
    say,
    section,
    signing,
    state,
    work_dir,
)

from network import Network

INTERVALS = 96   # quarter hours a day


def month_csv(path: Path) -> dict[str, tuple[Decimal, int]]:
    """Write the period's 15-minute intervals of each demo meter (kWh: a day-time load, a
    quieter Sunday); return each enterprise's expected (sum, count)."""
    expected: dict[str, tuple[Decimal, int]] = {}
    lines = ["meter_id,uscc,interval_start,source,quantity,unit,quality"]
    days = (PERIOD_END - PERIOD_START).days + 1
    for k, (ent, meter) in enumerate((e, m) for e in ENTERPRISES for m in e.meters):
        total, count = expected.get(ent.uscc, (Decimal(0), 0))
        for d in range(days):
            day = PERIOD_START + datetime.timedelta(days=d)
            start = datetime.datetime.combine(day, datetime.time(), CHINA)
            shift = Decimal(30 if day.weekday() < 6 else 10)
            for i in range(INTERVALS):
                load = (Decimal(40 + 15 * k) + (shift if 8 <= i // 4 < 18 else 0)
                        + Decimal(i % 4) / 4)
                at = start + datetime.timedelta(minutes=15 * i)
                lines.append(f"{meter},{ent.uscc},{at.isoformat()},electricity,{load},kWh,"
                             "measured")
                total, count = total + load, count + 1
        expected[ent.uscc] = (total, count)
    path.write_text("\n".join(lines) + "\n")
    return expected


def totals(uscc: str, *extra: str, expect: tuple[int, ...] = (0,)) -> dict[str, Any] | None:
    res = cli("account", "totals", uscc, *PERIOD, *extra, expect=expect)
    return json.loads(res.stdout) if res.returncode == 0 else None


def run(net: Network) -> None:
    section(f"power company: its meter gateway submits {PERIOD_START:%B %Y}'s 15-minute "
            "electricity readings")
    work = work_dir(net)
    csv = work / f"readings-{PERIOD_START:%Y-%m}.csv"
    expected = month_csv(csv)
    journal = work / "journal.sqlite"
    for stale in (journal, work / "journal.sqlite-wal", work / "journal.sqlite-shm"):
        stale.unlink(missing_ok=True)   # a fresh gateway each run: the batches go again
    n = sum(count for _, count in expected.values())
    meters = sum(len(e.meters) for e in ENTERPRISES)
    say(f"{n} readings ({meters} meters x {n // meters // INTERVALS} days x {INTERVALS}) in "
        f"{csv.relative_to(REPO)}")
    began = time.monotonic()
    if state.services is not None:
        job = state.services.upload("power", csv)
        say(f"ingestion job {job['id'][:12]} {job['state']}: {job['readings_read']} read, "
            f"{job['readings_committed']} committed, {job['readings_refused']} refused, in "
            f"{job['batches']} batches, {time.monotonic() - began:.1f} s"
            f"{'; ' + str(job['error']) if job['error'] else ''}")
        assert job["state"] == "done" and not job["readings_refused"], job
        say("uploaded to the power company's service, which submits it as its meter gateway "
            "(Meter1); readings already on the ledger with the same value are skipped by the "
            "contract, never counted twice")
    else:
        say("one batch per meter-day, signed by the meter gateway (Meter1)")
        res = cli("readings", "submit", str(csv), "--batch-size", str(INTERVALS), "--as",
                  "PowerMSP", "--user", "Meter1", "--journal", str(journal), quiet=False)
        say(f"submitted in {time.monotonic() - began:.1f} s")
        if "already on the ledger" in res.stderr:
            say("a replay: the ledger answered the identical batches as no-ops naming the "
                "batches an earlier run recorded; nothing is counted twice")

    section("regulator: the month's totals")
    seen: dict[str, dict[str, Any]] = {}
    for ent in ENTERPRISES:
        got = seen[ent.uscc] = totals(ent.uscc) or {}
        elec = got["totals"]["electricity"]
        want, count = expected[ent.uscc]
        assert (Decimal(elec["quantity"]), elec["readings"]) == (want, count), (elec, want)
        say(f"{ent.uscc}  electricity {elec['quantity']} {elec['unit']} from "
            f"{elec['readings']} readings (the sum of the file's rows, exactly)")

    if state.services is not None:
        section("power company: the same totals through its own service")
        for ent in ENTERPRISES:
            got = state.services.call("power", "GET", f"/v1/enterprises/{ent.uscc}/totals",
                                      params={"from": PERIOD[1], "to": PERIOD[3]}).json()
            assert got["totals"] == seen[ent.uscc]["totals"], (got, seen[ent.uscc])
            say(f"{ent.uscc}  {json.dumps(got['totals'])}")

    first, second = ENTERPRISES
    section(f"enterprise {first.name}: its own totals, with its own identity")
    own = totals(first.uscc, "--as", "RegulatorMSP", *signing(first))
    assert own == seen[first.uscc], f"views differ: {own} vs {seen[first.uscc]}"
    say(f"reads its own totals: {json.dumps(own['totals'])} (the regulator's figures)")
    totals(second.uscc, "--as", "RegulatorMSP", *signing(first), expect=(1,))
    say("... and is refused another enterprise's totals (exit 1)")

    section("bank: may not read readings or totals")
    res = cli("account", "totals", first.uscc, *PERIOD, "--as", "BankMSP", expect=(1,))
    assert "refused by rule" in res.stderr, res.stderr
