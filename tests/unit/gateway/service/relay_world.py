"""The relay routes' world: an enterprise (its key stays here, the test's "enterprise side")
and a FAKE PEER (the seam) that checks every signature against the identity its message
names, as Fabric does, and answers the three relayed contract functions in memory. The
service's relay is the real ``gateway.offline.Relay`` over a real gRPC connection to it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

import gateway as g
from gateway.offline import OfflineRequest, Relay, sign_request
from tests.unit.gateway.conftest import make_cert
from tests.unit.gateway.fake_gateway import ChaincodeFailure
from tests.unit.gateway.test_offline_relay import CreatorCheckingPeer

ENT_KEY = ec.generate_private_key(ec.SECP256R1())
ENT_PEM = ENT_KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
ENT_CERT = make_cert(ENT_KEY, "ent-91350100M000100Y43").decode()
SERVICE_KEY = ec.generate_private_key(ec.SECP256R1())
SERVICE = g.Identity("RegulatorMSP", make_cert(SERVICE_KEY, "User1@regulator"))


class ContractPeer(CreatorCheckingPeer):
    """The relayed functions as the contract answers them (409 for a consent id granted
    twice); transient data and endorsing organisations kept for the tests to look at."""

    def __init__(self) -> None:
        super().__init__(SERVICE)
        self.grants: dict[str, dict[str, Any]] = {}
        self.transients: list[dict[str, bytes]] = []

    def _run(self, p: Any) -> Any:
        a = [x.decode() for x in p.args]
        if p.fn == "consent:grant":
            doc = json.loads(a[0])
            if doc["consent_id"] in self.grants:
                raise ChaincodeFailure(409, f"consent {doc['consent_id']} already granted")
            self.grants[doc["consent_id"]] = doc
            return json.dumps(doc).encode(), None
        if p.fn == "consent:revoke":
            uscc, report_id, bank, consent_id = a
            if consent_id not in self.grants:
                raise ChaincodeFailure(404, f"consent {consent_id} not found")
            return json.dumps({"consent_id": consent_id, "revoked": True}).encode(), None
        if p.fn == "operating:declare":
            t = dict(p.transient)
            self.transients.append(t)
            commitment = hashlib.sha256(t["salt"] + t["declaration"]).hexdigest()
            return json.dumps({"commitment": commitment}).encode(), None
        return super()._run(p)


@contextmanager
def relay_peer(world: Any) -> Iterator[ContractPeer]:
    """Start the peer; the service's fake ledger hands out a Relay connected to it."""
    peer = ContractPeer()
    peer.start()
    key = SERVICE_KEY.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    target = world.app.state.ledger.target()
    gw = g.connect(peer.endpoint, SERVICE, g.new_private_key_signer(key), insecure=True)
    world.contract.relay = Relay(gw, target.channel, target.chaincode)
    try:
        yield peer
    finally:
        world.contract.relay = None
        gw.close()
        peer.stop()


def enterprise_signs(document: dict[str, Any], function: str | None = None) -> dict[str, Any]:
    """The enterprise's side: read the document as `carbontrust offline sign` does, sign."""
    request = OfflineRequest.from_json(json.dumps(document))
    expect = {"function": function} if function else None
    signed: dict[str, Any] = sign_request(request, ENT_PEM, expect=expect).document()
    return signed


# -- the authorisation walk's requests for the relay routes ------------------------------

REPORT_ID = "CCR-91350100M000100Y43-20260101-20260131-v1"
_GRANT = {"certificate": ENT_CERT, "consent_id": "c-walk", "report_id": REPORT_ID,
          "bank": "BankMSP", "expires": "2027-01-01T00:00:00Z"}


def _declaration() -> dict[str, Any]:
    import base64

    from cryptography.hazmat.primitives import hashes

    raw = b'{"uscc":"91350100M000100Y43"}'
    return {"certificate": ENT_CERT, "declaration": base64.b64encode(raw).decode(),
            "signature": base64.b64encode(ENT_KEY.sign(raw, ec.ECDSA(hashes.SHA256())))
            .decode()}


def _proposal(world: Any) -> OfflineRequest:
    from gateway.offline import prepare_proposal

    target = world.app.state.ledger.target()
    return prepare_proposal(g.Identity("RegulatorMSP", ENT_CERT.encode()),
                            channel=target.channel, chaincode=target.chaincode,
                            function="consent:grant", args=['{"consent_id":"c-walk"}'])


def walk_prepare(kind: str) -> Any:
    body = _declaration() if kind == "operating-declaration" else (
        _GRANT if kind == "consent-grant" else {k: v for k, v in _GRANT.items()
                                                if k != "expires"})
    return lambda _c, _w: {"method": "POST", "url": f"/v1/relay/{kind}/prepare", "json": body}


def walk_endorse(_c: Any, world: Any) -> dict[str, Any]:
    # the walk's fake ledger has no peer: 503 from the relay is a call that passed
    # authorisation (the whole flow with a peer: test_relay.py)
    return {"method": "POST", "url": "/v1/relay/endorse", "expect": 503,
            "json": enterprise_signs(_proposal(world).document())}


def walk_submit(_c: Any, world: Any) -> dict[str, Any]:
    """A transaction endorsed by a fake peer and signed by the enterprise, submitted after
    that peer is gone (503: passed authorisation, as walk_endorse)."""
    with relay_peer(world):
        from gateway.offline import SignedRequest

        signed = SignedRequest.from_json(json.dumps(enterprise_signs(
            _proposal(world).document())))
        tx = world.contract.relay.endorse(signed)
    return {"method": "POST", "url": "/v1/relay/submit", "expect": 503,
            "json": enterprise_signs(tx.document())}
