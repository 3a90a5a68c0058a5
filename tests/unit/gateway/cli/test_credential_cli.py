"""carbontrust credential issue / verify / status against the fake ledger seam, with the
generated MSP of tests/unit/verifier/pki.py (real keys, certificates and roots)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from gateway.cli._exit import LedgerUnreachable
from tests.unit.verifier.credentials import factory as vf
from tests.unit.verifier.pki import Org, orgs

from .conftest import FakeLedger

PERIOD = ("--from", "2023-01-01", "--to", "2023-12-31")
E1 = "914403001922038216"


def _identity(tmp: Path, org: Org, role: str = "client") -> list[str]:
    who = org.identities[role]
    d = tmp / f"{org.mspid}-{role}"
    d.mkdir(exist_ok=True)
    (d / "cert.pem").write_bytes(who.cert_pem)
    (d / "key.pem").write_bytes(who.key_pem)
    (d / "ca.pem").write_bytes(org.ca.cert_pem)
    return ["--as", org.mspid, "--sign-cert", str(d / "cert.pem"), "--sign-key",
            str(d / "key.pem"), "--ca-cert", str(d / "ca.pem")]


@pytest.fixture()
def trust(tmp_path: Path) -> Path:
    d = tmp_path / "roots"
    d.mkdir()
    for mspid, org in orgs().items():
        (d / f"{mspid}.pem").write_bytes(org.ca.cert_pem)
    return d


def _status_answers(ledger: FakeLedger, token_file: Path, **kw: Any) -> vf.LedgerStatus:
    """Script attestation:status / report:status from the credential's own content."""
    from verifier.credentials import read_jws

    status = vf.LedgerStatus().of(read_jws(token_file.read_text().strip()).payload, **kw)

    def answer(function: str) -> Any:
        return lambda args: json.dumps(status.records[(function, *args)]).encode()

    ledger.answers["attestation:status"] = answer("attestation:status")
    ledger.answers["report:status"] = answer("report:status")
    return status


def _issue_attestation(run: Any, ledger: FakeLedger, tmp_path: Path) -> Path:
    ledger.answers["attestation:get"] = json.dumps(vf.record()).encode()
    out = tmp_path / "attestation.jwt"
    r = run("credential", "issue", "attestation", E1, *PERIOD, "--out", str(out),
            *_identity(tmp_path, vf.certifier()))
    assert r.code == 0, r.err
    assert ledger.calls[-1].function == "attestation:get"
    assert ledger.calls[-1].args == [E1, "2023-01-01", "2023-12-31", ""]
    return out


def test_issue_then_verify_on_the_banks_peer(run, ledger: FakeLedger, tmp_path: Path,
                                             trust: Path) -> None:
    token = _issue_attestation(run, ledger, tmp_path)
    assert token.read_text().count(".") == 2
    _status_answers(ledger, token)
    r = run("credential", "verify", str(token), "--trust", str(trust))
    assert r.code == 0, r.err
    assert r.out.startswith("VALID attestation credential urn:uuid:")
    assert "issued by CertifierMSP" in r.out and "status active (ledger)" in r.out
    last = ledger.calls[-1]
    assert (last.function, last.msp_id) == ("attestation:status", "BankMSP")
    assert last.args == [E1, "2023-01-01", "2023-12-31", "1"]


def test_a_withdrawn_attestation_exits_1_with_the_code(run, ledger: FakeLedger,
                                                       tmp_path: Path, trust: Path) -> None:
    token = _issue_attestation(run, ledger, tmp_path)
    _status_answers(ledger, token, status="withdrawn")
    r = run("credential", "verify", str(token), "--trust", str(trust))
    assert r.code == 1 and r.err.startswith("STATUS_WITHDRAWN "), r.err
    assert r.out == ""


def test_offline_verification_uses_the_snapshot_and_says_so(
        run, ledger: FakeLedger, tmp_path: Path, trust: Path) -> None:
    token = _issue_attestation(run, ledger, tmp_path)
    _status_answers(ledger, token)
    snap = tmp_path / "status.json"
    r = run("credential", "status", str(token), "--out", str(snap))
    assert r.code == 0, r.err
    assert json.loads(snap.read_text())["kind"] == "carbontrust.credential-status-snapshot"
    calls = len(ledger.calls)
    r = run("credential", "verify", str(token), "--trust", str(trust), "--offline",
            "--status", str(snap))
    assert r.code == 0, r.err
    assert "status active (snapshot of " in r.out and len(ledger.calls) == calls


