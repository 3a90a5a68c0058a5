"""The checkpoint protocol of four followers over FakeAuditChain (the faked ledger seam):
equal logs, signing at due sizes, cosigning, anchoring by the smallest MSP, split view.
Each follower's store is its own SQLite file, or a PostgreSQL service store (``world``)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

import notary
from gateway.audit import AuditStore
from gateway.audit._due import Cadence
from gateway.audit._follower import Follower, ensure_key_registered, load_or_create_key
from gateway.audit._witness import Witness
from tests.postgres import postgres_url
from verifier._entry import audit_leaf

from .conftest import service_store
from .fake_chain import FakeAuditChain, admin_credentials

ORGS = ["BankMSP", "CertifierMSP", "PowerMSP", "RegulatorMSP"]


class Org:
    def __init__(self, chain: FakeAuditChain, mspid: str, root: Path, cadence: Cadence,
                 clock: list[float], url: str | None = None) -> None:
        self.chain, self.mspid, self.dir, self.cadence = chain, mspid, root / mspid, cadence
        self.target: Path | str = url or self.dir / "audit.db"
        self.clock = clock
        self.ledger = chain.ledger(mspid)
        self.admin = admin_credentials(mspid)
        self.open()

    def open(self) -> None:
        self.signer = load_or_create_key(self.dir, self.mspid)
        self.store = AuditStore.open(self.target, sync=True)
        self.witness = Witness(self.store, self.signer, self.mspid, "carbon", self.ledger,
                               self.cadence, clock=lambda: self.clock[0])
        self.follower = Follower(self.store, self.witness, "carbon", self.cadence)

    def register(self) -> None:
        ensure_key_registered(self.ledger, self.signer, self.mspid, "carbon", *self.admin)

    def catch_up(self) -> bool:
        moved = False
        while self.store.position()[0] < len(self.chain.blocks):
            self.follower.process(self.chain.blocks[self.store.position()[0]])
            moved = True
        return moved


@pytest.fixture(params=["path", "postgresql"])
def world(request: pytest.FixtureRequest,
          tmp_path: Path) -> tuple[FakeAuditChain, dict[str, Org], list[float]]:
    chain = FakeAuditChain()
    clock = [0.0]

    def url() -> str | None:
        return service_store(postgres_url()) if request.param == "postgresql" else None

    orgs = {m: Org(chain, m, tmp_path, Cadence(5, 4), clock, url()) for m in ORGS}
    for org in orgs.values():
        org.register()
    return chain, orgs, clock


def drive(orgs: dict[str, Org], skip: tuple[str, ...] = ()) -> None:
    for _ in range(200):
        if not any([o.catch_up() for m, o in orgs.items() if m not in skip]):
            return
    raise AssertionError("no quiescence")


def test_four_logs_equal_and_an_anchor_with_three_or_more_signers(world) -> None:
    chain, orgs, _ = world
    chain.workload(10)
    drive(orgs)
    sizes = {o.store.size() for o in orgs.values()}
    roots = {o.store.log.root() for o in orgs.values()}
    assert len(sizes) == 1 and len(roots) == 1
    anchors = orgs["PowerMSP"].store.anchors()
    assert anchors, "no anchor was made"
    verifiers = chain.verifiers()
    for a in anchors:
        checked = notary.Policy(chain.origin, verifiers, 3).verify(a.note)
        assert len(checked.cosigners) >= 3
    # the smallest MSP anchors (nobody waited 3 x cadence: the clock did not move)
    assert {m for m, f in chain.calls if f == "anchor"} == {"BankMSP"}
    # every org's store holds the same anchors; the monitor checked them, no alarm
    for o in orgs.values():
        assert [a.size for a in o.store.anchors()] == [a.size for a in anchors]
        assert o.store.alarms() == []
        assert int(o.store.get_state("monitored_size") or 0) == anchors[-1].size


def test_due_sizes_are_the_same_for_every_org(world) -> None:
    chain, orgs, _ = world
    chain.workload(9, per_block=3)
    drive(orgs)
    signed = {}
    for o in orgs.values():
        signed[o.mspid] = sorted(s.size for s in o.store.signatures() if s.mspid == o.mspid)
    assert len({tuple(v) for v in signed.values()}) == 1, signed


def test_a_lagging_follower_cosigns_later_and_does_not_block_anchoring(world) -> None:
    chain, orgs, _ = world
    chain.workload(8)
    drive(orgs, skip=("RegulatorMSP",))
    assert orgs["BankMSP"].store.anchors()  # three suffice
    drive(orgs)
    assert orgs["RegulatorMSP"].store.log.root() == orgs["BankMSP"].store.log.root()
    assert orgs["RegulatorMSP"].store.alarms() == []


def test_restart_resumes_with_no_gap_and_no_duplicate(world) -> None:
    chain, orgs, _ = world
    chain.workload(6)
    drive(orgs)
    power = orgs["PowerMSP"]
    power.store.close()
    chain.workload(6)
    drive(orgs, skip=("PowerMSP",))
    power.open()  # a new process: same key, same store
    drive(orgs)
    ids = [r.tx_id for r in power.store.entries(0, power.store.size())]
    assert len(ids) == len(set(ids))
    assert power.store.log.root() == orgs["BankMSP"].store.log.root()
    power.store.verify_log()


def test_split_view_alarm_names_the_forger_and_others_keep_anchoring(world) -> None:
    chain, orgs, _ = world
    chain.workload(6)
    drive(orgs)
    bank = orgs["BankMSP"]  # the smallest MSP: the honest ones must anchor without it
    forged = audit_leaf(1, 0, "forged", {"entry": "registry.register", "timestamp": "x"})
    bank.store.append_forged("forged", "2026-01-01T00:00:00.000000000Z", forged)
    anchored_before = orgs["PowerMSP"].store.latest_anchor()
    assert anchored_before is not None
    chain.workload(8)
    drive(orgs)
    honest = [orgs[m] for m in ORGS if m != "BankMSP"]
    assert len({o.store.log.root() for o in honest}) == 1
    later = [a for a in honest[0].store.anchors() if a.size > anchored_before.size]
    assert later, "the honest organisations stopped anchoring"
    bank_key = bank.signer.verifier
    for a in later:
        assert bank_key.name not in [s.name for s in notary.Note.parse(a.note).signatures]
    for o in honest:
        local = [a for a in o.store.alarms() if a["source"] == "local"]
        assert local and {a["accused"] for a in local} == {"BankMSP"}
        ev = local[0]["evidence"]
        ours, theirs = notary.Note.parse(ev["ours"]), notary.Note.parse(ev["theirs"])
        assert notary.Checkpoint.from_body(ours.text).size == ev["size"]
        assert notary.Checkpoint.from_body(ours.text).root != \
            notary.Checkpoint.from_body(theirs.text).root
    ledger_alarms = [a for a in honest[0].store.alarms() if a["source"] == "ledger"]
    assert {a["reporter"] for a in ledger_alarms if a["accused"] == "BankMSP"} == {
        "CertifierMSP", "PowerMSP", "RegulatorMSP"}


def test_the_next_signer_anchors_after_three_cadences_if_the_leader_is_silent(world) -> None:
    chain, orgs, clock = world
    for m in ("BankMSP", "CertifierMSP", "RegulatorMSP"):  # their anchors never land
        orgs[m].ledger.anchor = lambda note, proof: None  # type: ignore[method-assign]
    chain.workload(5)
    drive(orgs)
    # PowerMSP is never the smallest of three signers: it waits
    assert not orgs["PowerMSP"].store.anchors()
    assert ("PowerMSP", "anchor") not in chain.calls
    clock[0] += 3 * 5
    chain.workload(1)
    drive(orgs)
    assert ("PowerMSP", "anchor") in chain.calls
    assert orgs["PowerMSP"].store.anchors()


def test_fallback_signs_when_no_block_comes(world) -> None:
    chain, orgs, _ = world
    chain.workload(1)  # below the entry cadence, and no time passes between entries
    drive(orgs)
    power = orgs["PowerMSP"]
    assert not any(s.mspid == "PowerMSP" for s in power.store.signatures())
    power.witness.fallback()
    drive(orgs)
    assert orgs["BankMSP"].store.anchors()


def test_notary_key_file_is_0600_reused_and_refused_when_open(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path, "PowerMSP")
    path = tmp_path / "notary.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_key(tmp_path, "PowerMSP").verifier == key.verifier
    with pytest.raises(ValueError, match="not 'BankMSP/notary'"):
        load_or_create_key(tmp_path, "BankMSP")
    path.chmod(0o644)
    with pytest.raises(PermissionError, match="0600"):
        load_or_create_key(tmp_path, "PowerMSP")


def test_key_registration_is_idempotent(world) -> None:
    chain, orgs, _ = world
    before = len(chain.blocks)
    assert not ensure_key_registered(orgs["PowerMSP"].ledger, orgs["PowerMSP"].signer,
                                     "PowerMSP", "carbon", *orgs["PowerMSP"].admin)
    assert len(chain.blocks) == before
    assert json.dumps(chain.keys["PowerMSP"]["binding"]["statement"]["mspid"]) == '"PowerMSP"'


def test_a_sign_that_failed_in_transport_is_sent_again(world) -> None:
    chain, orgs, _ = world
    power = orgs["PowerMSP"]
    real = power.ledger.sign
    failures = []

    def flaky(note: str) -> None:
        if not failures:
            failures.append(note)
            raise ConnectionError("peer away")  # not a refusal: ends the connection
        real(note)

    power.ledger.sign = flaky  # type: ignore[method-assign]
    chain.workload(5)
    with pytest.raises(ConnectionError):
        drive(orgs)
    drive(orgs)  # the follower reconnected
    failed_size = notary.Checkpoint.from_body(notary.Note.parse(failures[0]).text).size
    assert any(s.mspid == "PowerMSP" and s.size == failed_size
               for s in power.store.signatures()), "the failed signature was never sent again"


def test_monitor_alarms_on_an_anchor_that_contradicts_the_own_log(world) -> None:
    chain, orgs, _ = world
    chain.workload(6)
    drive(orgs)
    power = orgs["PowerMSP"]
    head = power.store.latest_anchor()
    assert head is not None
    # three keys cosign a root no follower has (colluding majority): anchored on a ledger
    # whose contract was bypassed, the monitor must still refuse to take it as consistent
    size = power.store.size()
    body = notary.Checkpoint(chain.origin, size, b"\x07" * 32).body()
    note = notary.sign_note(body, *(orgs[m].signer for m in ("BankMSP", "CertifierMSP",
                                                            "PowerMSP")))
    proof = power.store.log.consistency_proof(head.size, size)
    record = {"size": size, "root": base64.b64encode(b"\x07" * 32).decode(), "note": note,
              "previous_size": head.size, "proof": [base64.b64encode(h).decode() for h in proof]}
    chain._tx("BankMSP", "audit.anchor", {"size": size}, {f"anchor/{size:020d}": record})
    drive(orgs)
    for o in orgs.values():
        found = [a for a in o.store.alarms() if a["accused"] == "anchor"]
        assert [a["size"] for a in found] == [size], o.mspid
        assert "InconsistentCheckpointError" in found[0]["evidence"]["reason"]
