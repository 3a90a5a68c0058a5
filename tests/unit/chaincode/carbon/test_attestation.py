"""attestation:attest / withdraw / get: the certifier's signed ISO 14064-3 statement."""

from __future__ import annotations

import base64
import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from accounting import readings as rd
from chaincode.carbon import contracts
from chaincode.carbon._codec import canonical

from . import results_world as rw
from .conftest import E1, World
from .ledger import MemoryLedger


@pytest.fixture
def computed(world: World) -> tuple[World, dict[str, Any]]:
    rw.prepare(world)
    return world, rw.compute(world)


def test_attestation_is_public_signed_and_verifies_offline(computed: tuple[World, Any]) -> None:
    w, result = computed
    res = rw.attest(w, result)
    assert res.status == 200, res.message
    assert {c for c, _k in res.writes} == {""}
    rec = res.json()
    assert rec["status"] == "valid" and rec["withdrawn"] is None
    s = rec["statement"]
    assert s["result"] == {"version": 1, "digest": result["digest"]}
    assert s["verifier"]["certificate_fingerprint"] == rw.fingerprint(w["certifier-client"])
    # offline: the certificate in the record verifies the signature over the canonical bytes
    cert = x509.load_pem_x509_certificate(rec["certificate"].encode())
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(base64.b64decode(rec["signature"]), canonical(s), ec.ECDSA(hashes.SHA256()))
    assert rec["statement_digest"] == "sha256:" + hashlib.sha256(canonical(s)).hexdigest()
    assert res.event is not None
    entry = json.loads(res.event[1])
    assert entry["entry"] == "attestation.attest"
    assert entry["digests"]["result"] == result["digest"]
    assert entry["digests"]["statement"] == rec["statement_digest"]
    assert entry["digests"]["attestation"] == "sha256:" + hashlib.sha256(
        canonical(rec)).hexdigest()
    assert entry["keys"]["opinion"] == "unmodified"
    for who in ("bank-client", "power-client", "ent1", "regulator-client"):
        assert w.ok(who, "attestation:get", E1, rw.START, rw.END, "1") == rec
        assert w.ok(who, "attestation:get", E1, rw.START, rw.END, "") == rec


@pytest.mark.parametrize("who", ["regulator-client", "regulator-admin", "bank-client",
                                 "power-admin", "ent1"])
def test_only_the_certifier_attests(computed: tuple[World, Any], who: str) -> None:
    w, result = computed
    res = rw.attest(w, result, who)   # signed by the submitter, naming itself
    assert res.status == 403 and "attestation.attest" in res.message, res.message


def test_certifier_admin_may_attest(computed: tuple[World, Any]) -> None:
    w, result = computed
    assert rw.attest(w, result, "certifier-admin").status == 200


def test_signature_by_another_key_is_refused(computed: tuple[World, Any]) -> None:
    w, result = computed
    who = "certifier-client"
    s = rw.statement(w[who], rw.fingerprint(w[who]), result)
    text, _ = rw.signed(w[who], s)
    _, other = rw.signed(w["certifier-admin"], s)    # the org's, but not the submitter's key
    res = w.call(who, "attestation:attest", text, other)
    assert res.status == 400 and res.message.startswith("signature"), res.message


def test_statement_naming_another_certificate_is_refused(computed: tuple[World, Any]) -> None:
    w, result = computed
    who = "certifier-client"
    s = rw.statement(w[who], rw.fingerprint(w["certifier-admin"]), result)
    res = w.call(who, "attestation:attest", *rw.signed(w[who], s))
    assert res.status == 400 and res.message.startswith("statement.verifier"), res.message


def test_statement_must_cite_the_stored_result(computed: tuple[World, Any]) -> None:
    w, result = computed
    wrong = {**result, "digest": "sha256:" + "0" * 64}
    res = rw.attest(w, wrong)
    assert res.status == 409 and "not the ledger's hash" in res.message
    missing = {**result, "record": {**result["record"], "version": 2}}
    res = rw.attest(w, missing)
    assert res.status == 404


