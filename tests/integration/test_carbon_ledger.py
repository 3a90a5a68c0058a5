"""The carbon contract on real peers: key history, pagination with bookmarks, the audit
event of each transaction, governance refusals, and operating data kept private.

Its own network (PORT_BASE), fresh each run: a governance version is proposed once per
ledger.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

import accounting
import gateway as g

from .carbon_world import (
    COLLECTION,
    World,
    carbon_network,
    new_uscc,
    next_number,
    record,
)

PORT_BASE = 24000
FS = {v: str(accounting.load_factor_set(v).digest) for v in accounting.factor_set_versions()}


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    for net in carbon_network("it-test_carbon_ledger", PORT_BASE):
        w = World(net)
        yield w
        w.s.close()


def _events(w: World, who: str, start_block: int, tx_ids: set[str]) -> dict[str, Any]:
    network = w.s.network(w.who[who])
    got = {}
    with network.chaincode_events(w.info["chaincode"], start_block=start_block,
                                  timeout=30) as events:
        for ev in events:
            if ev.transaction_id in tx_ids:
                got[ev.transaction_id] = ev
            if len(got) == len(tx_ids):
                break
    return got


def test_history_and_one_audit_event_per_transaction(world: World) -> None:
    uscc = new_uscc(next_number())
    c = world.s.contract(world.who["regulator-admin"])
    subs = [c.submit_async("registry:register_enterprise", [record(uscc)])]
    subs[0].status().raise_for_status()
    for fn, args in (("registry:update_enterprise", [uscc, '{"name":"Renamed"}']),
                     ("registry:set_status", [uscc, "suspended", "inspection"])):
        s = c.submit_async(fn, args)
        s.status().raise_for_status()
        subs.append(s)
    world.wait_everywhere(subs[-1].status().block_number)   # the bank's peer may lag
    hist = world.evaluate("bank-client", "registry:history", uscc)
    assert [h["tx_id"] for h in hist] == [s.transaction_id for s in reversed(subs)]
    assert [h["value"]["version"] for h in hist] == [3, 2, 1]
    assert hist[0]["value"]["status"] == "suspended" and hist[1]["value"]["name"] == "Renamed"
    assert all(h["timestamp"].endswith("Z") for h in hist)
    first_block = subs[0].status().block_number
    events = _events(world, "regulator-admin", first_block, {s.transaction_id for s in subs})
    for h in hist:   # each event's digest is the digest of the value history shows
        ev = events[h["tx_id"]]
        entry = json.loads(ev.payload)
        assert ev.event_name == "carbon.audit" and entry["tx_id"] == h["tx_id"]
        assert entry["timestamp"] == h["timestamp"]
        stored = json.dumps(h["value"], sort_keys=True, separators=(",", ":"),
                            ensure_ascii=False).encode()
        assert entry["digests"]["record"] == "sha256:" + hashlib.sha256(stored).hexdigest()


def test_list_pages_with_bookmarks(world: World) -> None:
    for _ in range(4):
        world.submit("regulator-admin", "registry:register_enterprise",
                     record(new_uscc(next_number())))
    seen, bookmark, pages = [], "", 0
    while True:
        page = world.evaluate("certifier-client", "registry:list_enterprises", "2", bookmark)
        pages += 1
        assert len(page["records"]) <= 2
        seen += [r["uscc"] for r in page["records"]]
        bookmark = page["bookmark"]
        if not bookmark:
            break
        assert pages < 50
    assert len(seen) == len(set(seen)) >= 6 and pages >= 3
    assert seen == sorted(seen)


def test_governance_refusals_on_the_ledger(world: World) -> None:
    policy = json.dumps({"orgs": ["PowerMSP", "BankMSP"], "required": 2})
    with pytest.raises(g.EndorseError) as err:   # a changed version
        world.submit("regulator-admin", "governance:propose", "factor_set", "cn-2023.1",
                     FS["cn-2022"], policy)
    assert "chaincode response 409" in str(err.value)
    world.submit("regulator-admin", "governance:propose", "factor_set", "cn-2023.1",
                 FS["cn-2023.1"], policy)
    with pytest.raises(g.EndorseError) as err:   # used before its approvals
        world.submit("regulator-admin", "governance:activate", "factor_set", "cn-2023.1")
    assert "0 of the 2 approvals" in str(err.value)
    with pytest.raises(g.EndorseError) as err:   # a non-member's approval
        world.submit("certifier-admin", "governance:approve", "factor_set", "cn-2023.1",
                     FS["cn-2023.1"])
    assert "refused by rule governance.approve.member" in str(err.value)
    world.submit("bank-admin", "governance:approve", "factor_set", "cn-2023.1",
                 FS["cn-2023.1"])
    with pytest.raises(g.EndorseError) as err:   # twice by one organisation
        world.submit("bank-admin", "governance:approve", "factor_set", "cn-2023.1",
                     FS["cn-2023.1"])
    assert "already approved" in str(err.value)
    with pytest.raises(g.EndorseError):
        world.submit("regulator-admin", "governance:activate", "factor_set", "cn-2023.1")
    world.submit("power-admin", "governance:approve", "factor_set", "cn-2023.1",
                 FS["cn-2023.1"])
    world.submit("regulator-admin", "governance:activate", "factor_set", "cn-2023.1")
    assert world.evaluate("gateway", "governance:in_force", "factor_set")["version"] == \
        "cn-2023.1"


def _tx_in_block(w: World, block: int, tx_id: str) -> tuple[set[str], dict[str, Any]]:
    """(endorsing MSP ids, {"public": [written keys], "<collection>": [hashed writes]}) of
    tx_id as committed in block."""
    from fabric_protos.common import common_pb2
    from fabric_protos.ledger.rwset import rwset_pb2
    from fabric_protos.ledger.rwset.kvrwset import kv_rwset_pb2
    from fabric_protos.msp import identities_pb2
    from fabric_protos.peer import proposal_pb2, proposal_response_pb2, transaction_pb2
    network = w.s.network(w.who["regulator-admin"])
    with network.block_events(start_block=block, timeout=30) as blocks:
        blk = next(iter(blocks))
    for raw in blk.data.data:
        payload = common_pb2.Payload.FromString(common_pb2.Envelope.FromString(raw).payload)
        chdr = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
        if chdr.tx_id != tx_id:
            continue
        action = transaction_pb2.Transaction.FromString(payload.data).actions[0]
        cap = transaction_pb2.ChaincodeActionPayload.FromString(action.payload)
        endorsers = {identities_pb2.SerializedIdentity.FromString(e.endorser).mspid
                     for e in cap.action.endorsements}
        prp = proposal_response_pb2.ProposalResponsePayload.FromString(
            cap.action.proposal_response_payload)
        cca = proposal_pb2.ChaincodeAction.FromString(prp.extension)
        rws = rwset_pb2.TxReadWriteSet.FromString(cca.results)
        writes: dict[str, Any] = {"public": []}
        for ns in rws.ns_rwset:
            if ns.namespace != w.info["chaincode"]:
                continue
            writes["public"] += [x.key for x in kv_rwset_pb2.KVRWSet.FromString(ns.rwset).writes]
            for coll in ns.collection_hashed_rwset:
                hashed = kv_rwset_pb2.HashedRWSet.FromString(coll.hashed_rwset)
                writes[coll.collection_name] = [x.key_hash.hex() for x in hashed.hashed_writes]
        return endorsers, writes
    raise AssertionError(f"tx {tx_id} not in block {block}")


def test_operating_data_is_private(world: World) -> None:
    t = world.declaration(world.e1, world.who["ent-own"], 2023)
    res, tx_id, block = world.submit_full("ent-own", "operating:declare", transient=t,
                                          orgs=("CertifierMSP", "RegulatorMSP"))
    endorsers, writes = _tx_in_block(world, block, tx_id)
    assert endorsers == {"CertifierMSP", "RegulatorMSP"}   # the bank never endorses it
    assert writes["public"] == [] and len(writes[COLLECTION]) == 1   # private only
    assert res["commitment"] == "sha256:" + hashlib.sha256(t["salt"] + t["declaration"]
                                                         ).hexdigest()
    got = world.evaluate("certifier-client", "operating:get", world.e1, "2023-01-01",
                         "2023-12-31")
    assert got["declaration"]["denominators"]["value_added"]["quantity"] == "5200"
    assert world.evaluate("ent-own", "operating:get", world.e1, "2023-01-01",
                          "2023-12-31") == got
    with pytest.raises(g.EvaluateError) as err:
        world.evaluate("bank-admin", "operating:get", world.e1, "2023-01-01", "2023-12-31")
    assert "refused by rule operating.read" in str(err.value)


def test_gateway_plans_the_collection_members_without_being_told(world: World) -> None:
    """No endorsing organisations named: the Gateway's plan from the simulation's private
    data interest picks the collection's members (its endorsement policy)."""
    t = world.declaration(world.e1, world.who["ent-own"], 2022)
    _res, tx_id, block = world.submit_full("ent-own", "operating:declare", transient=t)
    endorsers, writes = _tx_in_block(world, block, tx_id)
    assert endorsers == {"CertifierMSP", "RegulatorMSP"} and writes["public"] == []

