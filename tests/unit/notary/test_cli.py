"""``python -m notary``: the whole round trip a person would type."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from notary._cli import main

ROOT = Path(__file__).resolve().parents[3]
ORIGIN = "carbontrust.example/audit"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_append_checkpoint_cosign_prove_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path
    db = str(d / "log.db")
    rc, out, _ = _run(capsys, "keygen", "--name", ORIGIN, "--out", str(d / "log.key"))
    assert rc == 0 and out.startswith(ORIGIN + "+")
    (d / "log.vkey").write_text(out)
    for org in ("power", "bank"):
        rc, out, _ = _run(capsys, "keygen", "--name", f"{org}.example/w", "--cosigner",
                          "--out", str(d / f"{org}.key"))  # fmt: skip
        assert rc == 0
        (d / f"{org}.vkey").write_text(out)
    for name, data in (("e0", b"first"), ("e1", b"second\x00binary"), ("e2", b"third")):
        (d / name).write_bytes(data)
    rc, out, _ = _run(capsys, "append", "--db", db, str(d / "e0"), str(d / "e1"))
    assert rc == 0 and "size 2" in out
    cp = str(d / "cp")
    assert _run(capsys, "checkpoint", "--db", db, "--origin", ORIGIN,
                "--key", str(d / "log.key"), "--out", cp)[0] == 0  # fmt: skip
    for org in ("power", "bank"):
        assert _run(capsys, "cosign", "--db", db, "--key", str(d / f"{org}.key"),
                    "--log-key", str(d / "log.vkey"), "--state", str(d / f"{org}.state"),
                    "--time", "1800000000", "--out", cp, cp)[0] == 0  # fmt: skip
    bundle = str(d / "b.tlog-proof")
    assert _run(capsys, "prove", "--db", db, "--index", "1", "--checkpoint", cp,
                "--out", bundle)[0] == 0  # fmt: skip
    verify = ["verify", "--bundle", bundle, "--origin", ORIGIN, "--threshold", "2",
              "--witness", str(d / "power.vkey"), "--witness", str(d / "bank.vkey"),
              "--log-key", str(d / "log.vkey"), "--time", "1800000000"]  # fmt: skip
    rc, out, _ = _run(capsys, *verify, "--entry", str(d / "e1"))
    assert rc == 0 and out.startswith("OK: entry 1") and "bank.example/w" in out
    rc, _, err = _run(capsys, *verify, "--entry", str(d / "e0"))
    assert rc == 1 and "RootMismatchError" in err
    # the log grows; the old checkpoint is cosigned no more (rollback refused)
    assert _run(capsys, "append", "--db", db, str(d / "e2"))[0] == 0
    cp2 = str(d / "cp2")
    assert _run(capsys, "checkpoint", "--db", db, "--origin", ORIGIN,
                "--key", str(d / "log.key"), "--out", cp2)[0] == 0  # fmt: skip
    cosign = ["cosign", "--db", db, "--key", str(d / "power.key"),
              "--log-key", str(d / "log.vkey"), "--state", str(d / "power.state"),
              "--time", "1800000100"]  # fmt: skip
    assert _run(capsys, *cosign, "--out", cp2, cp2)[0] == 0
    rc, _, err = _run(capsys, *cosign, str(d / "cp"))
    assert rc == 1 and "RollbackError" in err
    # an organisation whose own copy of the log differs refuses to cosign
    other = str(d / "other.db")
    assert _run(capsys, "append", "--db", other, str(d / "e0"), str(d / "e2"))[0] == 0
    rc, _, err = _run(capsys, "cosign", "--db", other, "--key", str(d / "bank.key"),
                      "--log-key", str(d / "log.vkey"), "--state", str(d / "bank2.state"),
                      "--time", "1800000200", cp)  # fmt: skip
    assert rc == 1 and "RootMismatchError" in err
    # JSON bundle from the latest stored checkpoint (signed by the log only)
    rc, out, _ = _run(capsys, "prove", "--db", db, "--index", "2", "--json")
    assert rc == 0 and '"index": 2' in out


def test_module_entry_point_and_usage_errors(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "notary", "append", "--db", str(tmp_path / "l.db"), "--lines"],
        input=b"a\nb\n\nc\n", capture_output=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert b"appended 3 entries" in run.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "notary", "prove", "--db", str(tmp_path / "l.db"), "--index", "0"],
        capture_output=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert bad.returncode == 1 and b"no checkpoint stored" in bad.stderr
