"""Readings -> totals -> results compute -> attest -> rating -> report issue -> carbontrust
verify, on real peers with the notary followers anchoring (issue 13).

A fresh network of this module's own (PORT_BASE). The installed ``carbontrust`` command
computes the result (regulator), attests it (certifier), rates it, and issues the report
(``report issue``, which waits for the anchors and writes report.json, report.pdf and
bundle.json). Then ``carbontrust verify`` with the MSP roots that ``carbontrust audit
roots`` takes from the peer's channel configuration: exit 0; a report with one figure
changed is refused (exit 1, REPORT_DIGEST), as is a bundle whose result record was edited,
a trust directory without CertifierMSP's real root, and a PDF with bytes appended. The
report's status is public (the bank reads it on its own peer), its body is not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from verifier import load_msp_roots, verify_report

from .carbon_world import END, START, World, carbon_network, prepare_results

PORT_BASE = 20500
REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "carbontrust"
COMMAND = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "gateway.cli"]
PERIOD = ("--from", START, "--to", END)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    old = os.environ.get("CARBONTRUST_AUDIT_CADENCE")
    os.environ["CARBONTRUST_AUDIT_CADENCE"] = "2,20"
    try:
        for net in carbon_network("it-test_report_flow", PORT_BASE):
            w = World(net)
            prepare_results(w)
            yield w
            w.s.close()
    finally:
        if old is None:
            os.environ.pop("CARBONTRUST_AUDIT_CADENCE", None)
        else:
            os.environ["CARBONTRUST_AUDIT_CADENCE"] = old


def cli(w: World, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARBONTRUST_RUN_DIR": str(w.net.run_dir)}
    env.pop("CARBONTRUST_PROFILE", None)
    proc = subprocess.run([*COMMAND, *argv], cwd=REPO, env=env, capture_output=True,
                          timeout=600, check=False, text=True)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_readings_to_a_verified_report(world: World, tmp_path: Path) -> None:
    w = world
    r = cli(w, "results", "compute", w.e1, *PERIOD)
    assert r.returncode == 0, r.stderr
    r = cli(w, "attest", w.e1, *PERIOD, "--assurance", "reasonable", "--opinion",
            "unmodified", "--date", "2024-03-01")
    assert r.returncode == 0, r.stderr
    r = cli(w, "rating", "compute", w.e1, *PERIOD, "--as", "CertifierMSP")
    assert r.returncode == 0, r.stderr

    out = tmp_path / "issued"
    r = cli(w, "report", "issue", w.e1, *PERIOD, "--out", str(out), "--wait", "240")
    assert r.returncode == 0, r.stderr
    issued = json.loads(r.stdout)
    assert issued["status"]["status"] == "valid" and issued["status"]["version"] == 1
    assert sorted(p.name for p in out.iterdir()) == ["bundle.json", "report.json",
                                                     "report.pdf"]
    roots = tmp_path / "roots"
    r = cli(w, "audit", "roots", "--out", str(roots), "--as", "BankMSP")
    assert r.returncode == 0, r.stderr

    files = [str(out / "report.json"), str(out / "bundle.json"), "--trust", str(roots)]
    r = cli(w, "verify", *files, "--pdf", str(out / "report.pdf"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"VALID {issued['status']['id']} {issued['status']['digest']}")
    assert "cosigned by" in r.stdout and "PDF (" in r.stdout
    summary = verify_report((out / "report.json").read_bytes(),
                            (out / "bundle.json").read_bytes(), load_msp_roots(roots))
    assert summary.uscc == w.e1 and len(summary.cosigners) >= 3

    # the bank reads the status on its own peer, not the report
    status = w.evaluate("bank-client", "report:status", w.e1, START, END, "")
    assert status["digest"] == issued["status"]["digest"] and status["status"] == "valid"

    # a tampered report: one figure changed
    report = json.loads((out / "report.json").read_bytes())
    report["emissions"]["total_tco2e"] = "0.001"
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "report.json").write_text(json.dumps(report), encoding="utf-8")
    r = cli(w, "verify", str(bad / "report.json"), *files[1:])
    assert r.returncode == 1 and r.stderr.startswith("REPORT_DIGEST "), r.stderr

    # a bundle whose result record was edited
    bundle = json.loads((out / "bundle.json").read_bytes())
    bundle["records"]["result"]["salt"] = "00" * 32
    (bad / "bundle.json").write_text(json.dumps(bundle), encoding="utf-8")
    r = cli(w, "verify", files[0], str(bad / "bundle.json"), *files[2:])
    assert r.returncode == 1 and r.stderr.startswith("OPENING the result"), r.stderr

    # a PDF with bytes appended
    (bad / "report.pdf").write_bytes((out / "report.pdf").read_bytes() + b"%%EOF\n")
    r = cli(w, "verify", *files, "--pdf", str(bad / "report.pdf"))
    assert r.returncode == 1 and r.stderr.startswith("PDF "), r.stderr

    # the files of an issued version written again (e.g. after an anchor wait timed out)
    again = tmp_path / "again"
    r = cli(w, "report", "bundle", w.e1, *PERIOD, "--version", "1", "--out", str(again),
            "--wait", "240")
    assert r.returncode == 0, r.stderr
    assert (again / "report.json").read_bytes() == (out / "report.json").read_bytes()
    assert (again / "report.pdf").read_bytes() == (out / "report.pdf").read_bytes()
    r = cli(w, "verify", str(again / "report.json"), str(again / "bundle.json"), "--trust",
            str(roots))
    assert r.returncode == 0, r.stderr

    # version 2 supersedes version 1: the ledger says so, both bundles still verify
    second = tmp_path / "second"
    r = cli(w, "report", "issue", w.e1, *PERIOD, "--out", str(second), "--wait", "240")
    assert r.returncode == 0, r.stderr
    v2 = json.loads(r.stdout)["status"]
    assert v2["version"] == 2 and v2["supersedes"] == {"id": issued["status"]["id"],
                                                      "digest": issued["status"]["digest"]}
    old = w.evaluate("bank-client", "report:status", w.e1, START, END, "1")
    assert old["status"] == "superseded" and old["superseded_by"]["id"] == v2["id"]
    r = cli(w, "verify", str(second / "report.json"), str(second / "bundle.json"), "--trust",
            str(roots))
    assert r.returncode == 0 and r.stdout.startswith(f"VALID {v2['id']}"), r.stderr
