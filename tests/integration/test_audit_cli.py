"""``carbontrust audit`` on real peers with their notary followers (issue 12).

The installed console script against a fresh network of this module's own (PORT_BASE),
whose four followers log, cosign and anchor on a short cadence: the history of an enterprise
(each version with its transaction, block, creator and value), the proof of a transaction
checked offline with ``notary`` and bindings checked against the MSP roots, a time-range
export and an enterprise (``--uscc``) export checked with ``audit check --trust`` against a
roots directory built from the run dir's channel MSP folders (and equal to the one ``audit
roots`` writes from the peer's channel configuration), and a tampered copy refused naming
its reason.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import notary
from gateway.audit import AuditStore
from verifier import THRESHOLD, check_binding_chain, load_msp_roots, origin

from .carbon_world import carbon_network, new_uscc, next_number

PORT_BASE = 18500
REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "carbontrust"
COMMAND = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "gateway.cli"]
TX = re.compile(r"\(transaction ([0-9a-f]{64})\)")


@pytest.fixture(scope="module")
def run_dir() -> Iterator[Path]:
    old = os.environ.get("CARBONTRUST_AUDIT_CADENCE")
    os.environ["CARBONTRUST_AUDIT_CADENCE"] = "2,20"
    try:
        for net in carbon_network("it-test_audit_cli", PORT_BASE):
            yield net.run_dir
    finally:
        if old is None:
            os.environ.pop("CARBONTRUST_AUDIT_CADENCE", None)
        else:
            os.environ["CARBONTRUST_AUDIT_CADENCE"] = old


def cli(run_dir: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARBONTRUST_RUN_DIR": str(run_dir)}
    env.pop("CARBONTRUST_PROFILE", None)
    proc = subprocess.run([*COMMAND, *argv], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def submitted(run_dir: Path, *argv: str) -> str:
    proc = cli(run_dir, *argv)
    assert proc.returncode == 0, proc.stderr
    found = TX.search(proc.stderr)
    assert found, proc.stderr
    return found.group(1)


def msp_roots_from_run_dir(run_dir: Path, out: Path) -> Path:
    """The MSP roots directory a third party trusts, from the MSP folders the channel
    configuration was made from (``<run dir>/crypto/peerOrganizations/<domain>/msp``):
    one ``<MSP id>.pem`` holding the organisation's root CA certificates."""
    info = json.loads((run_dir / "connection.json").read_text())
    out.mkdir(parents=True, exist_ok=True)
    for mspid, org in info["orgs"].items():
        domain = org["peer_host"].split(".", 1)[1]
        cacerts = run_dir / "crypto" / "peerOrganizations" / domain / "msp" / "cacerts"
        pems = sorted(cacerts.glob("*.pem"))
        assert pems, cacerts
        (out / f"{mspid}.pem").write_bytes(b"".join(p.read_bytes() for p in pems))
    return out


def wait_anchored(run_dir: Path, org_key: str, tx_id: str, timeout: float = 120) -> None:
    """Until the org's follower has seen an anchor covering ``tx_id``'s entry."""
    deadline = time.monotonic() + timeout
    path = run_dir / "notary" / org_key / "audit.db"
    while True:
        if path.is_file():
            with AuditStore.open(path) as s:
                row, anchor = s.entry_by_tx(tx_id), s.latest_anchor()
                if row is not None and anchor is not None and row.index < anchor.size:
                    return
        assert time.monotonic() < deadline, f"{tx_id} not anchored in {org_key}'s store"
        time.sleep(0.5)


def export_when_anchored(run_dir: Path, *argv: str, timeout: float = 120
                         ) -> subprocess.CompletedProcess[str]:
    """``audit export`` again while it answers NOT_ANCHORED (the range reaches past the
    latest anchor: the next one comes within the cadence)."""
    deadline = time.monotonic() + timeout
    while True:
        proc = cli(run_dir, "audit", "export", *argv)
        if proc.returncode != 1 or "NOT_ANCHORED" not in proc.stderr:
            return proc
        assert time.monotonic() < deadline, proc.stderr
        time.sleep(1)


