"""python -m gateway.audit follow: unusable arguments, profile, key or store exit 2 and
nothing is connected or written; where the log lives (DIR/audit.db or --database URL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.audit import AuditStore, StoreCorruptError
from gateway.audit.__main__ import DATABASE_POINTER, main, record_database
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


def test_a_service_store_without_the_logs_tables_exits_2_naming_the_migration(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gateway.service.store import Store, migrate

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    service = Store(url)
    migrate(service.engine, "0002", down=True)
    service.close()
    assert run(tmp_path, "--database", url) == 2
    assert "migration 0003" in capsys.readouterr().err
    assert not (tmp_path / "store" / "audit.db").exists()  # no log of its own made instead
    assert not (tmp_path / "store" / DATABASE_POINTER).exists()


def test_the_database_pointer_names_the_log_only_while_it_lives_there(tmp_path: Path) -> None:
    url = "postgresql+psycopg://notary:pw@/org?host=/run/pg"
    record_database(tmp_path, url)
    pointer = tmp_path / DATABASE_POINTER
    assert pointer.read_text() == url + "\n" and pointer.stat().st_mode & 0o777 == 0o600
    record_database(tmp_path, None)  # back to DIR/audit.db
    assert not pointer.exists()
