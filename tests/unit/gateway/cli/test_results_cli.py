"""carbontrust results / attest / attestation / rating against the fake ledger seam.

The attest test feeds the statement the CLI signs to the contract's own parser and checks
the signature with the profile's certificate, as the contract does on a peer."""

from __future__ import annotations

import base64
import hashlib
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
RATING = json.loads((SAMPLES / "rating.json").read_text("utf-8"))
E1 = RESULT["record"]["uscc"]
PERIOD = ("--from", "2023-01-01", "--to", "2023-03-31")


TX = "tx" + "1" * 62       # the transaction id FakeLedger.submit_private reports


def _digest(value: object) -> str:
    return "sha256:" + hashlib.sha256(json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


def committed(record: dict, tx_key: str = "computed", **over: object) -> dict:
    """A copy of a sample record as transaction TX wrote it (its tx id), with changes."""
    out = {**json.loads(json.dumps(record)), **over}
    out[tx_key] = {**out[tx_key], "tx_id": TX}
    return out


def receipt(record: dict, **extra: object) -> bytes:
    """What results:compute / rating:compute answer: public facts only."""
    return json.dumps({"uscc": record["uscc"], "period": record["period"], "version": 1,
                       **extra, "digest": _digest(record), "tx_id": TX}).encode()


def _script_result(ledger: FakeLedger) -> dict:
    record = committed(RESULT["record"])
    ledger.answers["results:compute"] = receipt(record)
    ledger.answers["results:get"] = json.dumps({"digest": _digest(record),
                                                "record": record}).encode()
    return record


def test_compute_submits_privately_and_reads_the_record_back(run, ledger: FakeLedger) -> None:
    record = _script_result(ledger)
    r = run("results", "compute", E1, *PERIOD)
    assert r.code == 0, r.err
    assert json.loads(r.out) == {"digest": _digest(record), "record": record}
    (function, transient, orgs), = ledger.private
    assert function == "results:compute" and orgs == ("CertifierMSP", "RegulatorMSP")
    assert set(transient) == {"salt"} and len(transient["salt"]) == 32
    submit, get = ledger.calls
    assert submit.args == [E1, "2023-01-01", "2023-03-31", ""]
    assert submit.msp_id == "RegulatorMSP"
    # the record is evaluated (never submitted) on the caller's own, member, peer
    assert (get.kind, get.function, get.args) == ("evaluate", "results:get",
                                                   [E1, "2023-01-01", "2023-03-31", "1"])
    assert ledger.evaluated_on == [("results:get", ("RegulatorMSP",))]


@pytest.mark.parametrize("change", ["figure", "tx"])
def test_a_record_that_does_not_match_the_answer_is_refused(run, ledger: FakeLedger,
                                                            change: str) -> None:
    record = _script_result(ledger)
    other = json.loads(json.dumps(record))
    if change == "figure":
        other["result"]["total_tco2e"] = "0.001"
        want = f"digest expected {_digest(record)}, found {_digest(other)}"
    else:
        other["computed"]["tx_id"] = "tx" + "2" * 62
        ledger.answers["results:compute"] = receipt(other)
        want = f"computed.tx_id expected {TX}, found {'tx' + '2' * 62}"
    ledger.answers["results:get"] = json.dumps({"digest": _digest(other),
                                                "record": other}).encode()
    r = run("results", "compute", E1, *PERIOD)
    assert r.code == 1 and r.out == "", (r.code, r.out)
    assert f"does not match transaction {TX}" in r.err and want in r.err, r.err


def test_a_member_peer_a_block_behind_is_asked_again(run, ledger: FakeLedger,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.cli import _read_back
    monkeypatch.setattr(_read_back, "PAUSE", 0)
    record = _script_result(ledger)
    answer = ledger.answers["results:get"]
    behind = EndorseError("evaluate failed", code=grpc.StatusCode.UNKNOWN, details=(
        ErrorDetail("peer0.regulator:7051", "RegulatorMSP",
                    "chaincode response 404, result not found"),))
    tries: list[int] = []

    def get(_args: object) -> bytes:
        tries.append(1)
        if len(tries) < 3:
            raise behind
        return answer  # type: ignore[return-value]
    ledger.answers["results:get"] = get
    r = run("results", "compute", E1, *PERIOD, "--as", "CertifierMSP")
    assert r.code == 0, r.err
    assert json.loads(r.out)["record"] == record and len(tries) == 3
    assert ledger.evaluated_on[-1] == ("results:get", ("CertifierMSP",))


def test_two_computes_use_fresh_salts(run, ledger: FakeLedger) -> None:
    _script_result(ledger)
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
    rated = committed(RATING, "rated")
    other = committed(RATING, "rated", rule_set={**RATING["rule_set"], "version": "other-1"})
    ledger.answers["rating:compute"] = receipt(rated, rule_set=RATING["rule_set"]["version"])
    ledger.answers["rating:get"] = json.dumps({"ratings": [other, rated]}).encode()
    ledger.answers["attestation:withdraw"] = b'{"status":"withdrawn"}'
    r = run("rating", "compute", E1, *PERIOD, "--version", "2")
    assert r.code == 0, r.err
    assert json.loads(r.out) == rated           # the record, read back and checked
    assert ledger.private[-1][0] == "rating:compute"
    submit, get = ledger.calls
    assert submit.args == [E1, "2023-01-01", "2023-03-31", "2"]
    assert (get.kind, get.function) == ("evaluate", "rating:get")
    ledger.answers["rating:get"] = json.dumps({"ratings": [other]}).encode()
    r = run("rating", "compute", E1, *PERIOD, "--version", "2")
    assert r.code == 1 and r.out == "" and "digest expected" in r.err, r.err
    r = run("attestation", "withdraw", E1, *PERIOD, "--version", "1", "--reason", "faulty")
    assert r.code == 0 and json.loads(r.out)["status"] == "withdrawn"
    assert ledger.calls[-1].msp_id == "CertifierMSP"
    assert ledger.calls[-1].args == [E1, "2023-01-01", "2023-03-31", "1", "faulty"]