def test_history_prove_export_check(run_dir: Path, tmp_path: Path) -> None:
    e1, e2 = new_uscc(next_number()), new_uscc(next_number())
    reg = submitted(run_dir, "enterprise", "register", "--uscc", e1, "--name", "Audit Steel",
                    "--industry", "C3110", "--region", "east")
    meter = submitted(run_dir, "meter", "add", "--uscc", e1, "--meter", f"M-A{next_number()}")
    other = submitted(run_dir, "enterprise", "register", "--uscc", e2, "--name", "Other Co",
                      "--industry", "C3110", "--region", "east")
    upd = submitted(run_dir, "enterprise", "update", e1, "--name", "Audit Steel Co")
    wait_anchored(run_dir, "regulator", upd)

    # history: each version with its transaction, block, creator, entry and value
    proc = cli(run_dir, "audit", "history", "enterprise", e1)
    assert proc.returncode == 0, proc.stderr
    hist = json.loads(proc.stdout)
    versions = hist["versions"]
    assert [v["tx_id"] for v in versions] == [reg, meter, upd]
    assert [v["value"]["version"] for v in versions] == [1, 2, 3]
    assert versions[-1]["value"]["name"] == "Audit Steel Co"
    assert all(v["creator"]["mspid"] == "RegulatorMSP" and v["anchored"] for v in versions)
    assert [v["entry"]["entry"] for v in versions] == [
        "registry.register_enterprise", "registry.add_meter", "registry.update_enterprise"]
    assert versions[0]["block"] < versions[1]["block"] < versions[2]["block"]
    assert hist["not_in_log"] == []
    bank = json.loads(cli(run_dir, "audit", "history", "enterprise", e1, "--as",
                          "BankMSP").stdout)  # the bank's own follower: the same log
    assert [(v["index"], v["tx_id"]) for v in bank["versions"]] == \
        [(v["index"], v["tx_id"]) for v in versions]

    # the MSP roots: from the run dir's channel MSP, and as the peer's configuration says
    roots_dir = msp_roots_from_run_dir(run_dir, tmp_path / "roots")
    proc = cli(run_dir, "audit", "roots", "--out", str(tmp_path / "peer-roots"))
    assert proc.returncode == 0, proc.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "peer-roots").iterdir()} == \
        {p.name: p.read_bytes() for p in roots_dir.iterdir()}
    roots = load_msp_roots(roots_dir)

    # prove: a bundle a third party checks with notary and the bindings under the roots
    proc = cli(run_dir, "audit", "prove", reg, "--as", "PowerMSP")
    assert proc.returncode == 0, proc.stderr
    proof = json.loads(proc.stdout)
    verifiers = tuple(check_binding_chain(b, roots) for b in proof["key_bindings"])
    policy = notary.Policy(origin("carbon"), verifiers, THRESHOLD)
    verified = notary.verify_bundle(notary.ProofBundle.from_text(proof["bundle"]),
                                    proof["leaf"].encode("utf-8"), policy)
    assert verified.checkpoint.size > proof["index"]
    assert json.loads(proof["leaf"])["tx_id"] == reg
    proc = cli(run_dir, "audit", "prove", "0" * 64)
    assert proc.returncode == 1 and "0" * 64 in proc.stderr

    # export a time range, and one enterprise's entries; both check offline
    t_from, t_to = versions[0]["timestamp"], versions[-1]["timestamp"]
    out = tmp_path / "range.json"
    proc = export_when_anchored(run_dir, "--from", t_from, "--to", t_to, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    x = json.loads(out.read_text())
    shown = {json.loads(e["leaf"])["tx_id"] for e in x["entries"]}
    assert {reg, meter, other, upd} <= shown
    proc = cli(run_dir, "audit", "check", str(out), "--trust", str(roots_dir))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["valid"] is True

    mine = tmp_path / "e1.json"
    proc = export_when_anchored(run_dir, "--from", t_from, "--to", t_to, "--uscc", e1,
                                "--out", str(mine), "--as", "CertifierMSP")
    assert proc.returncode == 0, proc.stderr
    x = json.loads(mine.read_text())
    full = [json.loads(e["leaf"])["tx_id"] for e in x["entries"] if "leaf" in e]
    assert full == [reg, meter, upd]  # the other enterprise's registration only as a hash
    proc = cli(run_dir, "audit", "check", str(mine), "--trust", str(roots_dir))
    assert proc.returncode == 0, proc.stderr

    # a tampered copy: the first entry's leaf names another enterprise
    first = next(e for e in x["entries"] if "leaf" in e)
    first["leaf"] = first["leaf"].replace(e1, e2)
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(x))
    proc = cli(run_dir, "audit", "check", str(bad), "--trust", str(roots_dir))
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.split()[0] == "ENTRY_PROOF", proc.stderr
    proc = cli(run_dir, "audit", "check", str(tmp_path / "missing.json"), "--trust",
               str(roots_dir))
    assert proc.returncode == 2
