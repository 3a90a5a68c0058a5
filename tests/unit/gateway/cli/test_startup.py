"""``carbontrust --help`` imports neither the Fabric client nor Rich; every entry point runs.

Checked in a fresh interpreter (``sys.modules`` of the test process already holds grpc).
The time it takes is printed by ``bench/bench_cli.py``, never asserted here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import gateway

REPO = Path(__file__).resolve().parents[4]
HEAVY = ("grpc", "fabric_protos", "google.protobuf", "cryptography", "rich")

PROBE = """
import json, sys
from gateway.cli import main
code = main(sys.argv[1:])
heavy = sorted({m.split(".")[0] if not m.startswith("google.protobuf") else "google.protobuf"
                for m in sys.modules if m.split(".")[0] in ("grpc", "fabric_protos",
                "cryptography", "rich") or m.startswith("google.protobuf")})
print(json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
"""


def probe(*argv: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=REPO, capture_output=True,
                          text=True, timeout=60, check=False)
    return json.loads(proc.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [
    ["--help"], ["enterprise", "--help"], ["enterprise", "register", "--help"],
    ["meter", "add", "--help"], ["governance", "--help"], ["identity", "whoami", "--help"],
    ["--version"],
])
def test_help_imports_nothing_heavy(argv):
    result = probe(*argv)
    assert result == {"code": 0, "heavy": []}


def test_a_usage_error_imports_nothing_heavy():
    assert probe("enterprise", "show") == {"code": 2, "heavy": []}


def test_import_gateway_is_light_and_every_name_still_resolves():
    code = ("import sys, gateway; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('grpc', 'fabric_protos', 'cryptography')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    assert out.strip() == "[]"
    for name in gateway.__all__:
        assert getattr(gateway, name) is not None, name
    assert set(gateway.__all__) <= set(dir(gateway))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        gateway.nope  # noqa: B018


def test_python_m_gateway_cli_and_exit_status(tmp_path: Path):
    env = {"PATH": "/usr/bin:/bin", "CARBONTRUST_RUN_DIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-m", "gateway.cli", "enterprise", "show",
                           "91350100M000100Y43"], cwd=REPO, capture_output=True, text=True,
                          timeout=60, env=env, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: no connection profile at ") and proc.stdout == ""
    assert "Traceback" not in proc.stderr


def test_undecodable_argv_bytes_exit_2(tmp_path: Path):
    """Bytes that are not UTF-8 on the real command line (os.fsencode round trip)."""
    env = {"PATH": "/usr/bin:/bin", "CARBONTRUST_RUN_DIR": str(tmp_path), "LC_ALL": "C.UTF-8"}
    proc = subprocess.run([sys.executable.encode(), b"-m", b"gateway.cli", b"enterprise",
                           b"register", b"--uscc", b"91350100M000100Y43", b"--name", b"\xff\xfe",
                           b"--industry", b"1", b"--region", b"east"], cwd=REPO,
                          capture_output=True, timeout=60, env=env, check=False)
    assert proc.returncode == 2, proc.stderr
    assert b"--name" in proc.stderr and b"not UTF-8" in proc.stderr
    assert b"Traceback" not in proc.stderr


def test_stdout_closed_by_its_reader_exits_141_quietly():
    """`carbontrust --help | head -0`: 128 + SIGPIPE, no 'Exception ignored' noise."""
    proc = subprocess.Popen([sys.executable, "-m", "gateway.cli", "enterprise", "--help"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141
    assert err == b""


def test_lazy_listing_matches_the_groups_it_stands_for():
    """The short help kept in the root's table (so --help imports nothing) is each group's."""
    import click

    from gateway.cli._lazy import LazyGroup
    from gateway.cli._root import GROUPS, carbontrust

    assert isinstance(carbontrust, LazyGroup)
    ctx = click.Context(carbontrust)
    for name, (_path, short) in GROUPS.items():
        group = carbontrust.get_command(ctx, name)
        assert isinstance(group, click.Command), name   # a group, or one command (attest)
        assert group.get_short_help_str(limit=200) == short, name
