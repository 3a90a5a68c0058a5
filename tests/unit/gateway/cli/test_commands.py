"""Every contract command and its exit statuses, against the fake ledger seam."""

from __future__ import annotations

import json

import grpc
import pytest

from gateway._errors import (
    CommitError,
    CommitStatusError,
    EndorseError,
    ErrorDetail,
    EvaluateError,
    SubmitError,
)
from tests.unit.gateway.cli.conftest import USCC, FakeLedger

RECORD = {"uscc": USCC, "name": "Fuzhou Steel", "industry": "3110", "region": "east",
          "grid": "east", "status": "active", "meters": [], "certificate": None, "version": 1}
RULE = "refused by rule registry.write.regulator: only RegulatorMSP writes the registry"


def refused(status: int, message: str, orgs=("PowerMSP", "RegulatorMSP")) -> EndorseError:
    """What the Gateway client raises when the contract answers ``status`` on each endorser."""
    details = tuple(ErrorDetail(f"peer0.{o}:7051", o, f"chaincode response {status}, {message}")
                    for o in orgs)
    return EndorseError("failed to endorse transaction, see attached details for more info",
                        code=grpc.StatusCode.ABORTED, details=details, transaction_id="ab" * 32)


def register_args(*extra: str) -> list[str]:
    return ["enterprise", "register", "--uscc", USCC, "--name", "Fuzhou Steel",
            "--industry", "3110", "--region", "east", *extra]


# -- success (exit 0) ----------------------------------------------------------------------


def test_register_submits_the_record_as_the_regulator(run, ledger: FakeLedger):
    ledger.answers["registry:register_enterprise"] = json.dumps(RECORD).encode()
    r = run(*register_args())
    assert r.code == 0, r.err
    (call,) = ledger.calls
    assert (call.kind, call.msp_id, call.user, call.function) == (
        "submit", "RegulatorMSP", "User1", "registry:register_enterprise")
    assert json.loads(call.args[0]) == {"uscc": USCC, "name": "Fuzhou Steel",
                                        "industry": "3110", "region": "east"}
    assert r.out == ""  # data only with --json
    assert f"registered enterprise {USCC}" in r.err and "tx000" in r.err
    assert ledger.closed == 1


def test_register_json_and_areas(run, ledger: FakeLedger):
    ledger.answers["registry:register_enterprise"] = json.dumps(RECORD).encode()
    r = run(*register_args("--area", "energy", "--area", "transport", "--json", "--as",
                           "PowerMSP", "--user", "Admin"))
    assert r.code == 0, r.err
    assert json.loads(r.out) == RECORD
    (call,) = ledger.calls
    assert (call.msp_id, call.user) == ("PowerMSP", "Admin")
    assert json.loads(call.args[0])["areas"] == ["energy", "transport"]


def test_show_prints_json_from_the_chosen_org(run, ledger: FakeLedger):
    ledger.answers["registry:get_enterprise"] = json.dumps(RECORD).encode()
    r = run("enterprise", "show", USCC, "--as", "BankMSP")
    assert r.code == 0 and json.loads(r.out) == RECORD
    (call,) = ledger.calls
    assert (call.kind, call.msp_id, call.args) == ("evaluate", "BankMSP", [USCC])


def test_show_json_is_never_wrapped(run, ledger: FakeLedger):
    long_name = "N" * 500
    ledger.answers["registry:get_enterprise"] = json.dumps({**RECORD, "name": long_name}).encode()
    r = run("enterprise", "show", USCC)
    assert json.loads(r.out)["name"] == long_name


def test_meter_add(run, ledger: FakeLedger):
    ledger.answers["registry:add_meter"] = json.dumps({**RECORD, "meters": ["M-1"]}).encode()
    r = run("meter", "add", "--uscc", USCC, "--meter", "M-1")
    assert r.code == 0, r.err
    (call,) = ledger.calls
    assert (call.kind, call.msp_id, call.function, call.args) == (
        "submit", "RegulatorMSP", "registry:add_meter", [USCC, "M-1"])
    assert "added meter M-1" in r.err and r.out == ""


def test_list_follows_bookmarks_and_stops_on_a_repeated_one(run, ledger: FakeLedger):
    pages = {"": {"records": [{"uscc": "a"}], "bookmark": "b1"},
             "b1": {"records": [{"uscc": "b"}], "bookmark": "b2"},
             "b2": {"records": [{"uscc": "c"}], "bookmark": "b1"}}  # a buggy loop
    ledger.answers["registry:list_enterprises"] = lambda a: json.dumps(pages[a[1]]).encode()
    r = run("enterprise", "list", "--page-size", "1")
    assert r.code == 0 and [x["uscc"] for x in json.loads(r.out)] == ["a", "b", "c"]
    assert [c.args for c in ledger.calls] == [["1", ""], ["1", "b1"], ["1", "b2"]]


