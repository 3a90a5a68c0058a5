"""Bad usage and unreadable input exit 2 with one clear message, before anything dials."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.cli import main
from tests.unit.gateway.cli.conftest import USCC, FakeLedger, write_profile
from tests.unit.gateway.cli.test_commands import RULE, refused, register_args


def assert_usage(r, *words: str) -> None:
    assert r.code == 2, (r.code, r.err)
    assert "Traceback" not in r.err and r.out == ""
    for w in words:
        assert w in r.err, (w, r.err)


def test_missing_required_option(run, ledger: FakeLedger):
    assert_usage(run("enterprise", "register", "--uscc", USCC), "--name")
    assert_usage(run("meter", "add", "--uscc", USCC), "--meter")
    assert_usage(run("enterprise", "show"), "USCC")
    assert not ledger.calls


def test_unknown_command_and_option(run):
    assert_usage(run("enterprise", "delete", USCC), "No such command")
    assert_usage(run("enterprise", "show", USCC, "--colour"), "No such option")
    assert_usage(run("nope"), "No such command")


def test_unknown_as_names_the_known_orgs(run, ledger: FakeLedger):
    r = run("enterprise", "show", USCC, "--as", "AcmeMSP")
    assert_usage(r, "unknown organisation 'AcmeMSP' for --as",
                 "BankMSP, CertifierMSP, PowerMSP, RegulatorMSP")
    assert not ledger.calls


def test_unknown_user(run):
    assert_usage(run("enterprise", "show", USCC, "--user", "Nobody"), "no user 'Nobody'",
                 "Admin, User1")


def test_approve_needs_as(run):
    assert_usage(run("governance", "approve", "rule_set", "1", "--digest", "d"), "--as")


@pytest.mark.parametrize("uscc, words", [
    ("91350100M000100Y4", ["18 characters, got 17"]),
    ("91350100M000100Y433", ["18 characters, got 19"]),
    ("91350100m000100Y43", ["character 9", "'m'"]),
    ("91350100M000100O43", ["character 16", "'O'"]),
    ("91350100M000100Y4\x00", ["character 18", "'\\x00'"]),
    ("9135 100M000100Y43", ["character 5"]),
])
def test_malformed_uscc_exits_2_before_dialling(run, ledger: FakeLedger, uscc, words):
    assert_usage(run("enterprise", "register", "--uscc", uscc, "--name", "n", "--industry",
                     "1", "--region", "east"), *words)
    assert_usage(run("enterprise", "show", uscc), *words)
    assert not ledger.calls


def test_lone_surrogates_are_a_usage_error_naming_the_option(run, ledger: FakeLedger):
    # what Python makes of undecodable bytes in argv (surrogateescape)
    r = run(*register_args()[:-2], "--region", "east\udcff")
    assert_usage(r, "--region", "not UTF-8", "0xff")
    assert_usage(run("enterprise", "show", USCC, "--as", "\udc80Bank"), "--as", "0x80")
    assert not ledger.calls


def test_nul_and_huge_values_go_to_the_contract_which_decides(run, ledger: FakeLedger):
    """The contract is authoritative on names: the CLI sends them as they are."""
    ledger.answers["registry:register_enterprise"] = refused(400, "name: too long")
    huge = "名" * 200_000
    for name in ("a\x00b", huge):
        r = run("enterprise", "register", "--uscc", USCC, "--name", name, "--industry", "1",
                "--region", "east")
        assert r.code == 1 and "name: too long" in r.err
        assert json.loads(ledger.calls[-1].args[0])["name"] == name


def test_bad_choices(run):
    assert_usage(run("enterprise", "set-status", USCC, "dead", "--reason", "r"), "dead")
    assert_usage(run(*register_args("--area", "space")), "space")
    assert_usage(run("enterprise", "show", USCC, "--timeout", "0"), "--timeout")
    assert_usage(run("enterprise", "list", "--page-size", "0"), "--page-size")


def test_bad_json_policy_and_empty_update(run, ledger: FakeLedger):
    assert_usage(run("governance", "propose", "rule_set", "1", "--digest", "d", "--policy",
                     "{nope"), "--policy is not JSON")
    assert_usage(run("governance", "propose", "rule_set", "1", "--digest", "d", "--policy",
                     "[1]"), "must be a JSON object")
    assert_usage(run("enterprise", "update", USCC), "nothing to update")
    assert not ledger.calls


@pytest.mark.parametrize("policy", ["[" * 100_000 + "]" * 100_000, '{"a": 1' + "0" * 5000 + "}"],
                         ids=["nested-100000-deep", "integer-5001-digits"])
def test_hostile_json_policy_exits_2_not_70(run, ledger: FakeLedger, policy: str):
    assert_usage(run("governance", "propose", "rule_set", "1", "--digest", "d", "--policy",
                     policy), "--policy is not JSON")
    assert not ledger.calls


def test_certificate_file_unreadable_or_not_pem(run, tmp_path: Path):
    assert_usage(run("enterprise", "bind-certificate", USCC, str(tmp_path / "none.pem")),
                 "cannot read certificate")
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"\xff\xfe binary")
    assert_usage(run("enterprise", "bind-certificate", USCC, str(bad)), "cannot read")
    text = tmp_path / "text.pem"
    text.write_text("hello")
    assert_usage(run("enterprise", "bind-certificate", USCC, str(text)), "no PEM certificate")
    assert_usage(run("identity", "revoke", "--reason", "r"), "exactly one of")


# -- the profile ----------------------------------------------------------------------------


def test_missing_profile_says_how_to_get_one(run, tmp_path: Path):
    r = run("enterprise", "show", USCC, environ={"CARBONTRUST_RUN_DIR": str(tmp_path)})
    assert_usage(r, f"no connection profile at {tmp_path / 'connection.json'}", "network up")


@pytest.mark.parametrize("content, words", [
    (b"{not json", ["is not JSON"]),
    (b"\xff\xfe\x00garbage", ["cannot read connection profile"]),
    (b"[1, 2]", ['no "orgs" object']),
    (b'{"orgs": []}', ['no "orgs" object']),
    (b'{"orgs": {"RegulatorMSP": 5}}', ["no user 'User1'"]),
    (b'{"orgs": {"RegulatorMSP": {"users": {"User1": {}}}}}', ["has no 'mspid' string"]),
    (b'{"orgs": {"RegulatorMSP": {"mspid": "RegulatorMSP", "users": {"User1": '
     b'{"cert": "/nonexistent/c.pem", "key": "k"}}}}}', ["certificate of User1@RegulatorMSP",
                                                         "/nonexistent/c.pem", "is missing"]),
    (b"", ["is not JSON"]),
    (b"[" * 100_000 + b"]" * 100_000, ["is not JSON"]),      # RecursionError in json
    (b'{"orgs": 1' + b"0" * 5000 + b"}", ["is not JSON"]),   # over the int digit limit
])
def test_broken_profiles(run, tmp_path: Path, content: bytes, words):
    path = tmp_path / "connection.json"
    path.write_bytes(content)
    assert_usage(run("enterprise", "show", USCC, "--profile", str(path)), *words)


def test_profile_path_with_nul_or_directory(run, tmp_path: Path):
    assert_usage(run("enterprise", "show", USCC, "--profile", "con\x00nection.json"), "profile")
    r = run("enterprise", "show", USCC, environ={"CARBONTRUST_PROFILE": str(tmp_path)})
    assert_usage(r, "cannot read connection profile")


def test_credentials_that_are_not_keys_exit_2_with_the_real_gateway_ledger(
        tmp_path: Path, capsys):
    """No fake here: the real ledger factory loads the files and refuses them."""
    path = write_profile(tmp_path)
    key = tmp_path / "RegulatorMSP" / "priv_sk"
    key.write_text("not a key")
    env = {"CARBONTRUST_PROFILE": str(path)}
    assert main(["enterprise", "show", USCC], environ=env) == 2
    err = capsys.readouterr().err
    assert f"private key {key} of User1@RegulatorMSP cannot be used" in err
    (tmp_path / "RegulatorMSP" / "cert.pem").write_text("-----BEGIN CERTIFICATE-----\nxx\n")
    assert main(["enterprise", "show", USCC], environ=env) == 2
    assert "certificate" in capsys.readouterr().err


def test_unreachable_peer_exits_3_with_the_real_gateway_ledger(tmp_path: Path, capsys):
    """Nothing listens on the profile's endpoint (127.0.0.1:1): no answer, exit 3."""
    env = {"CARBONTRUST_PROFILE": str(write_profile(tmp_path))}
    assert main(["enterprise", "show", USCC, "--timeout", "5"], environ=env) == 3
    err = capsys.readouterr().err
    assert "UNAVAILABLE" in err and "Traceback" not in err
    assert main(["meter", "add", "--uscc", USCC, "--meter", "m", "--timeout", "5"],
                environ=env) == 3


def test_refusal_rule_text_reaches_stderr_verbatim(run, ledger: FakeLedger):
    ledger.answers["registry:get_enterprise"] = refused(403, RULE)
    assert RULE in run("enterprise", "show", USCC).err


def test_tls_ca_that_is_not_a_certificate_exits_2_not_3(tmp_path: Path, capsys):
    """Without the check, grpc reports the handshake failure as UNAVAILABLE (exit 3)."""
    path = write_profile(tmp_path)
    ca = tmp_path / "RegulatorMSP" / "tlsca.pem"
    ca.write_text("garbage")
    assert main(["enterprise", "show", USCC], environ={"CARBONTRUST_PROFILE": str(path)}) == 2
    assert f"TLS CA {ca} of RegulatorMSP's peer holds no PEM certificate" in (
        capsys.readouterr().err)
