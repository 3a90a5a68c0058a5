"""``python -m gateway.service``: the OpenAPI document without secrets, settings errors
named (exit 2), password hashes that the settings accept."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from gateway.service._passwords import verify_password

REPO = Path(__file__).resolve().parents[4]


def _run(*argv: str, stdin: str = "", env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    import os

    base = {k: v for k, v in os.environ.items() if not k.startswith("CARBONTRUST_SERVICE")}
    return subprocess.run([sys.executable, "-m", "gateway.service", *argv], cwd=REPO,
                          input=stdin, capture_output=True, text=True, timeout=60,
                          env={**base, **(env or {})})


def test_openapi_document_needs_no_secret() -> None:
    out = _run("openapi", "power")
    assert out.returncode == 0, out.stderr
    assert "/v1/ingest/jobs" in json.loads(out.stdout)["paths"]


def test_invalid_settings_exit_2_naming_the_field() -> None:
    out = _run("run", "bank", env={"CARBONTRUST_SERVICE_TOKEN_KEY": "short"})
    assert out.returncode == 2 and "token_key" in out.stderr
    out = _run("run", "bank", env={"CARBONTRUST_SERVICE_TOKEN_KEY": "k" * 40,
                                   "CARBONTRUST_SERVICE_USERS": json.dumps(
                                       {"ana": {"password_hash": "scrypt$x",
                                                "roles": ["registrar"]}})})
    assert out.returncode == 2 and "registrar" in out.stderr and "bank" in out.stderr


def test_hash_password_reads_stdin() -> None:
    out = _run("hash-password", stdin="s3cret\n")
    assert out.returncode == 0 and verify_password("s3cret", out.stdout.strip())
    assert _run("hash-password", stdin="").returncode == 2