def test_other_commands_call_the_interface_functions(run, ledger: FakeLedger, tmp_path):
    for fn in ("registry:history", "registry:update_enterprise", "registry:set_status",
               "registry:get_meter", "identity:whoami", "registry:bind_certificate",
               "governance:propose", "governance:approve", "governance:in_force"):
        ledger.answers[fn] = b'{"ok":true}'
    cert = tmp_path / "c.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n")
    cmds = [("enterprise", "history", USCC), ("enterprise", "update", USCC, "--name", "X"),
            ("enterprise", "set-status", USCC, "suspended", "--reason", "audit"),
            ("meter", "show", "M-1"), ("identity", "whoami", "--as", "PowerMSP"),
            ("enterprise", "bind-certificate", USCC, str(cert)),
            ("governance", "propose", "factor_set", "2024.1", "--digest", "d",
             "--policy", '{"orgs":["BankMSP"]}'),
            ("governance", "approve", "factor_set", "2024.1", "--digest", "d", "--as", "BankMSP"),
            ("governance", "in-force", "rule_set")]
    for argv in cmds:
        assert run(*argv).code == 0, argv
    assert [(c.function, c.args) for c in ledger.calls] == [
        ("registry:history", [USCC]),
        ("registry:update_enterprise", [USCC, '{"name":"X"}']),
        ("registry:set_status", [USCC, "suspended", "audit"]),
        ("registry:get_meter", ["M-1"]),
        ("identity:whoami", []),
        ("registry:bind_certificate", [USCC, cert.read_text()]),
        ("governance:propose", ["factor_set", "2024.1", "d", '{"orgs":["BankMSP"]}']),
        ("governance:approve", ["factor_set", "2024.1", "d"]),
        ("governance:in_force", ["rule_set"]),
    ]


# -- the ledger refused (exit 1) -----------------------------------------------------------


def test_refusal_exits_1_with_the_rule_once(run, ledger: FakeLedger):
    ledger.answers["registry:register_enterprise"] = refused(403, RULE)
    r = run(*register_args("--as", "PowerMSP"))
    assert r.code == 1
    assert r.err.count(RULE) == 1 and r.out == "" and "Traceback" not in r.err


def test_peers_that_disagree_are_each_named(run, ledger: FakeLedger):
    err = EndorseError("failed", code=grpc.StatusCode.ABORTED, details=(
        ErrorDetail("p1:7051", "PowerMSP", "chaincode response 409, enterprise exists"),
        ErrorDetail("p2:7051", "BankMSP", "chaincode response 400, name: too long")))
    ledger.answers["registry:register_enterprise"] = err
    r = run(*register_args())
    assert r.code == 1
    assert "p1:7051 (PowerMSP): enterprise exists" in r.err
    assert "p2:7051 (BankMSP): name: too long" in r.err


def test_not_found_on_evaluate_exits_1(run, ledger: FakeLedger):
    ledger.answers["registry:get_enterprise"] = EvaluateError(
        f"evaluate call to endorser returned error: chaincode response 404, no enterprise {USCC}",
        code=grpc.StatusCode.UNKNOWN)
    r = run("enterprise", "show", USCC)
    assert r.code == 1 and f"no enterprise {USCC}" in r.err and r.out == ""


def test_identity_refused_by_the_msp_exits_1(run, ledger: FakeLedger):
    ledger.answers["registry:get_enterprise"] = EvaluateError(
        "access denied", code=grpc.StatusCode.PERMISSION_DENIED)
    r = run("enterprise", "show", USCC)
    assert r.code == 1 and "refused the identity: access denied" in r.err


def test_invalid_commit_exits_1_with_the_validation_code(run, ledger: FakeLedger):
    ledger.answers["registry:add_meter"] = CommitError("cd" * 32, 11, 9)
    r = run("meter", "add", "--uscc", USCC, "--meter", "M-1")
    assert r.code == 1 and "MVCC_READ_CONFLICT" in r.err and "cd" * 32 in r.err


def test_ledger_markup_is_printed_literally(run, ledger: FakeLedger):
    ledger.answers["registry:get_enterprise"] = refused(403, "refused by rule [bold]x[/bold]")
    r = run("--color", "enterprise", "show", USCC)
    assert r.code == 1 and "[bold]x[/bold]" in r.err


# -- no answer (exit 3) ---------------------------------------------------------------------


@pytest.mark.parametrize("err", [
    EndorseError("failed to connect to all addresses", code=grpc.StatusCode.UNAVAILABLE),
    EvaluateError("Deadline Exceeded", code=grpc.StatusCode.DEADLINE_EXCEEDED),
    SubmitError("no Raft leader", code=grpc.StatusCode.UNAVAILABLE, transaction_id="ef" * 32),
])
def test_unreachable_exits_3(run, ledger: FakeLedger, err):
    ledger.answers["registry:register_enterprise"] = err
    r = run(*register_args())
    assert r.code == 3 and err.code.name in r.err and "Traceback" not in r.err


