"""Interoperability: our vc+jwt credentials verified by an independent implementation,
panva's ``jose`` (npm, pinned in node/package-lock.json) on Node's own X.509 code
(node/verify.mjs). Skips only when ``node`` is missing; installs the pinned package with
``npm ci`` when it is not installed yet."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ..pki import make_org
from . import factory as f

NODE_DIR = Path(__file__).parent / "node"
pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


@pytest.fixture(scope="module")
def node_jose() -> Path:
    if not (NODE_DIR / "node_modules" / "jose" / "package.json").exists():
        npm = shutil.which("npm")
        assert npm is not None, "node is installed but npm is not: cannot install jose"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(NODE_DIR)],
                       check=True, capture_output=True, timeout=300)
    return NODE_DIR / "verify.mjs"


def _node(script: Path, tmp_path: Path, token: str,
          root_pem: bytes) -> subprocess.CompletedProcess[str]:
    (tmp_path / "vc.jwt").write_text(token)
    (tmp_path / "root.pem").write_bytes(root_pem)
    return subprocess.run(["node", str(script), str(tmp_path / "vc.jwt"),
                           str(tmp_path / "root.pem")], capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("kind", ["attestation", "report"])
def test_jose_verifies_our_credentials(node_jose: Path, tmp_path: Path, kind: str) -> None:
    token, doc = f.issue() if kind == "attestation" else f.issue_report()
    org = f.certifier() if kind == "attestation" else f.regulator()
    out = _node(node_jose, tmp_path, token, org.ca.cert_pem)
    assert out.returncode == 0, out.stderr
    seen: dict[str, Any] = json.loads(out.stdout)
    assert seen["payload"] == doc                    # the payload is the credential itself
    assert seen["header"]["typ"] == "vc+jwt" and seen["header"]["alg"] == "ES256"
    assert seen["did"] == doc["issuer"]["id"]        # our did:x509, derived independently


def test_jose_refuses_a_tampered_credential(node_jose: Path, tmp_path: Path) -> None:
    token, doc = f.issue()
    h, _, s = token.split(".")
    doc["credentialSubject"]["attestation"]["opinion"] = "qualified"
    p = base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode()
    out = _node(node_jose, tmp_path, f"{h}.{p}.{s}", f.certifier().ca.cert_pem)
    assert out.returncode == 1 and "signature verification failed" in out.stderr, out.stderr


def test_jose_side_refuses_another_root(node_jose: Path, tmp_path: Path) -> None:
    token, _ = f.issue()
    out = _node(node_jose, tmp_path, token, make_org("CertifierMSP").ca.cert_pem)
    assert out.returncode == 1 and "trusted root" in out.stderr, out.stderr
