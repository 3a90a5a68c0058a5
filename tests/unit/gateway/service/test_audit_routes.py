"""The audit routes over a real follower store (audit_routes_world: filled by the store's own
writer, anchored by cosigned checkpoints), the fake ledger answering ``audit:head`` and
``audit:history``: what each route answers, compared with the command line's code and
checked with ``notary`` and ``verifier``; refusals as problems with their evidence."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import notary
from gateway.audit import AuditStore
from gateway.audit._export import (
    ExportRange,
    build_export,
    export_entries,
    export_frame,
    plan_export,
)
from gateway.cli._audit_prove import prove_entry
from tests.unit.gateway.cli.audit_world import World, ts
from tests.unit.gateway.service.audit_routes_world import OTHER, USCC, filled_log, roots_dir
from tests.unit.gateway.service.conftest import ServiceFactory, auth, user_name
from verifier import THRESHOLD, check_export, load_msp_roots, origin

FROM, TO = ts(10), ts(21)


@pytest.fixture()
def log(tmp_path: Path) -> Iterator[tuple[World, dict[str, str]]]:
    w, tx = filled_log(tmp_path / "follower")
    yield w, tx
    w.close()


@pytest.fixture()
def regulator(service: ServiceFactory, log: Any, tmp_path: Path) -> tuple[Any, Any, Any]:
    w, _tx = log
    client, world = service("regulator", audit_store=w.path / "audit.db",
                            msp_roots=roots_dir(tmp_path / "roots"))
    world.contract.audit_head = w.head()
    return client, world, auth(client, user_name("auditor"))


def test_the_routes_record_types_are_the_commands() -> None:
    from typing import get_args

    from gateway.cli._audit_types import TYPES
    from gateway.service._audit import RecordTypeName

    assert sorted(get_args(RecordTypeName)) == sorted(TYPES)


def test_checkpoint_is_the_anchor_beside_the_local_log(service: ServiceFactory,
                                                       log: Any) -> None:
    w, _tx = log
    client, _world = service("bank", audit_store=w.path / "audit.db")
    r = client.get("/v1/audit/checkpoint", headers=auth(client, user_name("analyst")))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["org"], body["size"], body["agrees"]) == ("BankMSP", 12, True)
    assert body["root"] == base64.b64encode(w.store.log.root(12)).decode()
    a = w.store.latest_anchor()
    assert a is not None
    assert body["anchored"] == {"size": 10, "root": base64.b64encode(a.root).decode(),
                                "note": a.note, "previous_size": 6, "anchor_tx": a.tx_id,
                                "cosigners": ["BankMSP/notary", "CertifierMSP/notary",
                                              "PowerMSP/notary"]}
    assert body["next_block"] == w.block


def test_entries_page_through_the_whole_log(service: ServiceFactory, log: Any) -> None:
    w, tx = log
    client, _world = service("power", audit_store=w.path / "audit.db")
    headers = auth(client, user_name("viewer"))
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        r = client.get("/v1/audit/entries", headers=headers,
                       params={"limit": 5, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        seen += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert [e["index"] for e in seen] == list(range(12))
    for e in seen:
        row = w.store.entry(e["index"])
        assert (e["tx_id"], e["block"], e["timestamp"], e["entry"]) == \
            (row.tx_id, row.block, row.timestamp, row.entry)
        assert e["leaf_hash"] == base64.b64encode(notary.leaf_hash(row.leaf)).decode()
        assert e["anchored"] is (e["index"] < 10)
    assert seen[4]["tx_id"] == tx["reg"]
    r = client.get("/v1/audit/entries", headers=headers, params={"start": 10})
    assert [e["index"] for e in r.json()["items"]] == [10, 11]
    assert r.json()["next_cursor"] is None
    r = client.get("/v1/audit/entries", headers=headers, params={"cursor": "%%"})
    assert r.status_code == 422


def test_proof_is_audit_proves_and_verifies(service: ServiceFactory, log: Any,
                                            tmp_path: Path) -> None:
    w, tx = log
    client, _world = service("certifier", audit_store=w.path / "audit.db")
    headers = auth(client, user_name("attester"))
    r = client.get(f"/v1/audit/proofs/{tx['reg']}", headers=headers)
    assert r.status_code == 200, r.text
    proof = r.json()
    assert proof == prove_entry(w.store, "carbon", "CertifierMSP", tx["reg"])
    roots = load_msp_roots(roots_dir(tmp_path / "roots"))
    from verifier import check_binding_chain

    keys = tuple(check_binding_chain(b, roots) for b in proof["key_bindings"])
    verified = notary.verify_bundle(notary.ProofBundle.from_text(proof["bundle"]),
                                    proof["leaf"].encode(),
                                    notary.Policy(origin("carbon"), keys, THRESHOLD))
    assert verified.checkpoint.size == 10 > proof["index"] == 4

    r = client.get(f"/v1/audit/proofs/{tx['after']}", headers=headers)
    assert r.status_code == 409 and r.headers["retry-after"] == "5"
    assert (r.json()["index"], r.json()["anchored_size"]) == (11, 10)
    r = client.get(f"/v1/audit/proofs/{'0' * 64}", headers=headers)
    assert r.status_code == 404 and "0" * 64 in r.json()["detail"]
    assert r.headers["content-type"] == "application/problem+json"


def test_history_pages_versions_and_joins_public_values(regulator: Any, log: Any) -> None:
    client, world, headers = regulator
    _w, tx = log
    world.contract.audit_history[("enterprise", USCC)] = [
        {"tx_id": tx["after"], "value": {"uscc": USCC, "version": 3}, "is_delete": False},
        {"tx_id": tx["reg"], "value": {"uscc": USCC, "version": 1}, "is_delete": False},
        {"tx_id": "f" * 64, "value": {"uscc": USCC, "version": 4}, "is_delete": False}]
    url = "/v1/audit/history/enterprise"
    r = client.get(url, headers=headers, params={"key": USCC, "limit": 2})
    assert r.status_code == 200, r.text
    first = r.json()
    assert [v["tx_id"] for v in first["items"]] == [tx["reg"], tx["meter"]]
    assert first["items"][0]["value"] == {"uscc": USCC, "version": 1}
    assert "value" not in first["items"][1]      # the ledger has no value of that tx
    assert first["not_in_log"] == ["f" * 64]
    assert first["log"] == {"org": "RegulatorMSP", "size": 12, "anchored_size": 10}
    assert first["items"][0]["creator"]["mspid"] == "RegulatorMSP"
    r = client.get(url, headers=headers, params={"key": USCC, "limit": 2,
                                                 "cursor": first["next_cursor"]})
    last = r.json()
    assert [v["tx_id"] for v in last["items"]] == [tx["after"]]
    assert last["items"][0]["anchored"] is False and last["next_cursor"] is None

    # a private record: entries only (commitments), the ledger never asked
    calls = len(world.contract.calls)
    r = client.get("/v1/audit/history/operating-data", headers=headers,
                   params={"key": f"{USCC}/2026-01-01/2026-01-31"})
    assert r.status_code == 200, r.text
    assert [v["tx_id"] for v in r.json()["items"]] == [tx["decl"]]
    assert r.json()["public"] is False and r.json()["not_in_log"] is None
    assert len(world.contract.calls) == calls
    r = client.get("/v1/audit/history/batch", headers=headers, params={"key": "a/b"})
    assert r.status_code == 422 and "batch_id" in r.json()["detail"]
    r = client.get("/v1/audit/history/meter", headers=headers, params={"key": "nope"})
    assert r.status_code == 404
    r = client.get("/v1/audit/history/nothing", headers=headers, params={"key": "x"})
    assert r.status_code == 422


def test_export_is_the_cli_export_and_checks(regulator: Any, log: Any, tmp_path: Path) -> None:
    client, world, headers = regulator
    w, tx = log
    r = client.get("/v1/audit/export", headers=headers,
                   params={"from": FROM, "to": TO, "uscc": USCC})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert "attachment" in r.headers["content-disposition"]
    got = json.loads(r.content)
    want, _warnings = build_export(w.store, "carbon", ExportRange(FROM, TO, USCC), w.head())
    assert got == want
    full = [json.loads(e["leaf"])["tx_id"] for e in got["entries"] if "leaf" in e]
    assert full == [tx["reg"], tx["meter"], tx["decl"]]   # the other's only as hashes
    summary = check_export(r.content, load_msp_roots(roots_dir(tmp_path / "roots")))
    assert summary.size == 10 and summary.uscc == USCC

    r = client.post("/v1/audit/checks", headers=headers, content=r.content)
    assert r.status_code == 200, r.text
    verdict = r.json()
    assert verdict["valid"] is True and verdict["code"] is None
    assert verdict["check"] == summary.to_json()
    assert verdict["own_log"] == {"status": "agrees", "size": 12, "checkpoint_size": 10,
                                  "root": base64.b64encode(w.store.log.root(10)).decode()}


def test_a_tampered_export_is_refused_with_its_reason(regulator: Any) -> None:
    client, _world, headers = regulator
    x = json.loads(client.get("/v1/audit/export", headers=headers,
                              params={"from": FROM, "to": TO, "uscc": USCC}).content)
    first = next(e for e in x["entries"] if "leaf" in e)
    first["leaf"] = first["leaf"].replace(USCC, OTHER)
    r = client.post("/v1/audit/checks", headers=headers, content=json.dumps(x))
    assert r.status_code == 200, r.text
    verdict = r.json()
    assert (verdict["valid"], verdict["code"]) == (False, "ENTRY_PROOF"), verdict
    assert "entries[" in verdict["detail"] and verdict["check"] is None
    r = client.post("/v1/audit/checks", headers=headers, content=b"not json")
    assert (r.json()["valid"], r.json()["code"]) == (False, "FORMAT")


def test_an_export_of_another_log_disagrees_with_the_regulators_own(
        regulator: Any, tmp_path: Path) -> None:
    """Cosigned by registered keys (valid against the roots) but not the regulator's log."""
    client, _world, headers = regulator
    fork = World(tmp_path / "fork")
    try:
        fork.register_keys(ts(0))
        fork.add("registry.register_enterprise", {"uscc": OTHER}, ts(10))
        fork.anchor(ts(12))
        x, _ = build_export(fork.store, "carbon", ExportRange(ts(0), ts(12)), fork.head())
    finally:
        fork.close()
    r = client.post("/v1/audit/checks", headers=headers, content=json.dumps(x))
    verdict = r.json()
    assert (verdict["valid"], verdict["code"]) == (False, "OWN_LOG"), verdict
    assert verdict["check"]["valid"] is True           # the file itself holds
    own = verdict["own_log"]
    assert own["status"] == "disagrees" and own["checkpoint_size"] == 5
    assert own["root"] != verdict["check"]["checkpoint"]["root"]
    assert own["root"] in verdict["detail"]


