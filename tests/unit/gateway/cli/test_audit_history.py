"""``carbontrust audit history``: every audit entry about a record, from a real follower store.

The store is filled through the AuditStore writer (``audit_world.World``); the ledger's
``audit:history`` is the fake seam (``FakeLedger``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.gateway.cli.audit_world import World, ts
from tests.unit.gateway.cli.conftest import USCC, FakeLedger, write_profile
from tests.unit.gateway.cli.test_commands import refused

OTHER = "91350100M000100Y43"[:-2] + "XX"  # never matched: another key


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path / "follower")
    yield w
    w.close()


def history(run, world: World, *args: str):
    return run("audit", "history", *args, "--store", str(world.path))


def _ledger_versions(*pairs: tuple[str, dict]) -> bytes:
    return json.dumps([{"tx_id": t, "timestamp": "x", "is_delete": False, "value": v}
                       for t, v in pairs]).encode()


def test_enterprise_history_lists_each_version_with_its_entry_and_value(run, ledger: FakeLedger,
                                                                       world: World):
    reg = world.add("registry.register_enterprise", {"uscc": USCC}, ts(1))
    world.add("registry.register_enterprise", {"uscc": OTHER}, ts(2))
    meter = world.add("registry.add_meter", {"uscc": USCC, "meter_id": "M-1"}, ts(3))
    world.add("operating.declare", {"uscc": USCC, "period_start": "2026-01-01",
                                    "period_end": "2026-01-31"}, ts(4), kind="enterprise")
    world.register_keys(ts(5))
    world.anchor(ts(6))
    upd = world.add("registry.update_enterprise", {"uscc": USCC}, ts(7))
    ledger.answers["audit:history"] = _ledger_versions(
        (upd, {"v": 3}), (meter, {"v": 2}), (reg, {"v": 1}), ("f" * 64, {"v": 9}))
    r = history(run, world, "enterprise", USCC)
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert [v["tx_id"] for v in out["versions"]] == [reg, meter, upd]  # log order
    first = out["versions"][0]
    assert first["index"] == 0 and first["block"] == 1 and first["tx_index"] == 0
    assert first["timestamp"] == ts(1)
    assert first["creator"] == {"mspid": "RegulatorMSP", "kind": "client",
                                "fingerprint": "ab" * 32}
    assert first["entry"]["entry"] == "registry.register_enterprise"
    assert [v["value"] for v in out["versions"]] == [{"v": 1}, {"v": 2}, {"v": 3}]
    assert [v["anchored"] for v in out["versions"]] == [True, True, False]
    assert out["log"] == {"org": "RegulatorMSP", "size": world.store.size(),
                          "anchored_size": 8}
    assert out["not_in_log"] == ["f" * 64]
    assert "not in RegulatorMSP's audit log yet" in r.err and "f" * 64 in r.err
    (call,) = ledger.calls
    assert (call.function, call.args, call.msp_id) == ("audit:history", ["enterprise", USCC],
                                                       "RegulatorMSP")


def test_private_records_show_entries_only_and_never_ask_for_values(run, ledger: FakeLedger,
                                                                   world: World):
    sub = world.add("readings.submit", {"batch_id": "b1", "count": 96, "recorded": 96,
                                        "duplicate": False}, ts(1), mspid="PowerMSP")
    world.add("readings.submit", {"batch_id": "b2", "count": 1, "recorded": 1,
                                  "duplicate": False}, ts(2), mspid="PowerMSP")
    again = world.add("readings.submit", {"batch_id": "b1", "count": 96, "recorded": 0,
                                          "duplicate": True}, ts(3), mspid="PowerMSP")
    fix = world.add("readings.correct", {"batch_id": "b1", "correction": "c"}, ts(4))
    r = history(run, world, "batch", "b1")
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert [v["tx_id"] for v in out["versions"]] == [sub, again, fix]
    assert all("value" not in v for v in out["versions"]) and out["public"] is False
    assert ledger.calls == []


def test_operating_data_by_enterprise_or_by_period(run, world: World):
    jan = world.add("operating.declare", {"uscc": USCC, "period_start": "2026-01-01",
                                          "period_end": "2026-01-31"}, ts(1))
    feb = world.add("operating.declare", {"uscc": USCC, "period_start": "2026-02-01",
                                          "period_end": "2026-02-28"}, ts(2))
    world.add("registry.register_enterprise", {"uscc": USCC}, ts(3))
    every = json.loads(history(run, world, "operating-data", USCC).out)
    assert [v["tx_id"] for v in every["versions"]] == [jan, feb]
    one = json.loads(history(run, world, "operating-data",
                             f"{USCC}/2026-02-01/2026-02-28").out)
    assert [v["tx_id"] for v in one["versions"]] == [feb]


def test_factor_and_rule_sets_are_told_apart_by_kind(run, ledger: FakeLedger, world: World):
    prop = world.add("governance.propose", {"kind": "factor_set", "version": "cn-2026.1"}, ts(1))
    world.add("governance.propose", {"kind": "rule_set", "version": "cn-2026.1"}, ts(2))
    appr = world.add("governance.approve", {"kind": "factor_set", "version": "cn-2026.1",
                                            "org": "BankMSP"}, ts(3), mspid="BankMSP")
    ledger.answers["audit:history"] = _ledger_versions((appr, {"s": "p"}), (prop, {"s": "p"}))
    out = json.loads(history(run, world, "factor-set", "cn-2026.1").out)
    assert [v["tx_id"] for v in out["versions"]] == [prop, appr]
    assert out["versions"][1]["creator"]["mspid"] == "BankMSP"
    assert out["not_in_log"] == []


def test_a_private_answer_from_the_ledger_leaves_the_entries(run, ledger: FakeLedger,
                                                            world: World):
    reg = world.add("registry.register_enterprise", {"uscc": USCC}, ts(1))
    ledger.answers["audit:history"] = refused(404, f"enterprise {USCC} not found")
    r = history(run, world, "enterprise", USCC)
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert [v["tx_id"] for v in out["versions"]] == [reg] and "value" not in out["versions"][0]


def test_refusals_and_unknown_records_exit_1(run, ledger: FakeLedger, world: World):
    world.add("registry.register_enterprise", {"uscc": USCC}, ts(1))
    ledger.answers["audit:history"] = refused(403, "refused by rule audit.read: no enterprises")
    r = history(run, world, "enterprise", USCC)
    assert r.code == 1 and "refused by rule audit.read" in r.err
    ledger.answers["audit:history"] = refused(404, "meter M-404 not found")
    r = history(run, world, "meter", "M-404")
    assert r.code == 1 and "no audit entry about meter M-404" in r.err
    r = history(run, world, "batch", "nope")
    assert r.code == 1 and "no audit entry about batch nope" in r.err


def test_unknown_type_and_bad_key_are_usage_errors(run, world: World):
    r = history(run, world, "invoice", USCC)
    assert r.code == 2
    for name in ("enterprise", "operating-data", "rule-set", "consent"):
        assert name in r.err
    r = history(run, world, "enterprise", f"{USCC}/extra")
    assert r.code == 2 and "KEY" in r.err and "uscc" in r.err
    r = history(run, world, "operating-data", f"{USCC}//2026-01-31")
    assert r.code == 2


def test_the_default_store_is_the_org_followers_under_the_run_dir(run, ledger: FakeLedger,
                                                                  tmp_path: Path):
    profile = write_profile(tmp_path / "run")
    info = json.loads(profile.read_text())
    info["orgs"]["CertifierMSP"]["label"] = "Certifier"
    profile.write_text(json.dumps(info))
    env = {"CARBONTRUST_PROFILE": str(profile)}
    r = run("audit", "history", "enterprise", USCC, "--as", "CertifierMSP", environ=env)
    assert r.code == 2
    expected = tmp_path / "run" / "notary" / "certifier" / "audit.db"
    assert str(expected) in r.err and "CertifierMSP's notary follower" in r.err
    assert not expected.exists()  # reading never creates a store
    w = World(tmp_path / "run" / "notary" / "certifier")
    try:
        tx = w.add("registry.add_meter", {"uscc": USCC, "meter_id": "M-7"}, ts(1))
    finally:
        w.close()
    r = run("audit", "history", "batch", "x", "--as", "CertifierMSP", environ=env)
    assert r.code == 1  # the store is found and read: no entry about that batch
    ledger.answers["audit:history"] = _ledger_versions((tx, {"meter_id": "M-7"}))
    r = run("audit", "history", "meter", "M-7", "--as", "CertifierMSP", environ=env)
    assert r.code == 0, r.err
    assert [v["value"] for v in json.loads(r.out)["versions"]] == [{"meter_id": "M-7"}]
    assert ledger.calls[-1].msp_id == "CertifierMSP"


def test_a_file_that_is_not_a_store_is_unreadable_input(run, tmp_path: Path):
    d = tmp_path / "broken"
    d.mkdir()
    (d / "audit.db").write_bytes(b"this is not SQLite" * 100)
    r = run("audit", "history", "batch", "b1", "--store", str(d))
    assert r.code == 2 and "cannot read audit store" in r.err


def test_a_key_json_escapes_in_the_leaf_is_still_found(run, world: World):
    """The byte pre-filter must not skip an entry whose key the leaf holds escaped."""
    odd = "b\t1"  # a tab: JSON writes it as \\t
    tx = world.add("readings.submit", {"batch_id": odd, "count": 1, "recorded": 1,
                                       "duplicate": False}, ts(1))
    out = json.loads(history(run, world, "batch", odd).out)
    assert [v["tx_id"] for v in out["versions"]] == [tx]
