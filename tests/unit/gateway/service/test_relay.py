"""The regulator's relay routes: an enterprise signs its consent grants, revocations and
operating-data declarations on its side; the service prepares, endorses and submits them
with its own connection (real Relay, real gRPC, the FAKE PEER of relay_world as the seam)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fabric_protos.gateway import gateway_pb2
from fastapi.testclient import TestClient

from gateway._identity import Identity
from gateway.offline import OfflineRequest, describe, prepare_proposal
from tests.unit.gateway.service.conftest import ServiceFactory, auth, user_name
from tests.unit.gateway.service.relay_world import (
    ENT_CERT,
    ENT_KEY,
    ContractPeer,
    enterprise_signs,
    relay_peer,
)
from tests.unit.gateway.service.world import REPORT, USCC

GRANT = {"certificate": ENT_CERT, "consent_id": "c-loan-1", "report_id": REPORT,
         "bank": "BankMSP", "expires": "2027-03-01T00:00:00+08:00"}


@pytest.fixture()
def regulator(service: ServiceFactory) -> Iterator[tuple[TestClient, dict[str, str],
                                                           ContractPeer, Any]]:
    client, world = service("regulator")
    with relay_peer(world) as peer:
        yield client, auth(client, user_name("registrar")), peer, world


def _flow(client: TestClient, h: dict[str, str], kind: str, body: dict[str, Any],
          function: str) -> Any:
    r = client.post(f"/v1/relay/{kind}/prepare", json=body, headers=h)
    assert r.status_code == 200, r.text
    signed = enterprise_signs(r.json(), function)
    r = client.post("/v1/relay/endorse", json=signed, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "transaction"
    return client.post("/v1/relay/submit", json=enterprise_signs(r.json()), headers=h)


def test_a_grant_signed_by_the_enterprise_is_committed(regulator: Any) -> None:
    client, h, peer, _world = regulator
    r = client.post("/v1/relay/consent-grant/prepare", json=GRANT, headers=h)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["format"] == "carbontrust.offline-request/1" and doc["kind"] == "proposal"
    facts = describe(OfflineRequest.from_json(json.dumps(doc)))
    grant = json.loads(facts["args"][0])
    assert facts["function"] == "consent:grant" and facts["creator"]["mspid"] == "RegulatorMSP"
    assert grant == {"consent_id": "c-loan-1", "uscc": USCC, "bank": "BankMSP",
                     "report_id": REPORT, "period": {"start": "2026-01-01",
                                                     "end": "2026-01-31"},
                     "expires": "2027-02-28T16:00:00.000000Z"}
    tx = client.post("/v1/relay/endorse", json=enterprise_signs(doc, "consent:grant"),
                     headers=h)
    assert tx.status_code == 200, tx.text
    assert tx.json()["transaction_id"] == doc["transaction_id"]
    done = client.post("/v1/relay/submit", json=enterprise_signs(tx.json()), headers=h)
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"] == "VALID" and body["transaction_id"] == doc["transaction_id"]
    assert body["function"] == "consent:grant" and body["result"]["consent_id"] == "c-loan-1"
    assert isinstance(body["block_number"], int)
    # the enterprise signed the proposal and the transaction, the service only its status ask
    ent = next(s for c, s in peer.signers if c == "endorse")
    assert [c for c, _ in peer.signers] == ["endorse", "submit", "commit_status"]
    assert ent.startswith("CN=ent-") and peer.signers[1][1] == ent
    assert peer.signers[2][1] == "CN=User1@regulator" and peer.bad_signatures == 0


def test_revoke_after_grant_and_a_second_grant_is_409(regulator: Any) -> None:
    client, h, _peer, _world = regulator
    assert _flow(client, h, "consent-grant", GRANT, "consent:grant").status_code == 200
    again = client.post("/v1/relay/consent-grant/prepare", json=GRANT, headers=h).json()
    r = client.post("/v1/relay/endorse", json=enterprise_signs(again), headers=h)
    assert r.status_code == 409 and "already granted" in r.json()["detail"], r.text
    revoke = {k: GRANT[k] for k in ("certificate", "consent_id", "report_id", "bank")}
    done = _flow(client, h, "consent-revoke", revoke, "consent:revoke")
    assert done.status_code == 200 and done.json()["result"]["revoked"] is True, done.text


def test_a_declaration_travels_as_transient_data_to_the_keepers(regulator: Any) -> None:
    client, h, peer, _world = regulator
    raw = json.dumps({"uscc": USCC, "period": {"start": "2026-01-01", "end": "2026-01-31"}},
                     sort_keys=True).encode()
    signature = ENT_KEY.sign(raw, ec.ECDSA(hashes.SHA256()))
    body = {"certificate": ENT_CERT, "declaration": base64.b64encode(raw).decode(),
            "signature": base64.b64encode(signature).decode()}
    doc = client.post("/v1/relay/operating-declaration/prepare", json=body, headers=h)
    assert doc.status_code == 200, doc.text
    proposed = OfflineRequest.from_json(json.dumps(doc.json()))
    orgs = gateway_pb2.ProposedTransaction.FromString(proposed.message).endorsing_organizations
    assert list(orgs) == ["CertifierMSP", "RegulatorMSP"]
    done = _flow(client, h, "operating-declaration", body, "operating:declare")
    assert done.status_code == 200, done.text
    sent = peer.transients[-1]
    assert sent["declaration"] == raw and sent["signature"] == signature
    assert len(sent["salt"]) == 32 and len(done.json()["result"]["commitment"]) == 64
    # a declaration whose signature is not the enterprise's never becomes a proposal
    bad = {**body, "signature": base64.b64encode(
        ec.generate_private_key(ec.SECP256R1()).sign(raw, ec.ECDSA(hashes.SHA256()))).decode()}
    r = client.post("/v1/relay/operating-declaration/prepare", json=bad, headers=h)
    assert r.status_code == 422 and r.json()["type"].endswith("invalid-signature"), r.text


@pytest.mark.parametrize("certificate", ["not a certificate", "-----BEGIN CERTIFICATE-----\n"
                                         "AAAA\n-----END CERTIFICATE-----\n", "\udcff"])
def test_a_bad_certificate_is_a_problem(regulator: Any, certificate: str) -> None:
    client, h, _peer, _world = regulator
    r = client.post("/v1/relay/consent-grant/prepare",
                    content=json.dumps({**GRANT, "certificate": certificate}),
                    headers={**h, "content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"


def test_an_unknown_kind_is_a_problem(regulator: Any) -> None:
    client, h, _peer, _world = regulator
    r = client.post("/v1/relay/loan-decision/prepare", json=GRANT, headers=h)
    assert r.status_code in (404, 405) and r.headers["content-type"] == "application/problem+json"


def _tampered(doc: dict[str, Any], how: str) -> dict[str, Any]:
    raw = bytearray(base64.b64decode(doc["bytes"]))
    out = dict(doc)
    if how == "digest":
        out["digest"] = "00" * 32
    elif how == "bytes":           # args changed after signing, digest left
        out["bytes"] = base64.b64encode(bytes(raw).replace(b"BankMSP", b"EvilMSP")).decode()
    elif how == "bytes+digest":    # args changed after signing, digest recomputed to match
        changed = OfflineRequest(doc["kind"], bytes(raw).replace(b"BankMSP", b"EvilMSP"))
        out.update(bytes=base64.b64encode(changed.message).decode(),
                   digest=changed.digest.hex())
    elif how == "signature":
        out["signature"] = base64.b64encode(b"\x30\x06\x02\x01\x01\x02\x01\x01").decode()
    elif how == "garbage":
        out["bytes"] = base64.b64encode(b"\xff" * 40).decode()
    return out


@pytest.mark.parametrize(("how", "field"), [("digest", "digest"), ("bytes", "digest"),
                                            ("bytes+digest", "signature"),
                                            ("signature", "signature"), ("garbage", "bytes")])
def test_a_tampered_signed_document_never_reaches_the_peer(regulator: Any, how: str,
                                                           field: str) -> None:
    client, h, peer, _world = regulator
    doc = client.post("/v1/relay/consent-grant/prepare", json=GRANT, headers=h).json()
    r = client.post("/v1/relay/endorse", json=_tampered(enterprise_signs(doc), how),
                    headers=h)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == field, r.json()
    assert "endorse" not in peer.received


def test_only_the_relayed_functions_and_kinds_pass(regulator: Any) -> None:
    client, h, peer, _world = regulator
    other = prepare_proposal(Identity("RegulatorMSP", ENT_CERT.encode()), channel="carbon",
                             chaincode="carbon", function="put", args=["k", "v"])
    r = client.post("/v1/relay/endorse", json=enterprise_signs(other.document()), headers=h)
    assert r.status_code == 422 and r.json()["field"] == "function", r.text
    doc = client.post("/v1/relay/consent-grant/prepare", json=GRANT, headers=h).json()
    r = client.post("/v1/relay/submit", json=enterprise_signs(doc), headers=h)
    assert r.status_code == 422 and r.json()["field"] == "kind", r.text
    assert not peer.received


def test_no_peer_is_503_not_500(service: ServiceFactory) -> None:
    client, _world = service("regulator")
    h = auth(client, user_name("registrar"))
    doc = client.post("/v1/relay/consent-grant/prepare", json=GRANT, headers=h).json()
    r = client.post("/v1/relay/endorse", json=enterprise_signs(doc), headers=h)
    assert r.status_code == 503 and r.json()["type"].endswith("ledger-unavailable"), r.text