def test_once_per_result_version_and_withdrawal_keeps_history(
        computed: tuple[World, Any]) -> None:
    w, result = computed
    first = rw.attest(w, result).json()
    again = rw.attest(w, result, opinion="qualified")
    assert again.status == 409 and "attested already" in again.message
    res = w.call("regulator-client", "attestation:withdraw", E1, rw.START, rw.END, "1", "x")
    assert res.status == 403 and "attestation.withdraw" in res.message
    out = w.ok("certifier-admin", "attestation:withdraw", E1, rw.START, rw.END, "1",
               "the enterprise's metering was found faulty")
    assert out["status"] == "withdrawn" and out["statement"] == first["statement"]
    assert out["withdrawn"]["reason"] == "the enterprise's metering was found faulty"
    res = w.call("certifier-admin", "attestation:withdraw", E1, rw.START, rw.END, "1", "y")
    assert res.status == 409 and "already withdrawn" in res.message
    assert rw.attest(w, result).status == 409   # withdrawn is not replaced
    history = [json.loads(h[1]) for h in w.ledger.history[
        "\x00attestation\x00" + "\x00".join([E1, rw.START, rw.END, "000001"]) + "\x00"]]
    assert [h["status"] for h in history] == ["valid", "withdrawn"]
    # a new result version can be attested
    rw.submit(w, [rd.Reading("M-1", E1, rw._at("2023-03-21"), "electricity", Decimal("3"),
                             "kWh", "measured")])
    second = rw.compute(w)
    assert rw.attest(w, second).status == 200
    assert w.ok("bank-client", "attestation:get", E1, rw.START, rw.END, "")["statement"][
        "result"]["version"] == 2


def _mutated(w: World, result: dict[str, Any], **over: Any) -> Any:
    who = "certifier-client"
    s = rw.statement(w[who], rw.fingerprint(w[who]), result, **over)
    return w.call(who, "attestation:attest", *rw.signed(w[who], s))


@pytest.mark.parametrize(("over", "field"), [
    ({"assurance": "high"}, "statement.assurance"),
    ({"opinion": "clean"}, "statement.opinion"),
    ({"materiality": {"threshold": "150", "unit": "percent"}}, "statement.materiality"),
    ({"materiality": {"threshold": 5, "unit": "percent"}}, "statement.materiality"),
    ({"date": "2023-03-30"}, "statement.date"),       # before the period's end
    ({"date": "2024-01-01"}, "statement.date"),       # after the transaction's day
    ({"standard": "ISO 14064-3:2006"}, "statement.standard"),
    ({"basis": ""}, "statement.basis"),
    ({"extra": "x"}, "statement.extra"),
    ({"criteria": {"method": "GB/T 32150-2015"}}, "statement.criteria.factor_set"),
    ({"period": {"start": "2023-01-01", "end": "2024-03-31"}}, "to_date"),
    ({"v": 2}, "statement.v"),
])
def test_bad_statements_are_400_naming_the_field(computed: tuple[World, Any],
                                                 over: dict[str, Any], field: str) -> None:
    w, result = computed
    res = _mutated(w, result, **over)
    assert res.status == 400 and res.message.startswith(field), res.message


def test_non_canonical_statement_is_refused(computed: tuple[World, Any]) -> None:
    w, result = computed
    who = "certifier-client"
    s = rw.statement(w[who], rw.fingerprint(w[who]), result)
    text = json.dumps(s, indent=1)
    sig = base64.b64encode(w[who].sign(text.encode())).decode()
    res = w.call(who, "attestation:attest", text, sig)
    assert res.status == 400 and "canonical" in res.message


class NonMemberLedger(MemoryLedger):
    """A peer of an organisation outside privateReadings: it holds the hashes of the
    collection's values (as every peer does), never the values."""

    def _answer(self, mtype: int, payload: bytes, writes: Any, iters: Any) -> bytes:
        from fabric_protos.peer import chaincode_shim_pb2 as shim
        from fabric_protos.peer.chaincode_shim_pb2 import ChaincodeMessage as Msg
        if mtype == Msg.GET_STATE and shim.GetState.FromString(payload).collection:
            raise AssertionError("a non-member peer cannot read private values")
        return super()._answer(mtype, payload, writes, iters)


def test_a_non_member_peer_endorses_the_attestation_alike(
        computed: tuple[World, Any]) -> None:
    w, result = computed
    bank_peer = NonMemberLedger(contracts(test_contracts=False))
    bank_peer.state = dict(w.ledger.state)
    bank_peer.clock, bank_peer._ids = w.ledger.clock, iter([9999])
    w.ledger._ids = iter([9999])   # one proposal: same transaction id and time on both
    who = "certifier-client"
    s = rw.statement(w[who], rw.fingerprint(w[who]), result)
    args = rw.signed(w[who], s)
    member = w.ledger.invoke(w[who], "attestation:attest", *args)
    other = bank_peer.invoke(w[who], "attestation:attest", *args)
    bank_peer.close()
    assert member.status == other.status == 200, (member.message, other.message)
    assert member.payload == other.payload and member.event == other.event