def test_contract_crash_exits_3_not_1(run, ledger: FakeLedger):
    ledger.answers["registry:add_meter"] = refused(500, "KeyError: 'x'")
    r = run("meter", "add", "--uscc", USCC, "--meter", "M-1")
    assert r.code == 3 and "the contract failed: KeyError" in r.err


def test_commit_status_deadline_exits_3_naming_the_transaction(run, ledger: FakeLedger):
    ledger.answers["registry:add_meter"] = CommitStatusError(
        "Deadline Exceeded", code=grpc.StatusCode.DEADLINE_EXCEEDED, transaction_id="12" * 32)
    r = run("meter", "add", "--uscc", USCC, "--meter", "M-1")
    assert r.code == 3 and "12" * 32 in r.err and "may still commit" in r.err


def test_answer_that_is_not_json_exits_3(run, ledger: FakeLedger):
    ledger.answers["registry:get_enterprise"] = b"\xff\x00 not json"
    r = run("enterprise", "show", USCC)
    assert r.code == 3 and "not JSON" in r.err


# -- a bug of ours: one line, exit 70 ------------------------------------------------------


def test_unexpected_exception_is_one_line(run, ledger: FakeLedger):
    ledger.answers["registry:get_enterprise"] = RuntimeError("boom")
    r = run("enterprise", "show", USCC)
    assert r.code == 70 and "Traceback" not in r.err
    assert r.err.strip().splitlines() == [
        "error: internal error (a bug in carbontrust, please report it): RuntimeError: boom"]


# -- verbosity --------------------------------------------------------------------------------


def test_quiet_and_verbose(run, ledger: FakeLedger):
    ledger.answers["registry:add_meter"] = b"{}"
    assert run("-q", "meter", "add", "--uscc", USCC, "--meter", "M").err == ""
    r = run("-v", "meter", "add", "--uscc", USCC, "--meter", "M")
    assert "as User1@RegulatorMSP via 127.0.0.1:1" in r.err and "committed in block 7" in r.err
    ledger.answers["registry:add_meter"] = refused(403, RULE)
    r = run("-qq", "meter", "add", "--uscc", USCC, "--meter", "M")
    assert r.code == 1 and RULE in r.err  # errors are never silenced
    r = run("-vv", "meter", "add", "--uscc", USCC, "--meter", "M")
    assert "peer0.PowerMSP:7051 (PowerMSP): chaincode response 403" in r.err


def test_json_to_a_closed_pipe_exits_141(run, ledger: FakeLedger, monkeypatch):
    class Closed:
        def write(self, _text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

        def isatty(self) -> bool:
            return False

    ledger.answers["registry:get_enterprise"] = json.dumps(RECORD).encode()
    monkeypatch.setattr("sys.stdout", Closed())
    r = run("enterprise", "show", USCC)
    assert r.code == 141 and len(ledger.calls) == 1


def test_own_certificate_and_key_replace_the_profile_user(run, ledger: FakeLedger, tmp_path):
    """An enterprise identity enrolled with the regulator's CA, not listed in the profile."""
    cert, key = tmp_path / "ent.pem", tmp_path / "ent.key"
    cert.write_text("c")
    key.write_text("k")
    ledger.answers["registry:get_enterprise"] = json.dumps(RECORD).encode()
    r = run("enterprise", "show", USCC, "--sign-cert", str(cert), "--sign-key", str(key))
    assert r.code == 0, r.err
    assert ledger.target is not None
    assert (ledger.target.msp_id, ledger.target.cert, ledger.target.key) == (
        "RegulatorMSP", cert.resolve(), key.resolve())
    assert ledger.target.peer_endpoint == "127.0.0.1:1"  # the peer still from the profile
    r = run("enterprise", "show", USCC, "--sign-cert", str(cert))
    assert r.code == 2 and "--sign-cert and --sign-key go together" in r.err
    r = run("enterprise", "show", USCC, "--sign-cert", str(cert), "--sign-key",
            str(tmp_path / "none"))
    assert r.code == 2 and "is missing" in r.err


def test_governance_digest_and_json(run, ledger: FakeLedger):
    import accounting

    version = accounting.rule_set_versions()[0]
    r = run("governance", "digest", "rule_set", version)
    assert r.code == 0 and r.out.strip() == str(accounting.load_rule_set(version).digest)
    assert not ledger.calls  # local: no ledger
    r = run("governance", "digest", "factor_set", "nope")
    assert r.code == 2 and "no factor_set 'nope'" in r.err and "cn-2021" in r.err
    ledger.answers["governance:activate"] = b'{"kind":"rule_set","version":"v"}'
    r = run("governance", "activate", "rule_set", "v", "--user", "Admin")
    assert r.code == 0 and r.out == "" and "activated rule_set v" in r.err
    r = run("governance", "activate", "rule_set", "v", "--user", "Admin", "--json")
    assert json.loads(r.out) == {"kind": "rule_set", "version": "v"}
