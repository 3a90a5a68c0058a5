"""gateway.offline: a service relays requests an enterprise signs elsewhere (FakePeer seam).

The fake peer here checks every signature against the identity the message names (the
proposal's and the transaction's creator, the commit status request's identity), as Fabric
does, instead of against one fixed key: the enterprise must sign its proposal and its
transaction, and the service its own commit status request.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import proposal_pb2

import gateway as g
from gateway import aio
from gateway._signing import is_low_s
from gateway.offline import (
    AsyncRelay,
    OfflineExpectationError,
    OfflineFormatError,
    OfflineIdentityError,
    OfflineRequest,
    OfflineSignatureError,
    Relay,
    SignedRequest,
    describe,
    sign_request,
    verify_signature,
)
from tests.unit.gateway.conftest import make_cert
from tests.unit.gateway.fake_gateway import FakePeer


class CreatorCheckingPeer(FakePeer):
    """Verifies each signature with the certificate of the identity its message names."""

    def __init__(self, identity: g.Identity) -> None:
        super().__init__(identity)
        self.local = threading.local()
        self.signers: list[tuple[str, str]] = []    # (call, subject of the signer)

    def _as(self, call: str, serialized: bytes) -> None:
        ident = g.Identity.from_serialized(serialized)
        self.local.key = ident.certificate.public_key()
        self.signers.append((call, ident.certificate.subject.rfc4514_string()))

    def _verify(self, message: bytes, signature: bytes, context: Any) -> None:
        try:
            self.local.key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            self.bad_signatures += 1
            context.abort(__import__("grpc").StatusCode.PERMISSION_DENIED, "bad signature")

    def _proposal_creator(self, signed: Any) -> bytes:
        header = proposal_pb2.Proposal.FromString(signed.proposal_bytes).header
        return bytes(common_pb2.SignatureHeader.FromString(
            common_pb2.Header.FromString(header).signature_header).creator)

    def Evaluate(self, request: Any, context: Any) -> Any:
        self._as("evaluate", self._proposal_creator(request.proposed_transaction))
        return super().Evaluate(request, context)

    def Endorse(self, request: Any, context: Any) -> Any:
        self._as("endorse", self._proposal_creator(request.proposed_transaction))
        return super().Endorse(request, context)

    def Submit(self, request: Any, context: Any) -> Any:
        payload = common_pb2.Payload.FromString(request.prepared_transaction.payload)
        self._as("submit", common_pb2.SignatureHeader.FromString(
            payload.header.signature_header).creator)
        return super().Submit(request, context)

    def CommitStatus(self, request: Any, context: Any) -> Any:
        self._as("commit_status", gateway_pb2.CommitStatusRequest.FromString(
            request.request).identity)
        return super().CommitStatus(request, context)


ENT_KEY = ec.generate_private_key(ec.SECP256R1())
ENT_PEM = ENT_KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
ENTERPRISE = g.Identity("RegulatorMSP", make_cert(ENT_KEY, "ent42"))


@pytest.fixture()
def peer(identity: g.Identity) -> Iterator[CreatorCheckingPeer]:
    p = CreatorCheckingPeer(identity)
    p.start()
    try:
        yield p
    finally:
        p.stop()


@pytest.fixture()
def relay(peer: CreatorCheckingPeer, identity: g.Identity, key_pem: bytes) -> Iterator[Relay]:
    """The service: its own identity and signer (the fixture's PowerMSP User1)."""
    with g.connect(peer.endpoint, identity, g.new_private_key_signer(key_pem),
                   insecure=True) as gw:
        yield Relay(gw, "carbon", "carbon")


def travel(doc: OfflineRequest | SignedRequest) -> str:
    """What crosses between service and enterprise: JSON text."""
    return doc.to_json()


def test_the_enterprise_signs_twice_and_the_service_submits(relay: Relay,
                                                            peer: CreatorCheckingPeer) -> None:
    request = relay.prepare(ENTERPRISE, "put", ["k", "v"])
    # enterprise side: read, check, sign
    got = OfflineRequest.from_json(travel(request))
    assert describe(got)["function"] == "put" and describe(got)["args"] == ["k", "v"]
    signed = sign_request(got, ENT_PEM, expect={"function": "put", "chaincode": "carbon"})
    # service side: endorse, hand back the transaction
    tx_request = relay.endorse(SignedRequest.from_json(travel(signed)))
    assert tx_request.transaction_id == request.transaction_id
    facts = describe(OfflineRequest.from_json(travel(tx_request)))
    assert facts["kind"] == "transaction" and facts["function"] == "put"
    assert facts["response"]["status"] == 200 and facts["response"]["payload"] == "v"
    signed_tx = sign_request(OfflineRequest.from_json(travel(tx_request)), ENT_PEM)
    submitted = relay.submit(SignedRequest.from_json(travel(signed_tx)))
    status = submitted.status()
    assert status.successful and submitted.result == b"v"
    assert peer.bad_signatures == 0
    ent = ENTERPRISE.certificate.subject.rfc4514_string()
    service = relay._gateway.identity.certificate.subject.rfc4514_string()
    assert peer.signers == [("endorse", ent), ("submit", ent), ("commit_status", service)]


def test_evaluate_as_the_enterprise(relay: Relay, peer: CreatorCheckingPeer) -> None:
    peer.state["k"] = b"42"
    request = relay.prepare(ENTERPRISE, "get", ["k"])
    assert relay.evaluate(sign_request(request, ENT_PEM)) == b"42"


def test_a_signature_that_does_not_verify_never_leaves_the_service(
        relay: Relay, peer: CreatorCheckingPeer, key_pem: bytes) -> None:
    request = relay.prepare(ENTERPRISE, "put", ["k", "v"])
    other = ec.generate_private_key(ec.SECP256R1())
    forged = request.with_signature(other.sign(request.signed_bytes, ec.ECDSA(hashes.SHA256())))
    with pytest.raises(OfflineSignatureError) as err:
        relay.endorse(forged)
    assert err.value.field == "signature" and request.transaction_id in str(err.value)
    assert "endorse" not in peer.received


def test_the_service_relays_only_its_chaincode_and_the_right_kind(relay: Relay) -> None:
    elsewhere = Relay(relay._gateway, "carbon", "other")
    signed = sign_request(elsewhere.prepare(ENTERPRISE, "put", ["k", "v"]), ENT_PEM)
    with pytest.raises(OfflineExpectationError) as err:
        relay.endorse(signed)
    assert (err.value.field, err.value.expected, err.value.found) == ("chaincode", "carbon",
                                                                      "other")
    with pytest.raises(OfflineExpectationError):
        relay.submit(sign_request(relay.prepare(ENTERPRISE, "put", ["k"]), ENT_PEM))


def test_the_enterprise_signs_only_its_own_requests(relay: Relay, key_pem: bytes) -> None:
    request = relay.prepare(ENTERPRISE, "put", ["k", "v"])
    with pytest.raises(OfflineIdentityError) as err:
        sign_request(request, key_pem)           # the service's key, not the creator's
    assert err.value.field == "key"
    with pytest.raises(OfflineIdentityError):
        sign_request(request, b"not a key")


def test_the_enterprise_signs_only_what_it_expects(relay: Relay) -> None:
    request = relay.prepare(ENTERPRISE, "consent:grant", ["{}"])
    with pytest.raises(OfflineExpectationError) as err:
        sign_request(request, ENT_PEM, expect={"function": "consent:revoke"})
    assert (err.value.expected, err.value.found) == ("consent:revoke", "consent:grant")
    with pytest.raises(OfflineExpectationError):
        sign_request(request, ENT_PEM, expect={"kind": "transaction"})


def test_describe_hides_transient_values(relay: Relay) -> None:
    request = relay.prepare(ENTERPRISE, "operating:declare",
                            transient={"declaration": b"secret figures 5200"},
                            endorsing_organizations=["CertifierMSP", "RegulatorMSP"])
    facts = describe(request)
    assert facts["transient"]["declaration"]["bytes"] == 19
    assert "5200" not in json.dumps(facts)
    assert facts["creator"]["mspid"] == "RegulatorMSP"
    assert facts["endorsing_organizations"] == ["CertifierMSP", "RegulatorMSP"]
    assert facts["channel"] == "carbon" and facts["timestamp"].endswith("Z")


def test_signature_is_ecdsa_low_s_over_the_digest(relay: Relay) -> None:
    request = relay.prepare(ENTERPRISE, "put", ["k", "v"])
    signed = sign_request(request, ENT_PEM)
    verify_signature(signed)                     # raises if not
    assert is_low_s(signed.signature)
    tampered = SignedRequest(OfflineRequest("proposal", relay.prepare(
        ENTERPRISE, "put", ["k", "w"]).message), signed.signature)
    with pytest.raises(OfflineSignatureError):
        verify_signature(tampered)


def _edit(doc_text: str, **changes: Any) -> str:
    doc = json.loads(doc_text)
    doc.update(changes)
    return json.dumps(doc)


@pytest.mark.parametrize(("change", "field"), [
    ({"digest": "00" * 32}, "digest"),
    ({"transaction_id": "ab" * 32}, "transaction_id"),
    ({"bytes": "***"}, "bytes"),
    ({"bytes": base64.b64encode(b"\xff\xff").decode()}, "bytes"),
    ({"kind": "block"}, "kind"),
    ({"format": "carbontrust.offline-signed/1"}, "format"),
    ({"note": "x"}, "note"),
])
def test_a_document_that_does_not_match_its_bytes_is_refused(relay: Relay,
                                                             change: dict[str, str],
                                                             field: str) -> None:
    text = relay.prepare(ENTERPRISE, "put", ["k", "v"]).to_json()
    with pytest.raises(OfflineFormatError) as err:
        OfflineRequest.from_json(_edit(text, **change))
    assert err.value.field == field, err.value


def test_unreadable_documents_are_typed_errors() -> None:
    for text in ("", "[]", "{", b"\xff"):
        with pytest.raises(OfflineFormatError):
            OfflineRequest.from_json(text)
    with pytest.raises(OfflineFormatError) as err:
        SignedRequest.from_json(json.dumps({"format": "carbontrust.offline-signed/1"}))
    assert err.value.field in {"bytes", "digest", "kind", "signature", "transaction_id"}


def test_a_forged_transaction_id_is_refused(relay: Relay) -> None:
    proposed = gateway_pb2.ProposedTransaction.FromString(
        relay.prepare(ENTERPRISE, "put", ["k", "v"]).message)
    proposal = proposal_pb2.Proposal.FromString(proposed.proposal.proposal_bytes)
    header = common_pb2.Header.FromString(proposal.header)
    channel = common_pb2.ChannelHeader.FromString(header.channel_header)
    channel.tx_id = proposed.transaction_id = "ab" * 32
    header.channel_header = channel.SerializeToString()
    proposal.header = header.SerializeToString()
    proposed.proposal.proposal_bytes = proposal.SerializeToString()
    with pytest.raises(OfflineFormatError) as err:
        describe(OfflineRequest("proposal", proposed.SerializeToString()))
    assert err.value.field == "transaction_id"


def test_async_relay(peer: CreatorCheckingPeer, identity: g.Identity, key_pem: bytes) -> None:
    async def flow() -> bool:
        async with aio.connect(peer.endpoint, identity, g.new_private_key_signer(key_pem),
                               insecure=True) as gw:
            relay = AsyncRelay(gw, "carbon", "carbon")
            request = relay.prepare(ENTERPRISE, "put", ["a", "b"])
            tx = await relay.endorse(sign_request(request, ENT_PEM))
            submitted = await relay.submit(sign_request(tx, ENT_PEM))
            return (await submitted.status()).successful

    assert asyncio.run(flow())
    assert peer.bad_signatures == 0 and [c for c, _ in peer.signers] == [
        "endorse", "submit", "commit_status"]
