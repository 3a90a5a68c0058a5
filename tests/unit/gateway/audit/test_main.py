"""python -m gateway.audit follow: unusable arguments, profile, key or store exit 2 and
nothing is connected or written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.audit import AuditStore, StoreCorruptError
from gateway.audit.__main__ import main
from gateway.audit._follower import load_or_create_key


def profile(tmp_path: Path) -> Path:
    (tmp_path / "cert.pem").write_bytes(b"cert")
    (tmp_path / "key.pem").write_bytes(b"key")
    info = {"channel": "carbon", "chaincode": "carbon", "orgs": {"PowerMSP": {
        "users": {"Admin": {"cert": str(tmp_path / "cert.pem"),
                            "key": str(tmp_path / "key.pem")}}}}}
    path = tmp_path / "connection.json"
    path.write_text(json.dumps(info))
    return path


def run(tmp_path: Path, *extra: str) -> int:
    return main(["follow", "--profile", str(profile(tmp_path)), "--as", "PowerMSP",
                 "--store", str(tmp_path / "store"), *extra])


def test_bad_cadence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(tmp_path, "--cadence", "0,5") == 2
    assert "seconds and entries must be >= 1" in capsys.readouterr().err


def test_unknown_org_and_missing_profile(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["follow", "--profile", str(profile(tmp_path)), "--as", "BankMSP",
                 "--store", str(tmp_path / "s")]) == 2
    assert main(["follow", "--profile", str(tmp_path / "none.json"), "--as", "PowerMSP",
                 "--store", str(tmp_path / "s")]) == 2
    assert "cannot start the follower" in capsys.readouterr().err


def test_corrupt_store_is_refused_not_repaired(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    with AuditStore.open(tmp_path / "store" / "audit.db", sync=True) as s:
        s.log.append([b"a leaf no entry row holds"])
    assert run(tmp_path) == 2
    with pytest.raises(StoreCorruptError):  # left as it was: evidence, not repaired
        AuditStore.open(tmp_path / "store" / "audit.db")


def test_world_readable_key_is_refused(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    load_or_create_key(tmp_path / "store", "PowerMSP")
    (tmp_path / "store" / "notary.key").chmod(0o644)
    assert run(tmp_path) == 2
    assert "must be 0600" in capsys.readouterr().err
