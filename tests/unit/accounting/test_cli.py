"""The command line: canonical JSON out, readable tables, exit 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import accounting
from accounting._cli import main

from .util import ISSUE_EXAMPLE, REPO


@pytest.fixture
def example(tmp_path):
    path = tmp_path / "period.json"
    path.write_text(json.dumps(ISSUE_EXAMPLE, indent=2))
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_compute_prints_canonical_json(capsys, example):
    status, out, err = run(capsys, "compute", str(example))
    assert status == 0 and err == ""
    assert out.encode() == accounting.compute(ISSUE_EXAMPLE).to_json() + b"\n"


def test_compute_table(capsys, example):
    status, out, _ = run(capsys, "compute", str(example), "--table")
    assert status == 0
    assert "bituminous_coal" in out and "942.262" in out and "absent" in out


def test_rate_adds_ratings(capsys, example):
    status, out, _ = run(capsys, "rate", str(example))
    data = json.loads(out)
    assert status == 0
    assert [r["rule_set"]["version"] for r in data["ratings"]] == list(
        accounting.DEFAULT_RULE_SETS)
    status, out, _ = run(capsys, "rate", str(example), "--table")
    assert "Zhejiang" in out and "not sourced" in out


def test_csv_activity_lines(capsys, tmp_path):
    path = tmp_path / "lines.csv"
    path.write_text("source,quantity,unit,region\nelectricity,1000,MWh,\n"
                    "electricity,1000,MWh,southwest\nheat,10,GJ,\n")
    status, out, err = run(capsys, "compute", str(path), "--enterprise-id", "E1",
                           "--region", "southern", "--start", "2022-01-01", "--end",
                           "2022-12-31", "--factor-set", "cn-2022",
                           "--denominator", "value_added=100:10^4 CNY")
    assert status == 0, err
    data = json.loads(out)
    # 386.9 + 226.8 (southwest 2022: 0.2268) + 1.1
    assert data["total_tco2e"] == "614.800"
    assert data["intensities"]["value_added"]["value"] == "6.148000"


def test_factors_listing_and_one_set(capsys):
    status, out, _ = run(capsys, "factors")
    versions = [s["version"] for s in json.loads(out)["factor_sets"]]
    assert status == 0 and versions == accounting.factor_set_versions()
    status, out, _ = run(capsys, "factors", "--set", "cn-2022")
    data = json.loads(out)
    southern = [r for r in data["factors"] if r["id"] == "grid.southern"][0]
    assert southern["value"] == "0.3869" and "Ecology and Environment" in southern["source"]


def test_factors_listing_points_from_each_first_release_to_its_revision(capsys):
    status, out, _ = run(capsys, "factors")
    sets = {s["version"]: s for s in json.loads(out)["factor_sets"]}
    for year in (2021, 2022, 2023):
        assert sets[f"cn-{year}"]["superseded_by"] == f"cn-{year}.1"
        assert sets[f"cn-{year}.1"]["supersedes"] == f"cn-{year}"
        assert "superseded_by" not in sets[f"cn-{year}.1"]


def test_rules_and_personal(capsys, tmp_path):
    status, out, _ = run(capsys, "rules", "--set", "zj-ce-2023")
    assert status == 0 and json.loads(out)["rule_sets"][0]["sourced"] is True
    path = tmp_path / "person.json"
    path.write_text(json.dumps({"behaviours": {"bus": {"baseline": "3", "actual": "1"}},
                                "population": ["0", "1", "5"]}))
    status, out, _ = run(capsys, "rate-personal", str(path))
    assert status == 0 and json.loads(out)["label"] == "medium_green"  # 1 of 3 better


BAD = [
    ('{"activity": [', "not valid JSON"),
    ('{"a": 1, "a": 2}', "duplicate key"),
    (json.dumps({**ISSUE_EXAMPLE, "factor_set": "cn-1999"}), "factor_set: got 'cn-1999'"),
    (json.dumps({**ISSUE_EXAMPLE, "activity": [{"source": "electricity", "quantity": 1.5,
                                                "unit": "MWh"}]}),
     "activity[0].quantity: got 1.5"),
    (json.dumps({**ISSUE_EXAMPLE, "period": {"start": "2023-13-01", "end": "2023-12-31"}}),
     "period.start: got '2023-13-01'"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_input_exits_2_with_a_message(capsys, tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    status, out, err = run(capsys, "compute", str(path))
    assert status == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_missing_file_and_csv_options(capsys, tmp_path):
    status, _, err = run(capsys, "compute", str(tmp_path / "nope.json"))
    assert status == 2 and "cannot read" in err
    csv_path = tmp_path / "x.csv"
    csv_path.write_text("source,quantity,unit\n")
    status, _, err = run(capsys, "compute", str(csv_path))
    assert status == 2 and "--enterprise-id" in err


def test_real_process_exit_status_and_no_traceback(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**ISSUE_EXAMPLE, "activity": [
        {"source": "electricity", "quantity": "5", "unit": "kg"}]}))
    proc = subprocess.run([sys.executable, "-m", "accounting", "compute", str(path)],
                          cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: activity[0].unit: got 'kg'")
    assert "Traceback" not in proc.stderr and proc.stdout == ""