def test_export_refusals(regulator: Any) -> None:
    client, world, headers = regulator
    r = client.get("/v1/audit/export", headers=headers, params={"from": FROM, "to": ts(55)})
    assert r.status_code == 409 and r.json()["code"] == "NOT_ANCHORED", r.text
    assert r.headers["retry-after"] == "5"
    r = client.get("/v1/audit/export", headers=headers, params={"from": TO, "to": FROM})
    assert r.status_code == 422 and "after" in r.json()["detail"]
    r = client.get("/v1/audit/export", headers=headers,
                   params={"from": FROM, "to": TO, "uscc": USCC[:-1] + "I"})
    assert r.status_code == 422
    world.contract.audit_head = {"size": 99, "root": "AAAA"}   # the ledger is ahead
    r = client.get("/v1/audit/export", headers=headers, params={"from": FROM, "to": TO})
    assert r.status_code == 200 and "anchored size 99" in r.headers["x-audit-warnings"]
    world.contract.audit_head = {"size": 10, "root": "AAAA"}   # another root at our size
    r = client.get("/v1/audit/export", headers=headers, params={"from": FROM, "to": TO})
    assert r.status_code == 409 and r.json()["code"] == "STORE_MISMATCH", r.text
    assert "AAAA" in r.json()["detail"]


