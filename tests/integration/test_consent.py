"""Consent on real peers, the enterprise signing offline and the regulator's side submitting.

A fresh network of this module's own (PORT_BASE). The enterprise's identity is registered
and enrolled at the regulator's Fabric CA (role=enterprise, uscc) and bound to its record.
The "service" is a regulator client's gateway with a ``gateway.offline.Relay``: it builds
each proposal for the enterprise's identity, the enterprise signs it in another process with
``carbontrust offline sign --key`` (its key file is read there and nowhere else), the service
endorses, the enterprise signs the transaction the same way, the service submits and asks the
commit status as itself. The bank's client then asks ``consent:access``: it commits only
under a valid consent and is refused at endorsement without one, after the revocation and
after the expiry (judged by the transaction's timestamp). Every grant, revocation and access
is one ``carbon.audit`` entry naming uscc, bank, report id and consent id.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from fabric_protos.peer import transaction_pb2

import gateway as g
from gateway.offline import (
    OfflineRequest,
    Relay,
    SignedRequest,
    describe,
    prepare_grant,
    prepare_revoke,
)

from .carbon_world import Who, World, carbon_network, from_profile

PORT_BASE = 28500
REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "carbontrust"
COMMAND = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "gateway.cli"]
BANK = "BankMSP"


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    for net in carbon_network("it-test_consent", PORT_BASE):
        w = World(net)
        yield w
        w.s.close()


@pytest.fixture(scope="module")
def relay(world: World) -> Iterator[Relay]:
    """The regulator's service: a RegulatorMSP client identity with its own signer."""
    info = world.info
    staff = from_profile(info, "RegulatorMSP", "User1", "service")
    peer = info["orgs"]["RegulatorMSP"]
    with g.connect(peer["peer_endpoint"], g.Identity(staff.mspid, staff.cert_pem),
                   g.new_private_key_signer(staff.key_pem),
                   tls_root_certificates=Path(peer["tls_ca"]).read_bytes()) as gw:
        yield Relay(gw, info["channel"], info["chaincode"])


