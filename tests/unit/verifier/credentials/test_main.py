"""python -m verifier.credentials: offline verify with a snapshot; exit 0, 1, 2."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from verifier.credentials import make_snapshot
from verifier.credentials.__main__ import main

from ..pki import orgs
from . import factory as f


def _files(tmp: Path, status: str = "active") -> tuple[Path, Path, Path]:
    token, doc = f.issue(valid_from=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    (tmp / "vc.jwt").write_text(token)
    roots = tmp / "roots"
    roots.mkdir()
    for mspid, org in orgs().items():
        (roots / f"{mspid}.pem").write_bytes(org.ca.cert_pem)
    entry = doc["credentialStatus"]
    answer = f.LedgerStatus().of(doc, status=status)(entry)
    snap = make_snapshot([(entry, answer)], dt.datetime.now(dt.UTC))
    (tmp / "status.json").write_text(json.dumps(snap))
    return tmp / "vc.jwt", roots, tmp / "status.json"


def _run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "verifier.credentials", *map(str, argv)],
                          capture_output=True, text=True, timeout=60)


def test_valid_offline(tmp_path: Path) -> None:
    vc, roots, snap = _files(tmp_path)
    out = _run("verify", vc, "--trust", roots, "--status", snap)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("VALID attestation credential") and "snapshot of" in out.stdout
    shown = _run("show", vc)
    assert json.loads(shown.stdout)["type"][1] == "CarbonTrustAttestationCredential"


def test_withdrawn_is_refused_and_unreadable_is_2(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    vc, roots, snap = _files(tmp_path, status="withdrawn")
    assert main(["verify", str(vc), "--trust", str(roots), "--status", str(snap)]) == 1
    assert capsys.readouterr().err.startswith("STATUS_WITHDRAWN ")
    for argv in (["verify", str(vc), "--trust", str(tmp_path / "none"), "--status", str(snap)],
                 ["verify", str(vc), "--trust", str(roots), "--status", str(vc)],
                 ["verify", str(tmp_path / "none.jwt"), "--trust", str(roots), "--status",
                  str(snap)],
                 ["verify", str(vc), "--trust", str(roots)]):
        assert main(argv) == 2, argv
        assert "Traceback" not in capsys.readouterr().err
