"""``carbontrust audit export`` and ``audit check``: an export from a real follower store,
checked offline against the MSP roots; tampered copies refused with their reason code."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from tests.unit.gateway.cli.audit_world import World, ts
from tests.unit.gateway.cli.conftest import USCC, FakeLedger
from tests.unit.verifier.pki import orgs

OTHER = "91110000600037341L"


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path / "follower")
    yield w
    w.close()


@pytest.fixture(scope="module")
def trust(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("roots")
    for mspid, org in orgs().items():
        (d / f"{mspid}.pem").write_bytes(org.ca.cert.public_bytes(serialization.Encoding.PEM))
    return d


def filled(world: World) -> dict[str, str]:
    """Keys registered, a day of registry and operating entries, anchored twice."""
    tx: dict[str, str] = {}
    world.register_keys(ts(0))                                                # 0..3
    tx["reg"] = world.add("registry.register_enterprise", {"uscc": USCC}, ts(10))  # 4
    tx["other"] = world.add("registry.register_enterprise", {"uscc": OTHER}, ts(11))  # 5
    world.anchor(ts(12))                                                       # 6 (size 6)
    tx["meter"] = world.add("registry.add_meter", {"uscc": USCC, "meter_id": "M1"}, ts(20))
    tx["decl"] = world.add("operating.declare", {"uscc": USCC, "period_start": "2026-01-01",
                                                 "period_end": "2026-01-31"}, ts(21))
    tx["late"] = world.add("registry.update_enterprise", {"uscc": OTHER}, ts(30))  # 9
    world.anchor(ts(40))                                                       # 10 (size 10)
    return tx


def export(run, ledger: FakeLedger, world: World, out: Path, *args: str):
    if "audit:head" not in ledger.answers:
        ledger.answers["audit:head"] = json.dumps(world.head()).encode()
    return run("audit", "export", *args, "--out", str(out), "--store", str(world.path))


def check(run, path: Path, trust: Path):
    return run("audit", "check", str(path), "--trust", str(trust))


def test_a_time_range_export_checks_offline(run, ledger: FakeLedger, world: World,
                                           tmp_path: Path, trust: Path):
    tx = filled(world)
    out = tmp_path / "x.json"
    r = export(run, ledger, world, out, "--from", "2026-03-01T10:15:00Z",
               "--to", "2026-03-01T10:25:00Z")
    assert r.code == 0, r.err
    x = json.loads(out.read_text())
    assert (x["first_index"], x["last_index"]) == (7, 8)
    assert [json.loads(e["leaf"])["tx_id"] for e in x["entries"]] == [tx["meter"], tx["decl"]]
    assert x["boundary"]["before"]["index"] == 6 and x["boundary"]["after"]["index"] == 9
    assert x["range"] == {"from": "2026-03-01T10:15:00.000000000Z",
                          "to": "2026-03-01T10:25:00.000000000Z", "uscc": None}
    assert len(x["anchors"]) == 2 and x["anchors"][0]["proof_from_previous"] == []
    assert x["checkpoint"] == x["anchors"][-1]["note"]
    assert len(x["key_bindings"]) == 3  # Bank, Certifier, Power signed; Regulator did not
    assert ledger.calls[0].function == "audit:head"
    r = check(run, out, trust)
    assert r.code == 0, r.err
    summary = json.loads(r.out)
    assert summary["valid"] is True and summary["checkpoint"]["size"] == 10
    assert [e["tx_id"] for e in summary["entries"]] == [tx["meter"], tx["decl"]]


def test_an_enterprise_export_hides_other_entries_behind_their_hashes(
        run, ledger: FakeLedger, world: World, tmp_path: Path, trust: Path):
    tx = filled(world)
    out = tmp_path / "u.json"
    r = export(run, ledger, world, out, "--from", "2026-03-01", "--to", "2026-03-01",
               "--uscc", USCC)
    assert r.code == 0, r.err
    x = json.loads(out.read_text())
    assert (x["first_index"], x["last_index"]) == (0, 9)  # the whole day (anchor 10 is ts 40)
    shown = [json.loads(e["leaf"])["tx_id"] for e in x["entries"] if "leaf" in e]
    assert shown == [tx["reg"], tx["meter"], tx["decl"]]
    assert sum("leaf_hash" in e for e in x["entries"]) == 7
    assert x["range"]["to"] == "2026-03-01T23:59:59.999999999Z"
    r = check(run, out, trust)
    assert r.code == 0, r.err and json.loads(r.out)["hidden"] == 7


def _tamper(src: Path, dst: Path, change) -> Path:
    x = json.loads(src.read_text())
    change(x)
    dst.write_text(json.dumps(x))
    return dst


def _leaf_edit(x: dict) -> None:
    x["entries"][0]["leaf"] = x["entries"][0]["leaf"].replace("M1", "M2")


def _flip(x: dict) -> None:
    h = bytearray(base64.b64decode(x["entries"][1]["proof"][0]))
    h[0] ^= 1
    x["entries"][1]["proof"][0] = base64.b64encode(bytes(h)).decode()


def _drop_signature(x: dict) -> None:
    lines = x["checkpoint"].split("\n")  # ..., "— name sig", "— name sig", ""
    x["checkpoint"] = "\n".join(lines[:-2] + lines[-1:])
    x["anchors"][-1]["note"] = x["checkpoint"]


@pytest.mark.parametrize(("change", "code"), [
    (_leaf_edit, "ENTRY_PROOF"),
    (lambda x: x["entries"].pop(), "ENTRY_GAP"),
    (lambda x: x["entries"].reverse(), "ENTRY_ORDER"),
    (_flip, "ENTRY_PROOF"),
    (lambda x: x["key_bindings"].pop(), "COSIGNATURE_UNKNOWN_KEY"),
    (_drop_signature, "THRESHOLD"),
    (lambda x: x.pop("checkpoint"), "FORMAT"),
])
def test_check_refuses_a_tampered_copy_naming_the_reason_first(
        run, ledger: FakeLedger, world: World, tmp_path: Path, trust: Path, change, code):
    filled(world)
    out = tmp_path / "x.json"
    assert export(run, ledger, world, out, "--from", "2026-03-01T10:15:00Z",
                  "--to", "2026-03-01T10:25:00Z").code == 0
    r = check(run, _tamper(out, tmp_path / "bad.json", change), trust)
    assert r.code == 1 and r.out == ""
    assert r.err.split()[0] == code, r.err


def test_check_unreadable_file_or_roots_exit_2(run, tmp_path: Path, trust: Path):
    r = check(run, tmp_path / "missing.json", trust)
    assert r.code == 2 and "cannot read" in r.err
    f = tmp_path / "f.json"
    f.write_text("{}")
    r = check(run, f, tmp_path / "no-roots")
    assert r.code == 2 and "--trust" in r.err
    r = check(run, f, trust)
    assert r.code == 1 and r.err.startswith("FORMAT ")


def test_a_range_past_the_anchor_is_refused_until_anchored(run, ledger: FakeLedger,
                                                           world: World, tmp_path: Path):
    filled(world)
    world.add("registry.update_enterprise", {"uscc": USCC}, ts(50))  # index 11, not anchored
    out = tmp_path / "x.json"
    r = export(run, ledger, world, out, "--from", "2026-03-01", "--to", "2026-03-02")
    assert r.code == 1 and r.err.startswith("error: NOT_ANCHORED")
    assert "entry 11" in r.err and "size 10" in r.err
    assert not out.exists() and list(tmp_path.glob(".x.json*")) == []
    r = export(run, ledger, world, out, "--from", "2026-03-01T10:00:00Z",
               "--to", "2026-03-01T10:45:00Z")
    assert r.code == 0, r.err  # up to the anchor: fine
    assert "log entries 10..10 came after the anchored checkpoint" in r.err  # its anchor
    r = export(run, ledger, world, out, "--from", "2026-03-01", "--to", "2026-03-02",
               "--uscc", OTHER)
    assert r.code == 0, r.err  # entry 11 is about USCC, not OTHER: left to the next export
    assert json.loads(out.read_text())["last_index"] == 9
    r = export(run, ledger, world, out, "--from", "2026-03-01", "--to", "2026-03-02",
               "--uscc", USCC)
    assert r.code == 1 and "NOT_ANCHORED" in r.err and "registry.update_enterprise" in r.err


def test_no_anchor_yet_exits_1(run, ledger: FakeLedger, world: World, tmp_path: Path):
    world.add("registry.register_enterprise", {"uscc": USCC}, ts(1))
    ledger.answers["audit:head"] = b"null"
    r = export(run, ledger, world, tmp_path / "x.json", "--from", "2026-03-01",
               "--to", "2026-03-01")
    assert r.code == 1 and "no anchored checkpoint yet" in r.err


def test_a_store_that_disagrees_with_the_ledger_is_refused(run, ledger: FakeLedger,
                                                          world: World, tmp_path: Path):
    filled(world)
    head = world.head()
    assert head is not None
    ledger.answers["audit:head"] = json.dumps({**head, "root": base64.b64encode(
        b"\x00" * 32).decode()}).encode()
    r = export(run, ledger, world, tmp_path / "x.json", "--from", "2026-03-01",
               "--to", "2026-03-01")
    assert r.code == 1 and "STORE_MISMATCH" in r.err and "is not the ledger's" in r.err
    ledger.answers["audit:head"] = json.dumps({**head, "size": 99}).encode()
    r = export(run, ledger, world, tmp_path / "x.json", "--from", "2026-03-01T10:00:00Z",
               "--to", "2026-03-01T10:45:00Z")
    assert r.code == 0 and "the ledger has anchored size 99" in r.err  # behind: a warning


def test_times_proposals_committed_out_of_order_still_check(run, ledger: FakeLedger,
                                                            world: World, tmp_path: Path,
                                                            trust: Path):
    """A proposal made earlier commits later: the window shows it, marked outside."""
    world.register_keys(ts(0))
    world.add("registry.register_enterprise", {"uscc": USCC}, ts(10))
    world.add("registry.update_enterprise", {"uscc": USCC}, ts(5))  # proposed earlier
    world.add("registry.set_status", {"uscc": USCC}, ts(11))
    world.anchor(ts(20))
    out = tmp_path / "x.json"
    assert export(run, ledger, world, out, "--from", "2026-03-01T10:08:00Z",
                  "--to", "2026-03-01T10:12:00Z").code == 0
    x = json.loads(out.read_text())
    assert (x["first_index"], x["last_index"]) == (4, 6)
    r = check(run, out, trust)
    assert r.code == 0, r.err
    assert [e["in_range"] for e in json.loads(r.out)["entries"]] == [True, False, True]


@pytest.mark.parametrize(("args", "what"), [
    (("--from", "yesterday", "--to", "2026-03-01"), "--from"),
    (("--from", "2026-03-01", "--to", "2026-02-30"), "--to"),
    (("--from", "2026-03-02", "--to", "2026-03-01"), "is after --to"),
    (("--from", "2026-03-01", "--to", "2026-03-01", "--uscc", "not-a-uscc"), "--uscc"),
])
def test_bad_times_and_usccs_are_usage_errors(run, ledger: FakeLedger, world: World,
                                              tmp_path: Path, args, what):
    r = export(run, ledger, world, tmp_path / "x.json", *args)
    assert r.code == 2 and what in r.err
    assert ledger.calls == []
