from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from gateway._cli import main
from tests.unit.gateway.fake_gateway import FakePeer


@pytest.fixture()
def args(fake_peer: FakePeer, identity, key_pem: bytes, tmp_path: Path) -> list[str]:
    cert = tmp_path / "cert.pem"
    cert.write_bytes(identity.credentials)
    key = tmp_path / "key.pem"
    key.write_bytes(key_pem)
    assert serialization.load_pem_private_key(key_pem, None)
    return ["--msp-id", "PowerMSP", "--cert", str(cert), "--key", str(key),
            "--peer", fake_peer.endpoint, "--insecure"]  # fmt: skip


def test_submit_evaluate_events(args: list[str], capsys, tmp_path: Path):
    assert main(["submit", *args, "put", "k", "v"]) == 0
    assert capsys.readouterr().out == "v\n"
    assert main(["evaluate", *args, "get", "k"]) == 0
    assert capsys.readouterr().out == "v\n"
    cp = tmp_path / "cp.json"
    assert (
        main(["events", *args, "--start-block", "1", "--count", "1", "--checkpoint", str(cp),
              "--timeout", "5"]) == 0
    )
    record = json.loads(capsys.readouterr().out)
    assert record["name"] == "put" and json.loads(record["payload"]) == {"key": "k", "value": "v"}
    assert json.loads(cp.read_text())["blockNumber"] == 1
    assert main(["blocks", *args, "--filtered", "--start-block", "1", "--count", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["transactions"][0]["code"] == "VALID"


def test_event_not_delivered_is_not_checkpointed(args: list[str], tmp_path: Path, monkeypatch):
    """stdout gone (reader died) before the event is printed: the checkpoint stays put."""
    assert main(["submit", *args, "put", "k2", "v2"]) == 0
    import builtins

    def broken_print(*_a, **_k):
        raise BrokenPipeError("reader went away")

    cp = tmp_path / "cp.json"
    monkeypatch.setattr(builtins, "print", broken_print)
    with pytest.raises(BrokenPipeError):
        main(["events", *args, "--start-block", "1", "--count", "1", "--checkpoint", str(cp),
              "--timeout", "5"])
    assert not cp.exists()


def test_errors_print_evidence_and_exit_1(args: list[str], capsys):
    assert main(["submit", *args, "fail", "nope"]) == 1
    err = capsys.readouterr().err
    assert "endorse failed" in err and "(CertifierMSP): chaincode response 500, nope" in err


def test_missing_options(capsys):
    with pytest.raises(SystemExit, match="--msp-id"):
        main(["evaluate", "get", "k"])


def test_submit_honours_timeout_on_the_ordering_step(args: list[str], fake_peer: FakePeer, capsys):
    """--timeout bounds the whole submit, the submit (ordering) step included."""
    import time

    fake_peer.submit_delay = 3.0  # the gateway's default submit deadline is 5 s
    started = time.monotonic()
    assert main(["submit", *args, "--timeout", "0.5", "put", "k3", "v3"]) == 1
    assert time.monotonic() - started < 2.5
    err = capsys.readouterr().err
    assert "submit failed" in err and "DEADLINE_EXCEEDED" in err
