"""carbontrust results / attest / attestation / rating against the fake ledger seam.

The attest test feeds the statement the CLI signs to the contract's own parser and checks
the signature with the profile's certificate, as the contract does on a peer."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from chaincode.carbon._attestation import parse_statement
from gateway._errors import EndorseError, ErrorDetail
from gateway.cli.results import MISMATCH

from .conftest import USCC, FakeLedger

SAMPLES = Path(__file__).resolve().parents[3] / "vectors" / "report"
RESULT = json.loads((SAMPLES / "result.json").read_text("utf-8"))
E1 = RESULT["record"]["uscc"]
PERIOD = ("--from", "2023-01-01", "--to", "2023-03-31")


def test_compute_submits_privately_to_the_two_endorsers(run, ledger: FakeLedger) -> None:
    ledger.answers["results:compute"] = json.dumps(RESULT).encode()
    r = run("results", "compute", E1, *PERIOD)
    assert r.code == 0, r.err
    assert json.loads(r.out) == RESULT
    (function, transient, orgs), = ledger.private
    assert function == "results:compute" and orgs == ("CertifierMSP", "RegulatorMSP")
    assert set(transient) == {"salt"} and len(transient["salt"]) == 32
    assert ledger.calls[-1].args == [E1, "2023-01-01", "2023-03-31", ""]
    assert ledger.calls[-1].msp_id == "RegulatorMSP"


def test_two_computes_use_fresh_salts(run, ledger: FakeLedger) -> None:
    ledger.answers["results:compute"] = json.dumps(RESULT).encode()
    run("results", "compute", E1, *PERIOD, "--as", "CertifierMSP", "--factor-set", "cn-2023.1")
    run("results", "compute", E1, *PERIOD)
    assert ledger.private[0][1]["salt"] != ledger.private[1][1]["salt"]
    assert ledger.calls[0].args[-1] == "cn-2023.1"


@pytest.mark.parametrize("argv", [
    ("results", "compute", E1, "--from", "2023-01-01", "--to", "2024-01-01"),
    ("results", "compute", E1, "--from", "2023-02-01", "--to", "2023-01-01"),
    ("results", "compute", E1, "--from", "2023-1-1", "--to", "2023-01-01"),
    ("results", "compute", "12345", *PERIOD),
    ("results", "get", E1, *PERIOD, "--version", "0"),
    ("attest", E1, *PERIOD, "--assurance", "high", "--opinion", "unmodified"),
    ("attest", E1, *PERIOD, "--assurance", "limited", "--opinion", "clean"),
    ("attest", E1, *PERIOD, "--assurance", "limited", "--opinion", "qualified",
     "--materiality", "150"),
    ("attest", E1, *PERIOD, "--assurance", "limited", "--opinion", "qualified",
     "--date", "1 March"),
    ("attest", E1, *PERIOD, "--opinion", "qualified"),
    ("attestation", "withdraw", E1, *PERIOD, "--version", "1"),
])
def test_bad_usage_exits_2_and_sends_nothing(run, ledger: FakeLedger, argv: tuple) -> None:
    r = run(*argv)
    assert r.code == 2, (r.code, r.err)
    assert ledger.calls == [] and "Traceback" not in r.err


class TwoPeers(FakeLedger):
    """The seam, plus answers per organisation to an evaluation aimed at it."""

    per_org: dict[str, bytes]

    def evaluate_on(self, function: str, args: Sequence[str],
                    organizations: Sequence[str]) -> bytes:
        assert function == "results:preview" and len(organizations) == 1
        return self.per_org[organizations[0]]


def test_disagreeing_endorsers_are_named_with_what_each_said(run, profile) -> None:
    from gateway.cli import main

    ledger = TwoPeers()
    ledger.answers["results:compute"] = EndorseError(
        "failed to collect enough transaction endorsements", code=grpc.StatusCode.ABORTED,
        details=(ErrorDetail("peer0.regulator:7051", "RegulatorMSP", MISMATCH),))
    mine = {k: RESULT["record"][k] for k in ("inputs", "accounting_input", "result",
                                             "result_digest")}
    theirs = json.loads(json.dumps(mine))
    line = next(ln for ln in theirs["result"]["lines"] if ln["source"] == "electricity")
    line["factors"][0]["value"] = "0.9999"
    theirs["result"]["total_tco2e"] = "99.999"
    ledger.per_org = {"CertifierMSP": json.dumps(mine).encode(),
                      "RegulatorMSP": json.dumps(theirs).encode()}
    import io
    from contextlib import redirect_stderr
    err = io.StringIO()
    with redirect_stderr(err):
        code = main(["results", "compute", E1, *PERIOD], ledger_factory=ledger.factory,
                    environ={"CARBONTRUST_PROFILE": str(profile)})
    text = err.getvalue()
    assert code == 1, text
    assert "the endorsers disagree on results:compute, nothing was written" in text
    i = RESULT["record"]["result"]["lines"].index(
        next(ln for ln in RESULT["record"]["result"]["lines"] if ln["source"] == "electricity"))
    assert (f'result.lines[{i}].factors[0].value: CertifierMSP says "0.4042", RegulatorMSP '
            'says "0.9999"') in text


def test_attest_signs_the_statement_the_contract_accepts(run, ledger: FakeLedger,
                                                         profile: Path) -> None:
    ledger.answers["results:get"] = json.dumps(RESULT).encode()
    ledger.answers["attestation:attest"] = b'{"status":"valid"}'
    r = run("attest", E1, *PERIOD, "--assurance", "limited", "--opinion", "qualified",
            "--materiality", "2.5", "--verifier-name", "广州示例核查有限公司",
            "--accreditation", "CNAS C000-M", "--date", "2024-02-01",
            "--basis", "one meter estimated for 3 days")
    assert r.code == 0, r.err
    get, submit = ledger.calls
    assert (get.kind, get.function, get.msp_id) == ("evaluate", "results:get", "CertifierMSP")
    assert (submit.kind, submit.function) == ("submit", "attestation:attest")
    text, sig = submit.args
    s, data = parse_statement(text)   # the contract's own checks, canonical form included
    assert s["result"] == {"version": RESULT["record"]["version"], "digest": RESULT["digest"]}
    assert s["assurance"] == "limited" and s["opinion"] == "qualified"
    assert s["materiality"] == {"threshold": "2.5", "unit": "percent"}
    assert s["verifier"]["name"] == "广州示例核查有限公司" and s["date"] == "2024-02-01"
    assert s["criteria"]["factor_set"] == {
        k: RESULT["record"]["inputs"]["factor_set"][k] for k in ("version", "digest")}
    cert_path = Path(json.loads(profile.read_text())["orgs"]["CertifierMSP"]["users"]["User1"][
        "cert"])
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    import hashlib

    from cryptography.hazmat.primitives import serialization
    assert s["verifier"]["certificate_fingerprint"] == hashlib.sha256(
        cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(base64.b64decode(sig), data, ec.ECDSA(hashes.SHA256()))


def test_attest_refused_by_the_contract_exits_1(run, ledger: FakeLedger) -> None:
    ledger.answers["results:get"] = json.dumps(RESULT).encode()
    ledger.answers["attestation:attest"] = EndorseError(
        "failed", code=grpc.StatusCode.ABORTED, details=(ErrorDetail(
            "peer0.certifier:7051", "CertifierMSP",
            "chaincode response 403, refused by rule attestation.attest: needs a "
            "CertifierMSP admin or client; found RegulatorMSP client"),))
    r = run("attest", E1, *PERIOD, "--assurance", "reasonable", "--opinion", "unmodified",
            "--as", "RegulatorMSP")
    assert r.code == 1 and "refused by rule attestation.attest" in r.err


def test_no_answer_exits_3(run, ledger: FakeLedger) -> None:
    ledger.answers["rating:get"] = EndorseError("unavailable",
                                                code=grpc.StatusCode.UNAVAILABLE)
    r = run("rating", "get", USCC, *PERIOD)
    assert r.code == 3


def test_rating_and_withdraw_commands(run, ledger: FakeLedger) -> None:
    ledger.answers["rating:compute"] = b'{"rating":{"label":"D"}}'
    ledger.answers["attestation:withdraw"] = b'{"status":"withdrawn"}'
    assert run("rating", "compute", E1, *PERIOD, "--version", "2").code == 0
    assert ledger.private[-1][0] == "rating:compute"
    assert ledger.calls[-1].args == [E1, "2023-01-01", "2023-03-31", "2"]
    r = run("attestation", "withdraw", E1, *PERIOD, "--version", "1", "--reason", "faulty")
    assert r.code == 0 and json.loads(r.out)["status"] == "withdrawn"
    assert ledger.calls[-1].msp_id == "CertifierMSP"
    assert ledger.calls[-1].args == [E1, "2023-01-01", "2023-03-31", "1", "faulty"]
