"""A stopped peer on a network of this module's own (the shared one is never disturbed).

The Bank's peer is stopped: a client dialling it gets a clear, typed UNAVAILABLE error;
the same identity succeeds through another organisation's peer, because MAJORITY (3 of 4)
is still satisfiable by the three running organisations.
"""

from __future__ import annotations

import json
import uuid

import grpc
import pytest

import gateway as g

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PORT_BASE = 21000  # isolated_network (tests/integration/conftest.py) reads this


def _contract(gw: g.Gateway, info: dict) -> g.Contract:
    return gw.get_network(info["channel"]).get_contract(info["chaincode"])


def test_stopped_peer_gives_clear_error_and_other_peers_serve(isolated_network) -> None:
    info = json.loads((isolated_network.run_dir / "connection.json").read_text())
    bank = info["orgs"]["BankMSP"]
    quick = g.Timeouts(evaluate=5, endorse=20, submit=10, commit_status=30)
    with g.connect_with_profile(info, "BankMSP", timeouts=quick) as gw:
        assert _contract(gw, info).submit("put", ["gw-before", "1"]) == b"1"

    isolated_network.stop_node("peer0.bank")
    try:
        with g.connect_with_profile(info, "BankMSP", timeouts=quick) as gw:
            contract = _contract(gw, info)
            with pytest.raises(g.EndorseError) as endorse:
                contract.submit("put", [f"gw-{uuid.uuid4().hex[:8]}", "x"])
            assert endorse.value.code == grpc.StatusCode.UNAVAILABLE
            assert endorse.value.transaction_id
            with pytest.raises(g.EvaluateError) as evaluate:
                contract.evaluate("get", ["gw-before"])
            assert evaluate.value.code == grpc.StatusCode.UNAVAILABLE
            assert bank["peer_endpoint"] in str(evaluate.value)  # names the peer it could not reach
            print("through the stopped peer:", endorse.value, evaluate.value, sep="\n")
            assert "endorse failed" in str(endorse.value) and "UNAVAILABLE" in str(endorse.value)

        # the Bank's identity through the Power company's peer: 3 of 4 orgs still endorse
        with g.connect_with_profile(info, "BankMSP", peer_org="PowerMSP", timeouts=quick) as gw:
            contract = _contract(gw, info)
            for i in range(3):
                key = f"gw-failover-{i}-{uuid.uuid4().hex[:6]}"
                assert contract.submit("put", [key, "ok"]) == b"ok"
            assert contract.evaluate("get", ["gw-before"]) == b"1"
            # asking for the Bank's endorsement explicitly cannot succeed; the error says why
            with pytest.raises(g.EndorseError) as explicit:
                contract.submit(
                    "put", ["gw-explicit", "x"], endorsing_organizations=["PowerMSP", "BankMSP"]
                )
            text = str(explicit.value)
            print("explicit endorsement with the Bank down:", text)
            assert (
                "BankMSP" in text or bank["peer_endpoint"] in text or "unavailable" in text.lower()
            )
    finally:
        isolated_network.start_node("peer0.bank")

    with g.connect_with_profile(info, "BankMSP", timeouts=quick) as gw:
        assert _contract(gw, info).evaluate("get", ["gw-before"]) == b"1"
