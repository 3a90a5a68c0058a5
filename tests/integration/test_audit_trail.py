"""The audit trail on real peers (issue 12): four notary followers (supervised nodes
``notary.<org>``) derive the same log from a mixed workload, cosign and anchor it; one killed
with SIGKILL mid-stream resumes with no gap and no duplicate; one organisation's altered
store is caught (split view): no anchor carries its signature for the forged log, alarms on
the ledger and in the stores name it, and the other three keep anchoring.

Its own network (PORT_BASE), fresh each run, with a short cadence (2 s or 20 entries).
"""

from __future__ import annotations

import datetime
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import accounting
import network
import notary
from accounting import readings as rd
from gateway.audit import AuditStore
from verifier._binding import check_binding_signature
from verifier._entry import THRESHOLD, audit_leaf, origin

from .carbon_world import Who, World, carbon_network, new_uscc, next_number, record

PORT_BASE = 18000
MEMBERS = ("PowerMSP", "CertifierMSP", "RegulatorMSP")
DAY0 = datetime.datetime(2026, 8, 1, tzinfo=rd.CHINA)
FS = {v: str(accounting.load_factor_set(v).digest) for v in accounting.factor_set_versions()}
KEYS = {"PowerMSP": "power", "CertifierMSP": "certifier", "BankMSP": "bank",
        "RegulatorMSP": "regulator"}


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    old = os.environ.get("CARBONTRUST_AUDIT_CADENCE")
    os.environ["CARBONTRUST_AUDIT_CADENCE"] = "2,20"
    try:
        for net in carbon_network("it-test_audit_trail", PORT_BASE):
            w = World(net)
            enrolled = network.enrol_meter_gateway(net, "gw-audit")
            w.who["meter-gw"] = Who("meter-gw", "PowerMSP", enrolled.cert_pem,
                                    enrolled.key_pem, "PowerMSP")
            yield w
            w.s.close()
    finally:
        if old is None:
            os.environ.pop("CARBONTRUST_AUDIT_CADENCE", None)
        else:
            os.environ["CARBONTRUST_AUDIT_CADENCE"] = old


def store_of(w: World, mspid: str) -> AuditStore:
    return AuditStore.open(w.net.notary_store(KEYS[mspid]) / "audit.db")


def height(w: World) -> int:
    return min(w.net.ledger_height(o.key) for o in w.net.layout.orgs)


