"""``python -m verifier REPORT BUNDLE --trust DIR [--pdf PDF]``: exit 0 and one VALID line;
1 and the reason code first on stderr; 2 for unreadable input; never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from .bundle_factory import Honest, make_honest
from .verify_files import write

ROOT = Path(__file__).resolve().parents[3]


@cache
def honest() -> Honest:
    return make_honest(3, ("gz-ae-d1",))


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "verifier", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_valid_report_exit_0_one_line(tmp_path: Path) -> None:
    f = write(honest(), tmp_path, pdf=True)
    done = _run(f["report"], f["bundle"], "--trust", f["trust"], "--pdf", f["pdf"])
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("VALID CCR-")
    assert "PDF (" in lines[0] and done.stderr == ""


def test_tampered_report_exit_1_with_reason(tmp_path: Path) -> None:
    f = write(honest(), tmp_path)
    report = json.loads(f["report"].read_bytes())
    report["emissions"]["total_tco2e"] = "1.000"
    f["report"].write_text(json.dumps(report))
    done = _run(f["report"], f["bundle"], "--trust", f["trust"])
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("REPORT_DIGEST "), done.stderr


def test_other_pdf_exit_1_pdf(tmp_path: Path) -> None:
    f = write(honest(), tmp_path, pdf=True)
    data = bytearray(f["pdf"].read_bytes())
    data += b"\n% appended\n"
    f["pdf"].write_bytes(bytes(data))
    done = _run(f["report"], f["bundle"], "--trust", f["trust"], "--pdf", f["pdf"])
    assert done.returncode == 1 and done.stderr.startswith("PDF "), done.stderr


@pytest.mark.parametrize("case", ["missing report", "bundle not json", "no trust dir",
                                  "usage"])
def test_unreadable_input_exit_2(tmp_path: Path, case: str) -> None:
    f = write(honest(), tmp_path)
    if case == "missing report":
        args: list[str | Path] = [tmp_path / "nope.json", f["bundle"], "--trust", f["trust"]]
    elif case == "bundle not json":
        f["bundle"].write_bytes(b"\x00\x01 not json")
        args = [f["report"], f["bundle"], "--trust", f["trust"]]
    elif case == "no trust dir":
        args = [f["report"], f["bundle"], "--trust", tmp_path / "none"]
    else:
        args = [f["report"]]
    done = _run(*args)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stdout == ""


def test_verifying_imports_no_gateway_network_or_chaincode(tmp_path: Path) -> None:
    f = write(honest(), tmp_path, pdf=True)
    code = ("import runpy, sys\n"
            f"sys.argv = ['verifier', {str(f['report'])!r}, {str(f['bundle'])!r}, '--trust', "
            f"{str(f['trust'])!r}, '--pdf', {str(f['pdf'])!r}]\n"
            "try:\n    runpy.run_module('verifier', run_name='__main__')\n"
            "except SystemExit as e:\n    assert e.code == 0, e.code\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('gateway', 'network', 'chaincode'))\n"
            "print('IMPURE', bad) if bad else print('PURE')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "PURE", done.stdout
