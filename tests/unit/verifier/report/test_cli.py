"""python -m verifier.report: exit 0 done, 1 refused with the reason, 2 unreadable input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from verifier.report import canonical_bytes
from verifier.report.__main__ import main


@pytest.fixture
def files(sample_report: dict[str, Any], tmp_path: Path) -> tuple[Path, Path]:
    js = tmp_path / "report.json"
    js.write_bytes(canonical_bytes(sample_report))
    pdf = tmp_path / "report.pdf"
    assert main(["render", str(js), "-o", str(pdf)]) == 0
    return js, pdf


def test_render_check_extract(files: tuple[Path, Path], sample_report: dict[str, Any],
                              capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    js, pdf = files
    capsys.readouterr()
    assert main(["check", str(pdf), str(js)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"ok: {pdf} is the rendering of {sample_report['report']['id']}")
    back = tmp_path / "back.json"
    assert main(["extract", str(pdf), "-o", str(back)]) == 0
    assert back.read_bytes() == js.read_bytes()


def test_check_refuses_with_the_field(files: tuple[Path, Path],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    js, pdf = files
    other = json.loads(js.read_bytes())
    other["rating"]["ratings"][0]["label"] = "A"
    js.write_bytes(canonical_bytes(other))
    capsys.readouterr()
    assert main(["check", str(pdf), str(js)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("refused: pdf.report.json.rating.ratings[0].label")


@pytest.mark.parametrize("bad", ["missing", "notjson", "notpdf"])
def test_unreadable_input_is_2(bad: str, files: tuple[Path, Path], tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    js, pdf = files
    if bad == "missing":
        args = ["check", str(tmp_path / "nope.pdf"), str(js)]
    elif bad == "notjson":
        js.write_bytes(b"{not json")
        args = ["check", str(pdf), str(js)]
    else:
        pdf.write_bytes(b"not a pdf")
        args = ["check", str(pdf), str(js)]
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_schema_and_module_entry(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "verifier.report", "schema"],
                          capture_output=True, check=True)
    assert json.loads(done.stdout)["$id"] == "urn:carbontrust:schema:carbon-credit-report:1.0"
    bad = subprocess.run([sys.executable, "-m", "verifier.report", "render",
                          str(tmp_path / "none.json"), "-o", str(tmp_path / "x.pdf")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