def wait_for(what: str, check: Callable[[], Any], timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def snapshot(w: World, mspid: str) -> tuple[int, int, bytes, list[str]]:
    with store_of(w, mspid) as s:
        leaves = [r.tx_id for r in s.entries(0, s.size())]
        return s.position()[0], s.size(), s.log.root(), leaves


def settled(w: World, orgs: tuple[str, ...]) -> bool:
    """Every follower in ``orgs`` has read the whole chain and the chain stopped growing."""
    h = height(w)
    snaps = [snapshot(w, m) for m in orgs]
    return all(p == h for p, *_ in snaps) and height(w) == h


def wait_settled(w: World, orgs: tuple[str, ...]) -> None:
    wait_for("the followers to catch up and the chain to settle",
             lambda: settled(w, orgs) and (time.sleep(5) or settled(w, orgs)), timeout=120)


def workload(w: World, n: int) -> None:
    """Registry, governance (the first time), operating data and readings transactions."""
    uscc = w.e1
    for _ in range(2):
        w.submit("regulator-admin", "registry:register_enterprise",
                 record(new_uscc(next_number())))
    w.submit("regulator-admin", "registry:add_meter", uscc, f"M-{next_number()}")
    if n == 0:
        policy = json.dumps({"orgs": ["PowerMSP", "BankMSP"], "required": 2})
        w.submit("regulator-admin", "governance:propose", "factor_set", "cn-2023.1",
                 FS["cn-2023.1"], policy)
        for who in ("bank-admin", "power-admin"):
            w.submit(who, "governance:approve", "factor_set", "cn-2023.1", FS["cn-2023.1"])
        w.submit("regulator-admin", "governance:activate", "factor_set", "cn-2023.1")
    t = w.declaration(uscc, w.who["ent-own"], 2000 + n)
    w.submit("ent-own", "operating:declare", transient=t, orgs=("CertifierMSP", "RegulatorMSP"))
    start = DAY0 + datetime.timedelta(days=n)
    rs = [rd.Reading(w.m1, uscc, start + k * datetime.timedelta(minutes=15), "electricity",
                     Decimal(k + 1) / 10, "kWh") for k in range(96)]
    w.submit("meter-gw", "readings:submit_batch",
             transient={"batch": rd.encode_batch(rs), "salt": bytes(range(32))}, orgs=MEMBERS)


def verifiers(w: World) -> dict[str, notary.Verifier]:
    keys = w.evaluate("power-client", "audit:keys")["keys"]
    return {r["binding"]["statement"]["mspid"]: check_binding_signature(r["binding"])
            for r in keys}


def test_four_logs_equal_and_anchored_after_a_mixed_workload(world: World) -> None:
    wait_for("four registered notary keys", lambda: len(verifiers(world)) == 4)
    for n in range(3):
        workload(world, n)
    wait_settled(world, tuple(KEYS))
    snaps = {m: snapshot(world, m) for m in KEYS}
    first = snaps["PowerMSP"]
    for m, s in snaps.items():
        assert s[1:] == first[1:], f"{m}'s log differs from PowerMSP's"
    assert first[1] >= 15
    names = set()
    with store_of(world, "PowerMSP") as s:
        names = {r.name for r in s.entries(0, s.size())}
    assert {"registry.register_enterprise", "registry.add_meter", "readings.submit",
            "operating.declare", "governance.activate", "audit.anchor"} <= names, names
    head = wait_for("an anchor", lambda: world.evaluate("power-client", "audit:head"))
    policy = notary.Policy(origin(world.info["channel"]), tuple(verifiers(world).values()),
                           THRESHOLD)
    checked = policy.verify(head["note"])
    assert len(checked.cosigners) >= 3
    with store_of(world, "BankMSP") as s:
        assert s.latest_anchor() is not None
        assert s.log.root(head["size"]) == checked.checkpoint.root
        assert s.alarms() == []


def test_killed_follower_resumes_with_no_gap_and_no_duplicate(world: World) -> None:
    net = world.net
    before = net.status()["notary.certifier"]["pid"]
    assert before
    workload(world, 10)
    # SIGKILL while blocks are arriving; the supervisor restarts it (no command needed)
    writer = threading.Thread(target=workload, args=(world, 11))
    writer.start()
    time.sleep(1.0)
    os.kill(before, signal.SIGKILL)
    writer.join()
    wait_for("notary.certifier restarted",
             lambda: net.status()["notary.certifier"]["pid"] not in (None, before))
    assert net.status()["notary.certifier"]["restarts"] >= 1
    workload(world, 12)
    wait_settled(world, tuple(KEYS))
    snaps = {m: snapshot(world, m) for m in KEYS}
    for m, s in snaps.items():
        assert s[1:] == snaps["PowerMSP"][1:], f"{m}'s log differs"
        assert len(s[3]) == len(set(s[3])), f"duplicate tx ids in {m}'s log"
    with store_of(world, "CertifierMSP") as s:
        s.verify_log()


def test_split_view_drill_names_the_altered_organisation(world: World) -> None:
    net = world.net
    accused = "RegulatorMSP"
    with store_of(world, "PowerMSP") as s:
        head_before = s.latest_anchor()
    assert head_before is not None
    net.stop_node("notary.regulator")  # the tamperer stops it, alters the store, restarts it
    wait_for("notary.regulator stopped", lambda: net.status()["notary.regulator"]["pid"] is None)
    path = net.notary_store("regulator") / "audit.db"
    with AuditStore.open(path, sync=True) as s:
        forged = audit_leaf(1, 0, "forged-tx", {"entry": "registry.register_enterprise",
                                                "timestamp": "2026-01-01T00:00:00.000000000Z"})
        s.append_forged("forged-tx", "2026-01-01T00:00:00.000000000Z", forged)
    net.start_node("notary.regulator")
    for n in range(20, 23):
        workload(world, n)
    honest = tuple(m for m in KEYS if m != accused)

    def later_anchor() -> Any:
        head = world.evaluate("power-client", "audit:head")
        return head if head and head["size"] > head_before.size + 5 else None

    wait_for("the honest organisations to anchor again", later_anchor, timeout=120)

    def alarmed() -> bool:
        with store_of(world, "PowerMSP") as s:
            return any(a["source"] == "ledger" and a["accused"] == accused
                       for a in s.alarms())

    wait_for("an alarm on the ledger naming the altered organisation", alarmed)
    wait_settled(world, honest)
    # the honest three are equal; the altered store differs
    snaps = {m: snapshot(world, m) for m in KEYS}
    for m in honest:
        assert snaps[m][1:] == snaps["PowerMSP"][1:]
    assert snaps[accused][2] != snaps["PowerMSP"][2]
    # no anchor since the forgery carries the accused's signature
    keys = verifiers(world)
    with store_of(world, "PowerMSP") as s:
        anchors = [a for a in s.anchors() if a.size > head_before.size]
        assert anchors
        for a in anchors:
            signed = notary.Note.parse(a.note).verified_by((keys[accused],))
            assert not signed, f"anchor {a.size} carries {accused}'s signature"
    for m in honest:
        with store_of(world, m) as hs:
            local = [x for x in hs.alarms() if x["source"] == "local"]
        assert local and all(x["accused"] == accused for x in local), (m, local)
    with store_of(world, "PowerMSP") as s:
        ledger_alarms = [a for a in s.alarms() if a["source"] == "ledger"
                         and a["accused"] == accused]
        assert {a["reporter"] for a in ledger_alarms} <= set(honest)
        ev = ledger_alarms[0]["evidence"]
        assert ev["roots"]["ours"] != ev["roots"]["theirs"]
    log_text = Path(net.run_dir / "logs" / "notary.power.log").read_text()
    assert f"SPLIT VIEW accused={accused}" in log_text
