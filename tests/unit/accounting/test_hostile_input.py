"""Hostile input at every entry point: result or AccountingError, CLI exit 2, one line.

Issue 9: a JSON tree nested 100,000 deep, an integer over 4,300 digits and a
lone surrogate crashed the CLI with a traceback (exit 1, which ``verify``
uses for "mismatch"), and the surrogate escaped ``compute``/``rate_personal``
as UnicodeEncodeError.  NUL and bidi override characters passed in ids, and a
CSV written with a UTF-8 BOM failed on "column '\\ufeffsource'".
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from typing import Any

import pytest

import accounting
from accounting import AccountingError, InputError

from .util import ISSUE_EXAMPLE, REPO

DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 100_000 + "1" + "}" * 100_000
BIG_INT = '{"enterprise": {"id": "E1"}, "population": ' + "7" * 4301 + "}"


def _with(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    d = copy.deepcopy(ISSUE_EXAMPLE)
    target: Any = d
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return d


def _surrogate_doc() -> str:
    return json.dumps(_with(("activity", 0, "label"), "boiler \ud800"))


HOSTILE = {
    "deep-array": DEEP_ARRAY,
    "deep-object": DEEP_OBJECT,
    "deep-in-field": json.dumps(_with(("enterprise",), None)).replace(
        "null", "[" * 200 + "]" * 200),
    "big-int": BIG_INT,
    "big-int-in-field": json.dumps(_with(("factor_set",), 0)).replace(
        '"factor_set": 0', '"factor_set": ' + "9" * 5000),
    "surrogate-label": _surrogate_doc(),
    "surrogate-id": json.dumps(_with(("enterprise", "id"), "\udfff")),
    "surrogate-key": json.dumps(_with(("enterprise", "\ud800"), "x")),
}


def _cli(*argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "accounting", *argv], cwd=REPO,
                          capture_output=True, text=True, input=stdin, timeout=120,
                          check=False)


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("command", ["compute", "rate", "rate-personal", "verify"])
def test_cli_exits_2_with_one_line_on_hostile_json(tmp_path, name, command):
    path = tmp_path / "input.json"
    path.write_text(HOSTILE[name], encoding="utf-8")
    argv = [command, str(path)]
    if command == "verify":
        claimed = tmp_path / "claimed.json"
        claimed.write_bytes(accounting.compute(ISSUE_EXAMPLE).to_json())
        argv.append(str(claimed))
    proc = _cli(*argv)
    assert proc.returncode == 2, proc.stderr[-400:]
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ")
    assert proc.stdout == ""


@pytest.mark.parametrize("name", ["deep-array", "big-int", "surrogate"])
def test_verify_exits_2_when_the_claimed_result_is_hostile(tmp_path, name):
    good = tmp_path / "input.json"
    good.write_text(json.dumps(ISSUE_EXAMPLE))
    claimed = tmp_path / "claimed.json"
    claimed.write_text({"deep-array": DEEP_ARRAY, "big-int": "7" * 5000,
                        "surrogate": '{"label":"\\ud800"}'}[name])
    proc = _cli("verify", str(good), str(claimed))
    assert proc.returncode == 2, proc.stderr[-400:]
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_stdin_hostile_input_exits_2():
    proc = _cli("compute", "-", stdin=_surrogate_doc())
    assert proc.returncode == 2 and "activity[0].label" in proc.stderr


@pytest.mark.parametrize("entry", ["compute", "rate", "inputs_digest", "verify_result"])
@pytest.mark.parametrize("path", [("activity", 0, "label"), ("enterprise", "id"),
                                  ("enterprise", "name"), ("benchmark_set",),
                                  ("activity", 0, "unit"), ("activity", 0, "source"),
                                  ("denominators", "product_output", "unit")])
def test_lone_surrogate_is_an_input_error_at_every_library_entry(entry, path):
    if path[0] == "denominators":
        d = _with(("denominators", "product_output"), {"quantity": "5", "unit": "t\ud800"})
    else:
        d = _with(path, "x\ud800")
    with pytest.raises(InputError) as caught:
        if entry == "verify_result":
            accounting.verify_result(d, accounting.compute(ISSUE_EXAMPLE).to_json())
        else:
            getattr(accounting, entry)(d)
    str(caught.value).encode("utf-8")  # the message itself is printable


def test_lone_surrogate_in_rate_personal_is_an_input_error():
    good = {"commute": {"baseline": "2", "actual": "1"}}
    for behaviours, population in [({"\ud800": {"baseline": "2", "actual": "1"}}, ["1"]),
                                   (good, ["1", "\udc00"])]:
        with pytest.raises(AccountingError):
            accounting.rate_personal(behaviours, population)


def test_deep_and_huge_values_in_library_calls_are_accounting_errors():
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    for d in (_with(("enterprise",), deep), _with(("activity", 0), deep),
              _with(("factor_set",), deep), _with(("activity", 0, "quantity"), 10**5000),
              _with(("enterprise", "id"), 10**5000)):
        with pytest.raises(AccountingError) as caught:
            accounting.compute(d)
        str(caught.value)
    with pytest.raises(AccountingError):
        accounting.inputs_digest(_with(("enterprise",), deep))
    with pytest.raises(AccountingError):
        accounting.rate_personal({"a": {"baseline": "1", "actual": "0"}}, [deep])


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x85", "\u202e", "\u202d",
                                  "\u2066", "\u200b", "\u200f", "\ufeff", "\u2028"])
@pytest.mark.parametrize("path", [("enterprise", "id"), ("enterprise", "industry"),
                                  ("enterprise", "name"), ("activity", 0, "label")])
def test_control_and_bidi_characters_are_refused_in_ids(char, path):
    d = _with(path, f"9144{char}0101")
    with pytest.raises(InputError) as caught:
        accounting.compute(d)
    assert caught.value.field == ".".join(str(p) for p in path).replace(".0.", "[0].")
    assert f"U+{ord(char):04X}" in caught.value.detail


def test_control_characters_are_refused_in_behaviour_names():
    with pytest.raises(InputError) as caught:
        accounting.rate_personal({"bus\u202e": {"baseline": "1", "actual": "0"}}, ["1"])
    assert "U+202E" in caught.value.detail


def test_ordinary_unicode_ids_still_pass():
    d = _with(("enterprise", "name"), "广州某某制造有限公司 (Guangzhou) – Ünïcode")
    assert accounting.compute(d).enterprise["name"].startswith("广州")


def test_csv_with_a_utf8_bom_is_read(tmp_path, capsys):
    from accounting._cli import main

    path = tmp_path / "lines.csv"
    path.write_bytes("\ufeffsource,quantity,unit\nelectricity,1000,MWh\n".encode())
    status = main(["compute", str(path), "--enterprise-id", "E1", "--region", "southern",
                   "--start", "2022-01-01", "--end", "2022-12-31", "--factor-set",
                   "cn-2022"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert json.loads(out)["total_tco2e"] == "386.900"


def test_json_with_a_utf8_bom_is_read(tmp_path, capsys):
    from accounting._cli import main

    path = tmp_path / "period.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(ISSUE_EXAMPLE).encode())
    assert main(["compute", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["inputs_digest"] == \
        accounting.inputs_digest(ISSUE_EXAMPLE)


@pytest.mark.parametrize("option", ["--enterprise-id", "--region", "--factor-set",
                                    "--denominator"])
def test_undecodable_command_line_arguments_exit_2(tmp_path, option):
    """Bytes that are not UTF-8 reach Python as lone surrogates (surrogateescape)."""
    path = tmp_path / "lines.csv"
    path.write_text("source,quantity,unit\nelectricity,1,MWh\n")
    values = {"--enterprise-id": "E1", "--region": "southern", "--factor-set": "cn-2023",
              "--denominator": "product_output=5:t"}
    values[option] = values[option][:-1] + "\udcff"
    argv = [sys.executable.encode(), b"-m", b"accounting", b"compute", str(path).encode(),
            b"--start", b"2023-01-01", b"--end", b"2023-12-31"]
    for key, value in values.items():
        argv += [key.encode(), value.encode("utf-8", "surrogateescape")]
    proc = subprocess.run(argv, cwd=REPO, capture_output=True, timeout=120, check=False)
    assert proc.returncode == 2, proc.stderr[-400:]
    assert b"Traceback" not in proc.stderr and proc.stderr.count(b"\n") == 1
