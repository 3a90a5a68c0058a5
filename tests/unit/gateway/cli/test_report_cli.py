"""``carbontrust verify`` is ``python -m verifier`` (the same contract, in-process), and
``carbontrust report issue`` checks its usage before dialling anything."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.unit.verifier.bundle_factory import make_honest
from tests.unit.verifier.verify_files import write

from .conftest import Result


def test_verify_valid_and_tampered(tmp_path: Path, run: Callable[..., Result]) -> None:
    f = write(make_honest(3, ("gz-ae-d1",)), tmp_path)
    done = run("verify", str(f["report"]), str(f["bundle"]), "--trust", str(f["trust"]))
    assert done.code == 0, done.err
    assert done.out.startswith("VALID CCR-") and len(done.out.splitlines()) == 1
    bundle = json.loads(f["bundle"].read_bytes())
    bundle["records"]["ratings"][0]["salt"] = "00" * 32
    f["bundle"].write_text(json.dumps(bundle))
    done = run("verify", str(f["report"]), str(f["bundle"]), "--trust", str(f["trust"]))
    assert done.code == 1 and done.err.startswith("OPENING rating 0"), done.err


def test_verify_unreadable_is_2(tmp_path: Path, run: Callable[..., Result]) -> None:
    done = run("verify", str(tmp_path / "r.json"), str(tmp_path / "b.json"), "--trust",
               str(tmp_path))
    assert done.code == 2 and done.err.startswith("UNREADABLE"), done.err


def test_report_issue_usage_checked_first(tmp_path: Path, run: Callable[..., Result]) -> None:
    done = run("report", "issue", "914403001922038216", "--from", "2023-01-01", "--to",
               "2024-03-31", "--out", str(tmp_path / "out"))
    assert done.code == 2 and "different years" in done.err, done.err
    assert not (tmp_path / "out").exists()
