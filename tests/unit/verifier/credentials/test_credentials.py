"""verifier.credentials: VC 2.0 credentials secured as vc+jwt, checked to the MSP roots,
in time and against the ledger's status."""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import sys
from typing import Any

import jwt
import pytest
import rfc8785

from verifier.credentials import (
    BASE_CONTEXT,
    CredentialError,
    StatusSnapshot,
    attestation_credential,
    did_for,
    key_id,
    make_snapshot,
    read_jws,
    sign_credential,
    verify_credential,
)

from ..pki import make_org, orgs, roots_of
from . import factory as f

ROOTS = roots_of(orgs())


def _seg(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(rfc8785.dumps(data)).rstrip(b"=").decode()


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    h, p, _ = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    return (json.loads(base64.urlsafe_b64decode(pad(h))),
            json.loads(base64.urlsafe_b64decode(pad(p))))


def _forge(header: dict[str, Any], payload: dict[str, Any], key_pem: bytes) -> str:
    """A JWS made outside sign_credential (PyJWT directly), to reach verify's checks."""
    extra = {k: v for k, v in header.items() if k != "alg"}
    return jwt.PyJWS().encode(rfc8785.dumps(payload), key_pem, algorithm=header["alg"],
                              headers=extra)


def _refused(token: str, code: str, lookup: Any = None, now: dt.datetime = f.NOW) -> str:
    with pytest.raises(CredentialError) as err:
        verify_credential(token, ROOTS, lookup or (lambda e: pytest.fail("status asked")),
                          now=now)
    assert err.value.code == code, str(err.value)
    return err.value.detail


def test_attestation_credential_verifies_and_is_vc_jose_cose() -> None:
    token, doc = f.issue()
    header, payload = _parts(token)
    who, ca = f.certifier().identities["client"], f.certifier().ca
    did = did_for(who.cert, ca.cert)
    assert header == {"alg": "ES256", "typ": "vc+jwt", "cty": "vc", "kid": did + "#0",
                      "x5c": [base64.b64encode(c.cert.public_bytes(
                          __import__("cryptography.hazmat.primitives.serialization",
                                     fromlist=["Encoding"]).Encoding.DER)).decode()
                          for c in (who, ca)]}
    assert payload == doc and "vc" not in payload             # the payload IS the credential
    assert payload["@context"][0] == BASE_CONTEXT
    assert payload["issuer"]["id"] == did and did.endswith("::subject:CN:User1%40CertifierMSP")
    assert payload["validFrom"] == "2026-03-01T08:00:00Z"
    assert payload["credentialSubject"]["attestation"] == f.record()["statement"] | {
        "verifier": payload["credentialSubject"]["attestation"]["verifier"]}
    ledger = f.LedgerStatus().of(doc)
    out = verify_credential(token, ROOTS, ledger, now=f.NOW)
    assert out["kind"] == "attestation" and out["issuer_msp"] == "CertifierMSP"
    assert out["status"] == {"status": "active", "source": "ledger", "latest_version": 1}
    assert ledger.calls == [doc["credentialStatus"]]
    assert doc["credentialStatus"]["arguments"] == ["914403001922038216", "2023-01-01",
                                                    "2023-12-31", "1"]


def test_report_credential_carries_digest_and_figures() -> None:
    from verifier.report import report_digest

    report = f.golden_report()
    token, doc = f.issue_report(report=report)
    sub = doc["credentialSubject"]
    assert sub["report"]["digest"] == report_digest(f.golden_report())
    assert sub["emissions"]["total_tco2e"] == report["emissions"]["total_tco2e"]
    assert [r["label"] for r in sub["ratings"]] == [r["label"] for r in
                                                    report["rating"]["ratings"]]
    ledger = f.LedgerStatus().of(doc)
    out = verify_credential(token, ROOTS, ledger, now=f.NOW)
    assert out["kind"] == "report" and out["issuer_msp"] == "RegulatorMSP"
    assert [e["function"] for e in ledger.calls] == ["report:status", "attestation:status"]
    assert ledger.calls[0]["arguments"] == ["914403001922038216", "2023-01-01", "2023-12-31",
                                            "1"]


def test_a_tampered_payload_is_refused() -> None:
    token, doc = f.issue()
    h, _, s = token.split(".")
    doc["credentialSubject"]["attestation"]["opinion"] = "qualified"
    assert "does not verify" in _refused(f"{h}.{_seg(doc)}.{s}", "SIGNATURE")


def test_a_signature_by_another_key_is_refused() -> None:
    token, doc = f.issue()
    header, _ = _parts(token)
    other = f.certifier().identities["admin"]      # same MSP, but not the x5c leaf's key
    _refused(_forge(header, doc, other.key_pem), "SIGNATURE")
    with pytest.raises(ValueError, match="not the P-256 key"):
        sign_credential(doc, f.certifier().identities["client"].cert_pem, other.key_pem,
                        f.certifier().ca.cert_pem)


def test_an_x5c_not_under_the_trusted_roots_is_refused() -> None:
    impostor = make_org("CertifierMSP")    # same names, another root CA
    token, _ = f.issue(org=impostor)
    assert "no trusted MSP root" in _refused(token, "UNTRUSTED")


def test_an_attestation_signed_by_another_organisation_is_refused() -> None:
    token, _ = f.issue(org=f.regulator())
    assert "only CertifierMSP" in _refused(token, "UNTRUSTED")


def test_a_peer_identity_cannot_issue() -> None:
    org = f.certifier()
    org.identities.setdefault("peer", org.issue("peer0@CertifierMSP", ("peer",)))
    token, _ = f.issue(role="peer")
    assert "NodeOU 'peer'" in _refused(token, "UNTRUSTED")


def test_issuer_and_kid_must_be_the_chains_did() -> None:
    token, doc = f.issue()
    header, _ = _parts(token)
    key = f.certifier().identities["client"].key_pem
    other = did_for(f.certifier().identities["admin"].cert, f.certifier().ca.cert)
    _refused(_forge(header, doc | {"issuer": {"id": other, "name": "x"}}, key), "ISSUER")
    _refused(_forge(header | {"kid": other + "#0"}, doc, key), "ISSUER")


@pytest.mark.parametrize(("change", "code"), [
    ({"alg": "ES384"}, "HEADER"), ({"typ": "JWT"}, "HEADER"), ({"cty": "json"}, "HEADER"),
    ({"crit": ["exp"]}, "HEADER"), ({"jku": "https://attacker.example/keys"}, "HEADER"),
    ({"x5c": []}, "HEADER"), ({"x5c": ["bm90IGEgY2VydA==", "bm90IGEgY2VydA=="]}, "HEADER"),
])
def test_headers_other_than_ours_are_refused(change: dict[str, Any], code: str) -> None:
    token, doc = f.issue()
    header, _ = _parts(token)
    forged = header | change
    key = f.certifier().identities["client"].key_pem
    if forged["alg"] != "ES256":
        h = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
        _, p, s = token.split(".")
        _refused(f"{h}.{p}.{s}", code)
    else:
        _refused(_forge(forged, doc, key), code)


def test_alg_none_is_refused() -> None:
    token, doc = f.issue()
    header, _ = _parts(token)
    h = base64.urlsafe_b64encode(json.dumps(header | {"alg": "none"}).encode()).rstrip(b"=")
    assert "alg is 'none'" in _refused(f"{h.decode()}.{_seg(doc)}.", "HEADER")


@pytest.mark.parametrize("bad", ["", "a.b", "a.b.c.d", "!!.??.**", "e30.e30.e30"])
def test_not_a_jws_is_a_format_error(bad: str) -> None:
    with pytest.raises(CredentialError) as err:
        read_jws(bad)
    assert err.value.code in ("FORMAT", "HEADER")


def test_a_duplicate_header_member_is_refused() -> None:
    token, _ = f.issue()
    h, p, s = token.split(".")
    raw = base64.urlsafe_b64decode(h + "=" * (-len(h) % 4)).decode()
    dup = raw[:-1] + ',"typ":"JWT"}'
    h2 = base64.urlsafe_b64encode(dup.encode()).rstrip(b"=").decode()
    assert "duplicate" in _refused(f"{h2}.{p}.{s}", "FORMAT")


def test_an_expired_credential_is_refused() -> None:
    token, _ = f.issue(valid_until=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    assert "validUntil 2026-04-01T00:00:00Z" in _refused(token, "EXPIRED")
    # within its period it verifies
    _, doc = f.issue(valid_until=dt.datetime(2026, 4, 1, tzinfo=dt.UTC))
    verify_credential(token, ROOTS, f.LedgerStatus().of(doc),
                      now=dt.datetime(2026, 3, 15, tzinfo=dt.UTC))


def test_a_credential_not_yet_valid_is_refused() -> None:
    token, _ = f.issue(valid_from=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    _refused(token, "NOT_YET_VALID")
    token, _ = f.issue(valid_from=dt.datetime(2040, 1, 1, tzinfo=dt.UTC))   # after notAfter
    assert "signer's certificate" in _refused(token, "NOT_YET_VALID",
                                               now=dt.datetime(2041, 1, 1, tzinfo=dt.UTC))


def test_a_withdrawn_attestation_is_refused() -> None:
    token, doc = f.issue()
    detail = _refused(token, "STATUS_WITHDRAWN", f.LedgerStatus().of(doc, status="withdrawn"))
    assert "withdrawn on the ledger (tx tx0031" in detail
    rtoken, rdoc = f.issue_report()     # the attestation under a valid report
    assert "the attestation 914403001922038216" in _refused(
        rtoken, "STATUS_WITHDRAWN", f.LedgerStatus().of(rdoc, status="withdrawn"))


def test_a_withdrawn_or_superseded_report_is_refused() -> None:
    rtoken, rdoc = f.issue_report()
    detail = _refused(rtoken, "STATUS_WITHDRAWN", f.LedgerStatus().of(rdoc, report="withdrawn"))
    assert "CCR-914403001922038216-20230101-20231231-v1 was withdrawn on the ledger (tx tx0040" \
        in detail
    assert "superseded by CCR-next" in _refused(
        rtoken, "STATUS_SUPERSEDED", f.LedgerStatus().of(rdoc, report="superseded"))


def test_a_report_status_of_another_digest_is_refused() -> None:
    rtoken, rdoc = f.issue_report()
    ledger = f.LedgerStatus().of(rdoc)
    key = next(k for k in ledger.records if k[0] == "report:status")
    ledger.records[key]["digest"] = "sha256:" + "00" * 32
    _refused(rtoken, "STATUS_MISMATCH", ledger)


def test_a_later_attested_version_leaves_the_attestation_credential_valid() -> None:
    token, doc = f.issue()
    out = verify_credential(token, ROOTS, f.LedgerStatus().of(doc, latest=2), now=f.NOW)
    assert out["status"]["latest_version"] == 2


def test_a_status_of_another_attestation_is_refused() -> None:
    token, doc = f.issue()
    ledger = f.LedgerStatus()
    ledger.put(*doc["credentialStatus"]["arguments"][:3], 1, "sha256:" + "00" * 32)
    assert "statement digest" in _refused(token, "STATUS_MISMATCH", ledger)


def test_a_status_entry_not_the_subjects_is_refused() -> None:
    token, doc = f.issue()
    header, _ = _parts(token)
    doc["credentialStatus"]["arguments"][3] = "2"     # points at another (active) version
    key = f.certifier().identities["client"].key_pem
    _refused(_forge(header, doc, key), "CREDENTIAL")


def test_status_digest_in_subject_must_match_statement() -> None:
    token, doc = f.issue()
    header, _ = _parts(token)
    doc["credentialSubject"]["statementDigest"] = "sha256:" + "11" * 32
    _refused(_forge(header, doc, f.certifier().identities["client"].key_pem), "CREDENTIAL")


def test_the_ledger_signature_over_the_statement_is_checked() -> None:
    token, doc = f.issue()
    header, _ = _parts(token)
    key = f.certifier().identities["client"].key_pem
    other = f.record(f.certifier().identities["admin"])["signature"]   # another key's
    doc["credentialSubject"]["ledgerRecord"]["signature"] = other
    assert "ledgerRecord.signature" in _refused(_forge(header, doc, key), "CREDENTIAL")


def test_another_identity_of_the_certifier_may_issue_the_credential() -> None:
    token, doc = f.issue(role="admin")     # the statement was signed by User1
    out = verify_credential(token, ROOTS, f.LedgerStatus().of(doc), now=f.NOW)
    assert out["signer"].startswith("CN=Admin@CertifierMSP,OU=admin")


def test_offline_mode_answers_from_a_snapshot_and_says_so() -> None:
    token, doc = f.issue()
    answer = f.LedgerStatus().of(doc)(doc["credentialStatus"])
    as_of = dt.datetime(2026, 5, 31, 12, tzinfo=dt.UTC)
    snap = json.loads(json.dumps(make_snapshot([(doc["credentialStatus"], answer)], as_of)))
    out = verify_credential(token, ROOTS, StatusSnapshot(snap), now=f.NOW)
    assert out["status"] == {"status": "active", "source": "snapshot", "latest_version": 1,
                             "as_of": "2026-05-31T12:00:00Z"}
    stale = StatusSnapshot(snap, max_age=dt.timedelta(hours=6))
    _refused(token, "STATUS_STALE", stale)
    empty = StatusSnapshot(make_snapshot([], as_of))
    _refused(token, "STATUS_UNAVAILABLE", empty)


def test_builders_refuse_what_is_not_valid() -> None:
    rec = f.record() | {"status": "withdrawn"}
    with pytest.raises(ValueError, match="withdrawn"):
        attestation_credential(rec, issuer="did:x509:x", issuer_name="x", channel="c",
                               chaincode="c", valid_from=f.ISSUED)
    rec = f.record()
    rec["statement"]["opinion"] = "adverse"
    with pytest.raises(ValueError, match="statement_digest"):
        attestation_credential(rec, issuer="did:x509:x", issuer_name="x", channel="c",
                               chaincode="c", valid_from=f.ISSUED)
    with pytest.raises(ValueError, match="not the certificate's"):
        f.issue(lambda **a: attestation_credential(f.record(), **a | {"issuer": "did:x"}))


def test_key_id_is_the_did_url() -> None:
    assert key_id("did:x509:0:sha256:AA::subject:CN:x") == "did:x509:0:sha256:AA::subject:CN:x#0"


def test_the_package_stays_pure() -> None:
    code = ("import sys, verifier.credentials as c; "
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('gateway', 'network', 'chaincode')]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
