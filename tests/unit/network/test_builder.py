"""The ccaas external builder, run as the peer runs it: executables with directory arguments."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

BIN = Path(__file__).resolve().parents[3] / "network" / "builder" / "bin"
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"


def step(name: str, *dirs: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / name), *map(str, dirs)], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin:/usr/local/bin"}, check=False)


def conn(**over) -> dict:
    base = {"address": "127.0.0.1:17104", "dial_timeout": "10s", "tls_required": True,
            "client_auth_required": True, "client_cert": PEM, "client_key": KEY,
            "root_cert": PEM}
    base.update(over)
    return base


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    src, meta, out, rel = (tmp_path / n for n in ("src", "meta", "out", "release"))
    for d in (src, meta):
        d.mkdir()
    return src, meta, out, rel


def test_detect_accepts_ccaas_only(dirs) -> None:
    src, meta, _, _ = dirs
    (meta / "metadata.json").write_text(json.dumps({"type": "ccaas", "label": "x"}))
    assert step("detect", src, meta).returncode == 0
    (meta / "metadata.json").write_text(json.dumps({"type": "golang", "label": "x"}))
    assert step("detect", src, meta).returncode == 1
    (meta / "metadata.json").write_text("not json")
    assert step("detect", src, meta).returncode == 1
    (meta / "metadata.json").unlink()
    assert step("detect", src, meta).returncode == 1


def test_build_then_release_places_connection_json(dirs) -> None:
    src, meta, out, rel = dirs
    (src / "connection.json").write_text(json.dumps(conn()))
    (src / "metadata" / "statedb").mkdir(parents=True)
    (src / "metadata" / "statedb" / "index.json").write_text("{}")
    r = step("build", src, meta, out)
    assert r.returncode == 0, r.stderr
    r = step("release", out, rel)
    assert r.returncode == 0, r.stderr
    released = json.loads((rel / "chaincode" / "server" / "connection.json").read_text())
    assert released == conn()
    assert (rel / "statedb" / "index.json").is_file()


@pytest.mark.parametrize("bad, needle", [
    ({"address": ""}, "'address'"),
    ({"address": "no-port"}, "'address'"),
    ({"address": "host:99999"}, "valid host and port"),
    ({"root_cert": ""}, "root_cert"),
    ({"client_key": ""}, "client_key"),
    ({"client_cert": "not pem"}, "client_cert"),
])
def test_build_refuses_unusable_connection_naming_the_field(dirs, bad, needle) -> None:
    src, meta, out, _ = dirs
    (src / "connection.json").write_text(json.dumps(conn(**bad)))
    r = step("build", src, meta, out)
    assert r.returncode == 1
    assert needle in r.stderr
    assert not (out / "connection.json").exists()


def test_build_without_connection_json_or_with_bad_json(dirs) -> None:
    src, meta, out, rel = dirs
    r = step("build", src, meta, out)
    assert r.returncode == 1 and "no connection.json" in r.stderr
    (src / "connection.json").write_text("{oops")
    r = step("build", src, meta, out)
    assert r.returncode == 1 and "not valid JSON" in r.stderr
    r = step("release", out, rel)
    assert r.returncode == 1 and "no connection.json" in r.stderr


def test_plain_tls_without_client_auth_needs_only_root_cert(dirs) -> None:
    src, meta, out, _ = dirs
    (src / "connection.json").write_text(json.dumps(
        {"address": "10.0.0.5:9999", "tls_required": True, "root_cert": PEM}))
    assert step("build", src, meta, out).returncode == 0


def test_wrong_argument_count_is_a_usage_error(dirs) -> None:
    src, _, _, _ = dirs
    r = step("build", src)
    assert r.returncode == 1 and "usage" in r.stderr
