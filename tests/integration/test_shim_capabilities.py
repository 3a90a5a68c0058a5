"""The shim's state API against real peers (shared network): composite keys, history,
pagination, key-level endorsement, purge, early-left ranges, the proposal, raw arguments."""

from __future__ import annotations

import json
import time
import uuid

import pytest

import gateway as g
from network import Network

COLL = "privateReadings"
ORGS = ["PowerMSP", "CertifierMSP", "BankMSP", "RegulatorMSP"]


def _contract(gw, info: dict):
    return gw.get_network(info["channel"]).get_contract(info["chaincode"])


def _uid(p: str) -> str:
    return f"shim-{p}-{uuid.uuid4().hex[:10]}"


def _wait_everywhere(net: Network, block: int | None, timeout: float = 15) -> None:
    assert block is not None
    deadline = time.monotonic() + timeout
    for org in net.layout.orgs:
        while net.ledger_height(org.key) <= block:
            assert time.monotonic() < deadline, f"peer0.{org.key} lacks block {block}"
            time.sleep(0.05)


def _submit(contract, name: str, args: list, **kw) -> tuple[str, str, int | None]:
    sub = contract.submit_async(name, args, **kw)
    status = sub.status()
    return sub.transaction_id, status.code_name, sub.block_number


def test_composite_keys_partial_range_and_namespace(network_info: dict) -> None:
    otype = _uid("meter")
    with g.connect_with_profile(network_info, "PowerMSP") as gw:
        c = _contract(gw, network_info)
        c.submit("put", [otype, "simple"])
        for attrs, v in ((["m1", "01"], "a"), (["m1", "02"], "b"), (["m2", "01"], "c")):
            c.submit("put_composite", [otype, json.dumps(attrs), v])
        rows = json.loads(c.evaluate("list_composite", [otype, '["m1"]']))
        assert rows == [[[otype, ["m1", "01"]], "a"], [[otype, ["m1", "02"]], "b"]]
        assert len(json.loads(c.evaluate("list_composite", [otype, "[]"]))) == 3
        # an open range sees simple keys only, though composite keys exist
        everything = json.loads(c.evaluate("range", ["", ""]))
        assert [otype, "simple"] in everything
        assert not any(k.startswith("\x00") for k, _ in everything)
        # a client cannot write into the composite namespace through a simple key
        forged = f"\x00{otype}\x00m1\x0001\x00"
        with pytest.raises(g.EndorseError) as err:
            c.submit("put", [forged, "forged"])
        assert "U+0000" in str(err.value)
        assert json.loads(c.evaluate("list_composite", [otype, '["m1", "01"]']))[0][1] == "a"


def test_history_lists_every_change_with_its_transaction(network_info: dict,
                                                         shared_network: Network) -> None:
    key = _uid("hist")
    with g.connect_with_profile(network_info, "CertifierMSP") as gw:
        c = _contract(gw, network_info)
        tx1, code1, _ = _submit(c, "put", [key, "1"])
        tx2, code2, _ = _submit(c, "put", [key, "2"])
        tx3, code3, block = _submit(c, "delete", [key])
        assert (code1, code2, code3) == ("VALID",) * 3
        _wait_everywhere(shared_network, block)
        hist = json.loads(c.evaluate("history", [key]))
    assert [(h["tx_id"], h["value"], h["is_delete"]) for h in hist] == [
        (tx3, "", True), (tx2, "2", False), (tx1, "1", False)]
    assert all(abs(h["seconds"] - time.time()) < 600 for h in hist)


def test_pagination_with_bookmark(network_info: dict, shared_network: Network) -> None:
    prefix = _uid("page")
    with g.connect_with_profile(network_info, "BankMSP") as gw:
        c = _contract(gw, network_info)
        block = None
        for i in range(5):
            _, code, block = _submit(c, "put", [f"{prefix}-{i}", str(i)])
            assert code == "VALID"
        _wait_everywhere(shared_network, block)
        first = json.loads(c.evaluate("page", [f"{prefix}-", f"{prefix}.", "2", ""]))
        assert first["rows"] == [[f"{prefix}-0", "0"], [f"{prefix}-1", "1"]]
        assert first["fetched"] == 2 and first["bookmark"] == f"{prefix}-2"
        second = json.loads(c.evaluate("page", [f"{prefix}-", f"{prefix}.", "2",
                                                first["bookmark"]]))
        assert [r[0] for r in second["rows"]] == [f"{prefix}-2", f"{prefix}-3"]
        last = json.loads(c.evaluate("page", [f"{prefix}-", f"{prefix}.", "2",
                                              second["bookmark"]]))
        assert last["rows"] == [[f"{prefix}-4", "4"]] and last["fetched"] == 1