def test_report_credential_needs_the_ledger_to_say_valid(run, ledger: FakeLedger,
                                                         tmp_path: Path, trust: Path) -> None:
    from verifier.report import canonical_bytes, report_digest

    report = vf.golden_report()
    path = tmp_path / "report.json"
    path.write_bytes(canonical_bytes(report))
    answer = {"v": 1, "kind": "carbontrust.report-status", "digest": report_digest(report),
              "status": "valid"}
    ledger.answers["report:status"] = json.dumps(answer).encode()
    out = tmp_path / "report.jwt"
    ident = _identity(tmp_path, vf.regulator())
    r = run("credential", "issue", "report", str(path), "--out", str(out), *ident)
    assert r.code == 0, r.err
    _status_answers(ledger, out)
    r = run("credential", "verify", str(out), "--trust", str(trust))
    assert r.code == 0 and r.out.startswith("VALID report credential"), r.err
    ledger.answers["report:status"] = json.dumps(answer | {"status": "withdrawn"}).encode()
    r = run("credential", "issue", "report", str(path), *ident)
    assert r.code == 1 and "not issued" in r.err, r.err


def test_no_answer_from_the_ledger_exits_3(run, ledger: FakeLedger, tmp_path: Path,
                                           trust: Path) -> None:
    token = _issue_attestation(run, ledger, tmp_path)
    ledger.answers["attestation:status"] = LedgerUnreachable("peer down")
    r = run("credential", "verify", str(token), "--trust", str(trust))
    assert r.code == 3, (r.code, r.err)


@pytest.mark.parametrize("argv", [
    ("credential", "verify", "{missing}", "--trust", "{trust}"),
    ("credential", "verify", "{token}", "--trust", "{tmp}/nowhere"),
    ("credential", "verify", "{token}", "--trust", "{trust}", "--offline"),
    ("credential", "verify", "{token}", "--trust", "{trust}", "--status", "{token}"),
    ("credential", "issue", "attestation", E1, "--from", "2023-01-01", "--to", "2024-02-01"),
    ("credential", "issue", "attestation", E1, *PERIOD, "--valid-until", "soon"),
])
def test_unreadable_input_exits_2(run, ledger: FakeLedger, tmp_path: Path, trust: Path,
                                  argv: Sequence[str]) -> None:
    token = tmp_path / "t.jwt"
    token.write_text("e30.e30.e30")
    args = [a.format(missing=tmp_path / "none.jwt", trust=trust, tmp=tmp_path, token=token)
            for a in argv]
    r = run(*args)
    assert r.code == 2, (r.code, r.err)
    assert "Traceback" not in r.err


def test_a_malformed_credential_is_refused_not_a_crash(run, ledger: FakeLedger,
                                                       tmp_path: Path, trust: Path) -> None:
    token = tmp_path / "t.jwt"
    token.write_text("e30.e30.e30")
    r = run("credential", "verify", str(token), "--trust", str(trust))
    assert r.code == 1 and r.err.split()[0] in ("FORMAT", "HEADER"), r.err


def test_an_unreadable_msp_root_exits_2(run, ledger: FakeLedger, tmp_path: Path) -> None:
    ledger.answers["attestation:get"] = json.dumps(vf.record()).encode()
    ident = _identity(tmp_path, vf.certifier())
    Path(ident[-1]).write_text("not a certificate")
    r = run("credential", "issue", "attestation", E1, *PERIOD, *ident)
    assert r.code == 2 and "MSP root is not PEM" in r.err, r.err


def test_a_withdrawn_attestation_is_not_issued(run, ledger: FakeLedger, tmp_path: Path) -> None:
    ledger.answers["attestation:get"] = json.dumps(vf.record() | {"status": "withdrawn"}).encode()
    r = run("credential", "issue", "attestation", E1, *PERIOD,
            *_identity(tmp_path, vf.certifier()))
    assert r.code == 1 and "not issued: the attestation is 'withdrawn'" in r.err, r.err
    assert r.out == ""
