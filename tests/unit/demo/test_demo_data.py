"""The demo's embedded defaults (scripts/demo_*.py) are what the contract accepts.

No network: the readings file the demo writes parses row by row with the shared rules the
submitter and the contract use (`accounting.readings.parse_row`), every reading lies in the
period and on the quarter hour, and the sums the demo later compares with `account totals`
are the sums of those parsed rows; the USCCs pass the contract's validator; each operating
data declaration is accepted by the contract's parser; each enterprise's industry has a
benchmark in the set the rating uses (else `rating compute` is refused on the ledger).
"""

from __future__ import annotations

import csv
import datetime
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

import accounting
from accounting import readings as rd
from chaincode.carbon._enterprise import uscc as validate_uscc
from chaincode.carbon._operating import parse_declaration

SCRIPTS = Path(__file__).resolve().parents[3] / "scripts"


@pytest.fixture(scope="module")
def demo() -> object:
    sys.path.insert(0, str(SCRIPTS))
    try:
        import demo_common
        import demo_declare
        import demo_readings
        return type("Demo", (), {"common": demo_common, "readings": demo_readings,
                                 "declare": demo_declare})
    finally:
        sys.path.remove(str(SCRIPTS))


def test_the_month_file_parses_and_sums_to_what_the_demo_expects(demo: object,
                                                                 tmp_path: Path) -> None:
    common, readings = demo.common, demo.readings  # type: ignore[attr-defined]
    path = tmp_path / "month.csv"
    expected = readings.month_csv(path)
    sums: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    first = datetime.datetime.combine(common.PERIOD_START, datetime.time(), rd.CHINA)
    end = datetime.datetime.combine(common.PERIOD_END + datetime.timedelta(days=1),
                                    datetime.time(), rd.CHINA)
    with path.open(newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            reading = rd.parse_row(row, line)
            assert first <= reading.interval_start < end, (line, reading.interval_start)
            assert reading.interval_start.minute % 15 == 0
            sums[reading.uscc] += reading.quantity
            counts[reading.uscc] += 1
    days = (common.PERIOD_END - common.PERIOD_START).days + 1
    meters = sum(len(e.meters) for e in common.ENTERPRISES)
    assert sum(counts.values()) == days * 96 * meters
    assert {u: (sums[u], counts[u]) for u in sums} == expected


def test_usccs_declarations_and_industries_are_accepted(demo: object) -> None:
    common, declare = demo.common, demo.declare  # type: ignore[attr-defined]
    benchmarks = accounting.load_benchmark_set(accounting.DEFAULT_BENCHMARK_SET)
    for ent in common.ENTERPRISES:
        assert validate_uscc("uscc", ent.uscc) == ent.uscc
        doc = parse_declaration(declare.declaration(ent))
        assert doc["uscc"] == ent.uscc
        assert doc["period"] == {"start": str(common.PERIOD_START),
                                 "end": str(common.PERIOD_END)}
        assert ent.industry in benchmarks.industries, ent.industry