@pytest.fixture(scope="module")
def key_files(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The enterprises' keys, on "their" side: files the signing process reads."""
    d = tmp_path_factory.mktemp("enterprise-keys")
    out = {}
    for name in ("ent-own", "ent2"):
        out[name] = d / f"{name}.pem"
        out[name].write_bytes(world.who[name].key_pem)
    return out


def identity(who: Who) -> g.Identity:
    return g.Identity(who.mspid, who.cert_pem)


def offline_sign(request: OfflineRequest, key: Path, expect: str) -> SignedRequest:
    """The enterprise's side: ``carbontrust offline sign`` in its own process."""
    proc = subprocess.run([*COMMAND, "offline", "sign", "--key", str(key), "--expect", expect],
                          input=request.to_json(), capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "PRIVATE KEY" not in proc.stdout
    return SignedRequest.from_json(proc.stdout)


def through_service(w: World, relay: Relay, request: OfflineRequest, key: Path,
                    expect: str) -> tuple[Any, str, int]:
    """Sign offline, endorse, sign offline, submit, wait: (result, tx id, block)."""
    tx_request = relay.endorse(offline_sign(request, key, expect))
    submitted = relay.submit(offline_sign(tx_request, key, expect))
    status = submitted.status()
    status.raise_for_status()
    w.wait_everywhere(status.block_number)
    return json.loads(submitted.result), submitted.transaction_id, status.block_number


def grant(w: World, relay: Relay, key: Path, rid: str, consent_id: str,
          expires: datetime.datetime, who: str = "ent-own") -> tuple[Any, str, int]:
    request = prepare_grant(relay, identity(w.who[who]), consent_id=consent_id, report_id=rid,
                            bank=BANK, expires=expires)
    return through_service(w, relay, request, key, "consent:grant")


def access(w: World, rid: str) -> tuple[Any, str, int]:
    return w.submit_full("bank-client", "consent:access", w.e1, rid)


def refused_access(w: World, rid: str) -> str:
    with pytest.raises(g.EndorseError) as err:
        access(w, rid)
    text = str(err.value)
    assert "refused by rule consent.valid:" in text, text
    return text


def report(w: World, version: int) -> str:
    return f"CCR-{w.e1}-20250101-20251231-v{version}"


def audit_entries(w: World, first_block: int, tx_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The carbon.audit entries of tx_ids, read from the regulator client's event stream."""
    network = w.s.network(w.who["regulator-client"])
    found: dict[str, dict[str, Any]] = {}
    with network.chaincode_events(w.info["chaincode"], start_block=first_block) as events:
        for event in events:
            if event.transaction_id in tx_ids:
                assert event.event_name == "carbon.audit"
                found[event.transaction_id] = json.loads(event.payload)
            if set(found) == tx_ids:
                break
    return found


def later_code(w: World, first_block: int, tx_id: str) -> str:
    """The validation code of tx_id's first appearance from first_block on."""
    network = w.s.network(w.who["regulator-client"])
    with network.filtered_block_events(start_block=first_block, timeout=120) as blocks:
        for block in blocks:
            for tx in block.filtered_transactions:
                if tx.txid == tx_id:
                    return str(transaction_pb2.TxValidationCode.Name(tx.tx_validation_code))
    raise AssertionError(f"{tx_id} in no block from {first_block} on")


def fingerprint(pem: bytes) -> str:
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def test_grant_access_revoke_through_the_service(world: World, relay: Relay,
                                                 key_files: dict[str, Path]) -> None:
    w, rid = world, report(world, 1)
    start = w.net.ledger_height("regulator") - 1
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    request = prepare_grant(relay, identity(w.who["ent-own"]), consent_id="c-1", report_id=rid,
                            bank=BANK, expires=expires)
    facts = describe(request)      # what the enterprise is shown before it signs
    assert facts["creator"]["fingerprint"] == fingerprint(w.who["ent-own"].cert_pem)
    assert relay._gateway.identity.credentials != w.who["ent-own"].cert_pem
    granted, grant_tx, _ = through_service(w, relay, request, key_files["ent-own"],
                                           "consent:grant")
    assert granted["granted"]["fingerprint"] == facts["creator"]["fingerprint"]

    got, access_tx, _ = access(w, rid)
    assert got["consent"]["accesses"] == 1 and got["access"]["tx_id"] == access_tx

    assert "no consent to BankMSP" in refused_access(w, report(w, 7))   # another report

    request = prepare_revoke(relay, identity(w.who["ent-own"]), consent_id="c-1",
                             report_id=rid, bank=BANK)
    revoked, revoke_tx, _ = through_service(w, relay, request, key_files["ent-own"],
                                            "consent:revoke")
    assert f"revoked in tx {revoke_tx}" in refused_access(w, rid)
    assert revoked["revoked"]["tx_id"] == revoke_tx

    entries = audit_entries(w, start, {grant_tx, access_tx, revoke_tx})
    keys = {"uscc": w.e1, "bank": BANK, "report_id": rid, "consent_id": "c-1"}
    for tx, name, actor in ((grant_tx, "consent.grant", "RegulatorMSP"),
                            (access_tx, "consent.access", BANK),
                            (revoke_tx, "consent.revoke", "RegulatorMSP")):
        entry = entries[tx]
        assert entry["entry"] == name and entry["actor"]["mspid"] == actor
        assert {k: entry["keys"][k] for k in keys} == keys
    # the grant and the revocation were the enterprise's own transactions, not the service's
    for tx in (grant_tx, revoke_tx):
        assert entries[tx]["actor"] == {"mspid": "RegulatorMSP", "kind": "enterprise",
                                        "fingerprint": facts["creator"]["fingerprint"]}


def test_access_ends_at_expiry_by_the_transaction_time(world: World, relay: Relay,
                                                       key_files: dict[str, Path]) -> None:
    w, rid = world, report(world, 2)
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=25)
    grant(w, relay, key_files["ent-own"], rid, "c-2", expires)
    access(w, rid)                                   # before the expiry: commits
    time.sleep(max(0.0, (expires - datetime.datetime.now(datetime.UTC)).total_seconds()) + 1)
    assert "expired at" in refused_access(w, rid)


def test_a_backdated_access_is_refused_by_the_endorsers_clocks(
        world: World, relay: Relay, key_files: dict[str, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The attack the transaction time alone allowed: a bank sending an access later than
    it claims, stamped inside the consent's lifetime and after its grant. The endorsers
    compare the proposal's time with their own clocks (chaincode/carbon/_clock.py) and
    refuse it; the same access stamped now commits."""
    from gateway import _builders

    w, rid = world, report(world, 5)
    real_now = _builders._now

    def stamped(seconds_ago: int) -> None:
        def now() -> Any:
            stamp = real_now()
            stamp.seconds -= seconds_ago
            return stamp
        monkeypatch.setattr(_builders, "_now", now)

    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    stamped(1200)                  # the enterprise's own grant, stamped 20 minutes ago
    grant(w, relay, key_files["ent-own"], rid, "c-5", expires)
    stamped(600)                   # the bank's access: inside the lifetime, after the grant
    with pytest.raises(g.EndorseError) as err:
        access(w, rid)
    text = str(err.value)
    assert "proposal.timestamp: expected a time within 300 s of this endorser's clock" in \
        text, text
    monkeypatch.setattr(_builders, "_now", real_now)
    result, _tx, _block = access(w, rid)
    assert result["consent"]["accesses"] == 1   # the refused one never counted


def test_replays_are_refused(world: World, relay: Relay, key_files: dict[str, Path]) -> None:
    w, rid = world, report(world, 3)
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    key = key_files["ent-own"]
    request = prepare_grant(relay, identity(w.who["ent-own"]), consent_id="c-3", report_id=rid,
                            bank=BANK, expires=expires)
    signed = offline_sign(request, key, "consent:grant")
    signed_tx = offline_sign(relay.endorse(signed), key, "consent:grant")
    status = relay.submit(signed_tx).status()
    status.raise_for_status()
    w.wait_everywhere(status.block_number)
    # the same signed proposal again: the endorsers know its transaction id
    with pytest.raises(g.EndorseError) as err:
        relay.endorse(signed)
    assert "duplicate" in str(err.value).lower(), err.value
    # the same signed transaction again: ordered, but never a second VALID commit (its
    # commit status names the first one, so the later block is read for the second)
    try:
        relay.submit(signed_tx)
    except g.SubmitError as exc:
        assert "duplicate" in str(exc).lower(), exc
    else:
        assert later_code(w, status.block_number + 1, signed_tx.transaction_id) == \
            "DUPLICATE_TXID"
    # the same grant, freshly signed by the enterprise: the contract refuses the consent id
    fresh = prepare_grant(relay, identity(w.who["ent-own"]), consent_id="c-3", report_id=rid,
                          bank=BANK, expires=expires)
    with pytest.raises(g.EndorseError) as err:
        relay.endorse(offline_sign(fresh, key, "consent:grant"))
    assert "already granted" in str(err.value), err.value


def test_only_the_enterprise_grants_for_itself(world: World, relay: Relay,
                                               key_files: dict[str, Path]) -> None:
    w, rid = world, report(world, 4)
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    # another registered enterprise, signing its own proposal for e1's report
    request = prepare_grant(relay, identity(w.who["ent2"]), consent_id="c-4", report_id=rid,
                            bank=BANK, expires=expires)
    with pytest.raises(g.EndorseError) as err:
        relay.endorse(offline_sign(request, key_files["ent2"], "consent:grant"))
    assert "refused by rule consent.grant:" in str(err.value)
    assert f"acting on {w.e1}" in str(err.value)
    # the bank cannot grant itself access
    text = json.loads(describe(request)["args"][0])
    with pytest.raises(g.EndorseError) as err:
        w.submit("bank-admin", "consent:grant", json.dumps(text))
    assert "refused by rule consent.grant:" in str(err.value)
    assert "no consent to BankMSP" in refused_access(w, rid)
