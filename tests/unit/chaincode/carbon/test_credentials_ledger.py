"""The credentials' status on the contract itself (MemoryLedger): credentials issued from the
ledger's own records, signed by the unit tests' MSP identities, verified with a status lookup
that evaluates the real ``attestation:status`` / ``report:status`` as the bank; withdrawal and
supersession on the ledger refuse them."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from verifier.credentials import (
    CredentialError,
    attestation_credential,
    did_for,
    report_credential,
    sign_credential,
    verify_credential,
)
from verifier.report import report_digest

from . import identities
from . import report_world as rpt
from . import results_world as rw
from .conftest import World
from .report_world import PERIOD

ISSUED = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 6, 2, tzinfo=dt.UTC)


@cache
def _root(mspid: str) -> x509.Certificate:
    """The self-signed root of ``identities``' CA for ``mspid`` (same name and key)."""
    name, key = identities._ca(mspid)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(identities.T0)
            .not_valid_after(identities.T0 + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))


def _sign(w: World, who: str, build: Any) -> str:
    ident = w[who]
    root = _root(ident.mspid)
    cert = x509.load_pem_x509_certificate(ident.pem)
    doc = build(issuer=did_for(cert, root), issuer_name=ident.mspid, channel="carbon",
                chaincode="carbon", valid_from=ISSUED)
    key_pem = ident.key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())
    return sign_credential(doc, ident.pem, key_pem, root.public_bytes(serialization.Encoding.PEM))


def _verify(w: World, token: str) -> dict[str, Any]:
    roots = {m: [_root(m)] for m in identities.ORGS}

    def on_the_banks_peer(entry: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = w.ok("bank-client", entry["function"], *entry["arguments"])
        return answer

    return verify_credential(token, roots, on_the_banks_peer, now=NOW)


def _refused(w: World, token: str, code: str) -> str:
    with pytest.raises(CredentialError) as err:
        _verify(w, token)
    assert err.value.code == code, str(err.value)
    return err.value.detail


@pytest.fixture
def rated(world: World) -> World:
    rw.prepare(world, correct=False)
    assert rw.attest(world, rw.compute(world)).status == 200
    assert rw.rate(world).status == 200
    return world


def test_attestation_credential_until_the_ledger_withdraws_it(rated: World) -> None:
    record = rated.ok("bank-client", "attestation:get", *PERIOD, "1")
    token = _sign(rated, "certifier-client",
                  lambda **a: attestation_credential(record, **a))
    out = _verify(rated, token)
    assert out["status"]["status"] == "active" and out["issuer_msp"] == "CertifierMSP"
    rated.ok("certifier-admin", "attestation:withdraw", *PERIOD, "1", "evidence withdrawn")
    assert "was withdrawn on the ledger" in _refused(rated, token, "STATUS_WITHDRAWN")


def test_report_credential_until_a_new_version_supersedes_it(rated: World) -> None:
    first = rpt.report(rated)
    assert rpt.issue(rated, first).status == 200
    token = _sign(rated, "regulator-client", lambda **a: report_credential(first, **a))
    assert _verify(rated, token)["kind"] == "report"
    second = rpt.report(rated, 2, {"id": first["report"]["id"],
                                   "digest": report_digest(first)})
    assert rpt.issue(rated, second).status == 200
    assert "superseded by " + second["report"]["id"] in _refused(rated, token,
                                                                 "STATUS_SUPERSEDED")
    token2 = _sign(rated, "regulator-client", lambda **a: report_credential(second, **a))
    assert _verify(rated, token2)["status"]["status"] == "active"
    rated.ok("certifier-client", "report:withdraw", *PERIOD, "2", "figures wrong")
    _refused(rated, token2, "STATUS_WITHDRAWN")


def test_a_report_credential_falls_with_its_attestation(rated: World) -> None:
    doc = rpt.report(rated)
    assert rpt.issue(rated, doc).status == 200
    token = _sign(rated, "certifier-client", lambda **a: report_credential(doc, **a))
    rated.ok("certifier-client", "attestation:withdraw", *PERIOD, "1", "evidence withdrawn")
    assert "attestation" in _refused(rated, token, "STATUS_WITHDRAWN")
