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


def test_witness_state_keeps_every_log_and_refuses_a_torn_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = tmp_path
    _run(capsys, "keygen", "--name", "w.example/w", "--cosigner", "--out", str(d / "w.key"))
    state = str(d / "w.state")
    cps = {}
    for name in ("a", "b"):
        origin = f"{name}.example/log"
        rc, out, _ = _run(capsys, "keygen", "--name", origin, "--out", str(d / f"{name}.key"))
        (d / f"{name}.vkey").write_text(out)
        (d / "e").write_bytes(b"entry")
        db = str(d / f"{name}.db")
        for size in (1, 2):
            assert _run(capsys, "append", "--db", db, str(d / "e"))[0] == 0
            cps[name, size] = str(d / f"{name}{size}.cp")
            assert _run(capsys, "checkpoint", "--db", db, "--origin", origin,
                        "--key", str(d / f"{name}.key"), "--out", cps[name, size])[0] == 0

    def cosign(name: str, size: int, t: str) -> tuple[int, str, str]:
        return _run(capsys, "cosign", "--db", str(d / f"{name}.db"), "--key", str(d / "w.key"),
                    "--log-key", str(d / f"{name}.vkey"), "--state", state, "--time", t,
                    cps[name, size])

    assert cosign("a", 2, "1800000000")[0] == 0
    assert cosign("b", 2, "1800000000")[0] == 0  # another log: does not erase a's state
    rc, _, err = cosign("a", 1, "1800000001")
    assert rc == 1 and "RollbackError" in err
    rc, _, err = cosign("a", 2, "1799999999")  # a clock set back: bad input, exit 2
    assert rc == 2 and "before this witness's last one" in err
    Path(state).write_text('{"origins": {"a.example/log": {"checkp')  # torn by a crash
    rc, _, err = cosign("a", 2, "1800000002")
    assert rc == 1 and "unreadable" in err
