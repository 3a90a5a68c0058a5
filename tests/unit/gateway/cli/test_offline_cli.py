"""carbontrust offline show / sign: the enterprise's side of offline signing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from gateway import Identity
from gateway.offline import SignedRequest, prepare_proposal, verify_signature
from tests.unit.gateway.conftest import make_cert

from .conftest import Result

Run = Callable[..., Result]


def _pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    other = ec.generate_private_key(ec.SECP256R1())
    ident = Identity("RegulatorMSP", make_cert(key, "ent7"))
    request = prepare_proposal(ident, channel="carbon", chaincode="carbon",
                               function="consent:grant", args=['{"consent_id":"c-1"}'])
    out = {"key": tmp_path / "key.pem", "other": tmp_path / "other.pem",
           "request": tmp_path / "request.json", "junk": tmp_path / "junk.json"}
    out["key"].write_bytes(_pem(key))
    out["other"].write_bytes(_pem(other))
    out["request"].write_text(request.to_json())
    out["junk"].write_text('{"format": "carbontrust.offline-request/1"}')
    return out


def test_sign_writes_a_signed_document_that_verifies(run: Run, files: dict[str, Path]) -> None:
    res = run("offline", "sign", "--key", str(files["key"]), "--expect", "consent:grant",
              str(files["request"]))
    assert res.code == 0, res.err
    signed = SignedRequest.from_json(res.out)
    verify_signature(signed)
    assert "consent:grant on carbon/carbon as RegulatorMSP" in res.err
    assert "PRIVATE KEY" not in res.out + res.err


def test_show_decodes_the_request(run: Run, files: dict[str, Path]) -> None:
    res = run("offline", "show", str(files["request"]))
    assert res.code == 0, res.err
    facts = json.loads(res.out)
    assert facts["function"] == "consent:grant" and facts["args"] == ['{"consent_id":"c-1"}']


def test_another_identitys_key_is_refused(run: Run, files: dict[str, Path]) -> None:
    res = run("offline", "sign", "--key", str(files["other"]), str(files["request"]))
    assert res.code == 1 and "not signed: key:" in res.err and res.out == ""


def test_an_unexpected_function_is_refused(run: Run, files: dict[str, Path]) -> None:
    res = run("offline", "sign", "--key", str(files["key"]), "--expect", "consent:revoke",
              str(files["request"]))
    assert res.code == 1 and "not signed: function:" in res.err and res.out == ""


@pytest.mark.parametrize(("which", "key"), [("junk", "key"), ("request", "missing"),
                                            ("request", "junk")])
def test_unreadable_input_is_exit_2(run: Run, files: dict[str, Path], which: str,
                                    key: str) -> None:
    key_path = files.get(key, files["key"].parent / "missing.pem")
    res = run("offline", "sign", "--key", str(key_path), str(files[which]))
    assert res.code == 2, (res.code, res.err)
    assert "Traceback" not in res.err and res.out == ""