def test_check_limits(service: ServiceFactory, log: Any, tmp_path: Path) -> None:
    w, _tx = log
    client, _world = service("regulator", audit_store=w.path / "audit.db",
                             msp_roots=roots_dir(tmp_path / "roots"), max_check_bytes=100)
    headers = auth(client, user_name("auditor"))
    r = client.post("/v1/audit/checks", headers=headers, content=b"{" + b" " * 200 + b"}")
    assert r.status_code == 413 and "max_check_bytes" in r.json()["detail"]
    r = client.post("/v1/audit/checks", headers={**headers, "Content-Type": "text/csv"},
                    content=b"{}")
    assert r.status_code == 415
    client, _world = service("regulator", audit_store=w.path / "audit.db",
                             msp_roots=tmp_path / "no-roots")
    r = client.post("/v1/audit/checks", headers=auth(client, user_name("auditor")),
                    content=b"{}")
    assert r.status_code == 503 and r.json()["type"].endswith("not-configured")


def test_a_missing_store_is_503_and_not_created(service: ServiceFactory,
                                               tmp_path: Path) -> None:
    missing = tmp_path / "none" / "audit.db"
    client, _world = service("bank", audit_store=missing)
    r = client.get("/v1/audit/checkpoint", headers=auth(client, user_name("analyst")))
    assert r.status_code == 503 and r.headers["retry-after"] == "5"
    assert "BankMSP" in r.json()["detail"] and not missing.parent.exists()


