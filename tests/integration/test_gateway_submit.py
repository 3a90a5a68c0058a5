"""The gateway client against the real network: submit, evaluate, errors, private data."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest

import gateway as g
from gateway._builders import build_commit_status_request

pytestmark = pytest.mark.integration

ORGS = ["PowerMSP", "CertifierMSP", "BankMSP", "RegulatorMSP"]


def _key(prefix: str) -> str:
    return f"gw-{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def gateways(network_info: dict) -> Iterator[dict[str, g.Gateway]]:
    gws = {msp: g.connect_with_profile(network_info, msp) for msp in ORGS}
    try:
        yield gws
    finally:
        for gw in gws.values():
            gw.close()


def _contract(gw: g.Gateway, info: dict) -> g.Contract:
    return gw.get_network(info["channel"]).get_contract(info["chaincode"])


def _eventually(read: Callable[[], bytes], within: float = 10.0) -> bytes:
    """Commit status comes from the gateway's own peer; other peers commit the block a
    moment later. Read again (bounded) while another peer has not committed it yet
    ("not found", or an empty value)."""
    deadline = time.monotonic() + within
    while True:
        try:
            value = read()
            if value or time.monotonic() > deadline:
                return value
        except g.EvaluateError as err:
            if "not found" not in str(err) or time.monotonic() > deadline:
                raise
        time.sleep(0.05)


@pytest.mark.parametrize("msp", ORGS)
def test_submit_by_each_org_and_evaluate_through_another_orgs_peer(
    gateways: dict[str, g.Gateway], network_info: dict, msp: str
):
    key = _key(msp)
    commit = _contract(gateways[msp], network_info).submit_async("put", [key, msp])
    status = commit.status()
    assert status.successful and status.code_name == "VALID"
    assert commit.result == msp.encode() and commit.block_number == status.block_number > 0
    other = ORGS[(ORGS.index(msp) + 1) % len(ORGS)]
    # evaluated by the other org's gateway peer, and pinned to that org's peer
    value = _eventually(
        lambda: _contract(gateways[other], network_info).evaluate(
            "get", [key], endorsing_organizations=[other]
        )
    )
    assert value == msp.encode()
    whoami = json.loads(_contract(gateways[msp], network_info).evaluate("whoami"))
    assert whoami["mspid"] == msp


def test_evaluate_is_served_by_the_targeted_org(gateways: dict[str, g.Gateway], network_info):
    with pytest.raises(g.EvaluateError) as info:
        _contract(gateways["PowerMSP"], network_info).evaluate(
            "get", [_key("missing")], endorsing_organizations=["BankMSP"]
        )
    (detail,) = info.value.details
    bank = network_info["orgs"]["BankMSP"]
    assert detail.msp_id == "BankMSP" and detail.address == bank["peer_endpoint"]
    assert "key not found" in detail.message


def test_identity_of_one_org_through_another_orgs_gateway(network_info: dict):
    with g.connect_with_profile(network_info, "BankMSP", peer_org="RegulatorMSP") as gw:
        contract = _contract(gw, network_info)
        key = _key("via")
        assert contract.submit("put", [key, "x"]) == b"x"
        assert json.loads(contract.evaluate("whoami"))["mspid"] == "BankMSP"


def test_chaincode_failure_names_each_endorsing_peers_message(
    gateways: dict[str, g.Gateway], network_info: dict
):
    orgs = ["PowerMSP", "CertifierMSP", "RegulatorMSP"]
    with pytest.raises(g.EndorseError) as info:
        _contract(gateways["PowerMSP"], network_info).submit(
            "fail", ["deliberate failure 42"], endorsing_organizations=orgs
        )
    err = info.value
    assert err.code == grpc.StatusCode.ABORTED and err.transaction_id
    assert sorted(d.msp_id for d in err.details) == sorted(orgs)
    for d in err.details:
        assert "deliberate failure 42" in d.message
        assert d.address == network_info["orgs"][d.msp_id]["peer_endpoint"]
        assert str(d) in str(err)


def test_mvcc_conflict_surfaces_its_validation_code(
    gateways: dict[str, g.Gateway], network_info: dict
):
    contract = _contract(gateways["PowerMSP"], network_info)
    key = _key("counter")
    # endorse both before submitting either: both read the same (missing) version
    first = contract.new_proposal("increment", [key]).endorse()
    second = contract.new_proposal("increment", [key]).endorse()
    commits = [first.submit(), second.submit()]
    statuses = [c.status() for c in commits]
    assert sorted(s.code_name for s in statuses) == ["MVCC_READ_CONFLICT", "VALID"]
    bad = next(s for s in statuses if not s.successful)
    with pytest.raises(g.CommitError) as info:
        bad.raise_for_status()
    assert info.value.code_name == "MVCC_READ_CONFLICT"
    assert info.value.transaction_id == bad.transaction_id
    assert "MVCC_READ_CONFLICT" in str(info.value)
    assert contract.evaluate("get", [key]) == b"1"


def test_offline_signing_on_the_real_network(network_info: dict):
    identity, signer = g.profile_identity(network_info, "CertifierMSP")
    org = network_info["orgs"]["CertifierMSP"]
    tls = Path(org["tls_ca"]).read_bytes()
    with g.connect(org["peer_endpoint"], identity, tls_root_certificates=tls) as gw:  # no signer
        contract = _contract(gw, network_info)
        key = _key("offline")
        unsigned = contract.new_proposal("put", [key, "signed elsewhere"])
        proposal = gw.new_signed_proposal(unsigned.bytes, signer(unsigned.digest))
        transaction = proposal.endorse()
        transaction = gw.new_signed_transaction(transaction.bytes, signer(transaction.digest))
        submitted = transaction.submit()
        commit = gw.new_signed_commit(submitted.bytes, signer(submitted.digest))
        assert commit.status().successful
        query = contract.new_proposal("get", [key])
        assert gw.new_signed_proposal(query.bytes, signer(query.digest)).evaluate() == (
            b"signed elsewhere"
        )


def test_private_data_with_transient_and_endorsing_orgs(
    gateways: dict[str, g.Gateway], network_info: dict
):
    members = ["PowerMSP", "CertifierMSP", "RegulatorMSP"]
    contract = _contract(gateways["PowerMSP"], network_info)
    key = _key("private")
    contract.submit(
        "put_private",
        ["privateReadings", key],
        transient={"value": b"15-min reading 3.2 kWh"},
        endorsing_organizations=members,
    )
    value = contract.evaluate(
        "get_private", ["privateReadings", key], endorsing_organizations=["PowerMSP"]
    )
    assert value == b"15-min reading 3.2 kWh"
    digest = _eventually(
        lambda: _contract(gateways["BankMSP"], network_info).evaluate(
            "get_private_hash", ["privateReadings", key], endorsing_organizations=["BankMSP"]
        )
    )
    assert digest.decode() == g.sha256(b"15-min reading 3.2 kWh").hex()


def test_per_call_deadline_on_the_network(gateways: dict[str, g.Gateway], network_info: dict):
    """A commit status for a transaction never submitted waits until the caller's deadline."""
    gw = gateways["PowerMSP"]
    never = _contract(gw, network_info).new_proposal("put", [_key("never"), "x"])
    signed = build_commit_status_request(
        creator=gw.identity.serialize(), channel=network_info["channel"], txid=never.transaction_id
    )
    _, signer = g.profile_identity(network_info, "PowerMSP")
    commit = gw.new_signed_commit(signed.SerializeToString(), signer(g.sha256(signed.request)))
    t0 = time.monotonic()
    with pytest.raises(g.CommitStatusError) as info:
        commit.status(timeout=0.5)
    assert info.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert info.value.transaction_id == never.transaction_id
    assert 0.4 < time.monotonic() - t0 < 5