def test_key_level_endorsement_changes_who_must_endorse(network_info: dict,
                                                        shared_network: Network) -> None:
    key = _uid("kle")
    with g.connect_with_profile(network_info, "PowerMSP") as gw:
        c = _contract(gw, network_info)
        assert _submit(c, "put", [key, "0"])[1] == "VALID"
        _, code, block = _submit(c, "set_key_policy", [key, '["PowerMSP"]'])
        assert code == "VALID"
        _wait_everywhere(shared_network, block)
        assert json.loads(c.evaluate("get_key_policy", [key])) == ["PowerMSP"]
        # three organisations satisfy the chaincode's MAJORITY, not the key's policy
        others = [o for o in ORGS if o != "PowerMSP"]
        _, code, _ = _submit(c, "put", [key, "1"], endorsing_organizations=others)
        assert code == "ENDORSEMENT_POLICY_FAILURE"
        # Power alone (less than the chaincode's majority) satisfies the key's policy
        _, code, block = _submit(c, "put", [key, "2"], endorsing_organizations=["PowerMSP"])
        assert code == "VALID"
        _wait_everywhere(shared_network, block)
        assert c.evaluate("get", [key]) == b"2"


def test_purge_private_data(network_info: dict, shared_network: Network) -> None:
    key = _uid("purge")
    with g.connect_with_profile(network_info, "PowerMSP") as gw:
        c = _contract(gw, network_info)
        _, code, block = _submit(c, "put_private", [COLL, key], transient={"value": b"secret"})
        assert code == "VALID"
        _wait_everywhere(shared_network, block)
        assert c.evaluate("get_private", [COLL, key]) == b"secret"
        assert c.evaluate("get_private_hash", [COLL, key]).decode() == \
            g.sha256(b"secret").hex()
        _, code, block = _submit(c, "purge_private", [COLL, key])
        assert code == "VALID"
        _wait_everywhere(shared_network, block)
        with pytest.raises(g.EvaluateError, match="private key not found"):
            c.evaluate("get_private", [COLL, key])
        assert c.evaluate("get_private_hash", [COLL, key]) == b""


def test_private_composite_keys_and_private_range(network_info: dict,
                                                  shared_network: Network) -> None:
    otype = _uid("pmeter")
    with g.connect_with_profile(network_info, "RegulatorMSP") as gw:
        c = _contract(gw, network_info)
        block = None
        for attrs, v in ((["m1", "01"], b"x"), (["m1", "02"], b"y")):
            _, code, block = _submit(c, "put_private_composite", [COLL, otype, json.dumps(attrs)],
                                     transient={"value": v})
            assert code == "VALID"
        key = _uid("prange")
        _, code, block = _submit(c, "put_private", [COLL, key], transient={"value": b"z"})
        assert code == "VALID"
        _wait_everywhere(shared_network, block)
        rows = json.loads(c.evaluate("list_private_composite", [COLL, otype, '["m1"]']))
        assert rows == [[[otype, ["m1", "01"]], "x"], [[otype, ["m1", "02"]], "y"]]
        assert json.loads(c.evaluate("private_range", [COLL, key, key + "\x01"])) == [[key, "z"]]


def test_range_left_early_gets_no_peer_error(network_info: dict,
                                             shared_network: Network) -> None:
    prefix = _uid("early")
    logs = {n: shared_network.sup.log_path(n) for n in shared_network.node_names()
            if n.startswith(("peer0.", "ccserver."))}
    sizes = {n: p.stat().st_size for n, p in logs.items()}
    with g.connect_with_profile(network_info, "PowerMSP") as gw:
        c = _contract(gw, network_info)
        block = None
        for i in range(3):
            _, code, block = _submit(c, "put", [f"{prefix}-{i}", str(i)])
        _wait_everywhere(shared_network, block)
        txid, code, _ = _submit(c, "range_first", [f"{prefix}-", f"{prefix}."],
                                endorsing_organizations=ORGS)
        assert code == "VALID"
        assert json.loads(c.evaluate("range_first", [f"{prefix}-", f"{prefix}."])) == [
            [f"{prefix}-0", "0"]]
    time.sleep(1.0)  # a late close would follow the COMPLETED within milliseconds
    for name, path in logs.items():
        with path.open("rb") as f:
            f.seek(sizes[name])
            text = f.read().decode(errors="replace")
        bad = [ln for ln in text.splitlines()
               if "no ledger context" in ln or "Task exception" in ln
               or "asynchronous generator" in ln or "query iterator failed" in ln]
        assert not bad, f"{name}: {bad[:3]}"


def test_proposal_fields_and_raw_arguments(network_info: dict) -> None:
    with g.connect_with_profile(network_info, "BankMSP") as gw:
        c = _contract(gw, network_info)
        info = json.loads(c.evaluate("tx_info", transient={"note": b"n"}))
        assert info["channel"] == network_info["channel"] and info["signed"] is True
        assert len(bytes.fromhex(info["binding"])) == 32 and info["transient"] == ["note"]
        assert abs(info["timestamp"][0] - time.time()) < 600
        assert c.evaluate("byte_length", [b"\xff\xfe\x00"]) == b"3"
        with pytest.raises(g.EvaluateError) as err:
            c.evaluate("get", [b"\xff\xfe"])
        assert "argument 1" in str(err.value) and "UTF-8" in str(err.value)
        assert "UnicodeDecodeError" not in str(err.value)