def test_export_entries_in_chunks_are_the_whole_export(log: Any) -> None:
    w, _tx = log
    rng = ExportRange(ts(0), ts(30))
    plan = plan_export(w.store, rng, w.head())
    chunked = list(export_entries(w.store, plan, rng, chunk=2))
    whole, _ = build_export(w.store, "carbon", rng, w.head())
    assert chunked == whole["entries"] and len(chunked) == 10
    assert {**export_frame(w.store, "carbon", rng, plan), "entries": chunked} == whole


def test_a_gap_in_the_rows_is_store_incomplete(log: Any) -> None:
    import sqlite3

    from gateway.audit._export import ExportError

    w, _tx = log
    rng = ExportRange(ts(0), ts(30))
    plan = plan_export(w.store, rng, w.head())
    con = sqlite3.connect(w.path / "audit.db")
    con.execute("DELETE FROM audit_entries WHERE idx = 7")
    con.commit()
    con.close()
    with AuditStore.open(w.path / "audit.db") as store, \
            pytest.raises(ExportError, match="STORE_INCOMPLETE .*no entry 7"):
        list(export_entries(store, plan, rng, chunk=3))


def test_no_connection_profile_is_503_not_500(service: ServiceFactory, log: Any,
                                              tmp_path: Path) -> None:
    w, tx = log
    client, _world = service("power", audit_store=w.path / "audit.db",
                             profile=tmp_path / "missing" / "connection.json")
    r = client.get(f"/v1/audit/proofs/{tx['reg']}", headers=auth(client, user_name("viewer")))
    assert r.status_code == 503 and r.json()["type"].endswith("ledger-unavailable"), r.text


def test_the_log_in_the_services_own_store(service: ServiceFactory, db_url: str) -> None:
    """No audit_store: the log is the service's own store (a URL, SQLite or PostgreSQL,
    tables from migration 0003), written by the store's own writer as a follower does."""
    from gateway.audit import BlockRecords
    from verifier import audit_leaf

    client, world = service("certifier", db_url=db_url)
    target = world.settings.audit_store_path()
    assert isinstance(target, str) and "://" in target       # never a Path here
    with AuditStore.open(target, sync=True) as store:
        store.commit_block(BlockRecords(0))
        for block, name in ((1, "registry.register_enterprise"), (2, "registry.add_meter")):
            tx = f"{block:064x}"
            entry = {"v": 1, "entry": name, "tx_id": tx, "timestamp": ts(block),
                     "actor": {"mspid": "RegulatorMSP", "kind": "client",
                               "fingerprint": "ab" * 32},
                     "keys": {"uscc": USCC}, "digests": {}, "commitments": {}}
            store.commit_block(BlockRecords(block, entries=[
                (0, tx, ts(block), audit_leaf(block, 0, tx, entry))]))
        root = base64.b64encode(store.log.root(2)).decode()
    headers = auth(client, user_name("viewer"))
    body = client.get("/v1/audit/checkpoint", headers=headers).json()
    assert (body["org"], body["size"], body["root"], body["anchored"], body["agrees"],
            body["next_block"]) == ("CertifierMSP", 2, root, None, None, 3)
    items = client.get("/v1/audit/entries", headers=headers).json()["items"]
    assert [e["entry"]["entry"] for e in items] == ["registry.register_enterprise",
                                                    "registry.add_meter"]
    r = client.get(f"/v1/audit/proofs/{2:064x}", headers=headers)
    assert r.status_code == 409 and r.json()["anchored_size"] == 0


def test_a_store_url_without_the_log_is_503_naming_no_password(service: ServiceFactory,
                                                                tmp_path: Path) -> None:
    import sqlite3

    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()                  # a database without the log's tables
    for url in (f"sqlite:///{empty}", f"sqlite:///{tmp_path / 'missing.sqlite'}"):
        client, _world = service("power", audit_store=url)
        r = client.get("/v1/audit/checkpoint", headers=auth(client, user_name("viewer")))
        assert r.status_code == 503, r.text
        assert r.json()["type"].endswith("audit-store-unavailable")
    assert not (tmp_path / "missing.sqlite").exists()
    client, _world = service("power", audit_store="postgresql+psycopg://u:s3cret@127.0.0.1:1/x")
    r = client.get("/v1/audit/checkpoint", headers=auth(client, user_name("viewer")))
    assert r.status_code == 503 and "s3cret" not in r.text, r.text
