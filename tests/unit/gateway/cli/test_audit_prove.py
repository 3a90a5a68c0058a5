"""``carbontrust audit prove``: a proof bundle a third party checks with notary alone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import notary
from tests.unit.gateway.cli.audit_world import CHANNEL, World, ts
from tests.unit.gateway.cli.conftest import USCC
from tests.unit.verifier.pki import orgs, roots_of
from verifier import THRESHOLD, check_binding_chain, origin


@pytest.fixture()
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path / "follower")
    yield w
    w.close()


def prove(run, world: World, tx_id: str):
    return run("audit", "prove", tx_id, "--store", str(world.path))


def _third_party_check(out: dict) -> notary.VerifiedCheckpoint:
    """What a reader does with the output: bindings to the MSP roots, then the bundle."""
    verifiers = tuple(check_binding_chain(b, roots_of(orgs())) for b in out["key_bindings"])
    policy = notary.Policy(origin(CHANNEL), verifiers, THRESHOLD)
    bundle = notary.ProofBundle.from_text(out["bundle"])
    return notary.verify_bundle(bundle, out["leaf"].encode("utf-8"), policy)


def test_an_anchored_entry_gets_a_bundle_that_verifies_offline(run, world: World):
    world.register_keys(ts(0))
    tx = world.add("registry.register_enterprise", {"uscc": USCC}, ts(1))
    world.add("registry.update_enterprise", {"uscc": USCC}, ts(2))
    size = world.anchor(ts(3))
    r = prove(run, world, tx)
    assert r.code == 0, r.err
    out = json.loads(r.out)
    assert out["tx_id"] == tx and out["index"] == 4 and out["checkpoint"]["size"] == size
    assert json.loads(out["leaf"])["entry"]["entry"] == "registry.register_enterprise"
    assert out["bundle"].startswith("c2sp.org/tlog-proof@v1\nindex 4\n")
    assert out["checkpoint"]["cosigners"] == ["BankMSP/notary", "CertifierMSP/notary",
                                              "PowerMSP/notary"]
    assert len(out["key_bindings"]) == 3  # only the keys that signed
    verified = _third_party_check(out)
    assert verified.checkpoint.size == size
    tampered = out["leaf"].replace("register_enterprise", "update_enterprise")
    with pytest.raises(notary.ProofError):
        _third_party_check({**out, "leaf": tampered})


def test_a_proof_is_under_the_latest_anchor(run, world: World):
    world.register_keys(ts(0))
    tx = world.add("registry.register_enterprise", {"uscc": USCC}, ts(1))
    world.anchor(ts(2))
    world.add("registry.update_enterprise", {"uscc": USCC}, ts(3))
    later = world.anchor(ts(4), msps=("PowerMSP", "BankMSP", "RegulatorMSP"))
    out = json.loads(prove(run, world, tx).out)
    assert out["checkpoint"]["size"] == later
    assert "RegulatorMSP/notary" in out["checkpoint"]["cosigners"]
    _third_party_check(out)


def test_unknown_and_not_yet_anchored_transactions_exit_1(run, world: World):
    world.register_keys(ts(0))
    early = world.add("registry.register_enterprise", {"uscc": USCC}, ts(1))
    r = prove(run, world, early)
    assert r.code == 1
    assert f"transaction {early}" in r.err and "not anchored yet" in r.err
    assert "latest anchored checkpoint covers 0" in r.err
    world.anchor(ts(2))
    late = world.add("registry.update_enterprise", {"uscc": USCC}, ts(3))
    r = prove(run, world, late)
    assert r.code == 1 and "log index 6" in r.err and "holds 7 entries" in r.err
    assert "covers 5" in r.err
    r = prove(run, world, "0" * 64)
    assert r.code == 1 and f"transaction {'0' * 64} has no entry" in r.err


def test_a_checkpoint_its_known_keys_do_not_carry_is_not_printed(run, world: World):
    """Bindings of only two of the three signers in the store: the proof is refused, not
    printed as if it held."""
    world.register_keys(ts(0), msps=("BankMSP", "CertifierMSP"))
    tx = world.add("registry.register_enterprise", {"uscc": USCC}, ts(1))
    world.anchor(ts(2))
    r = prove(run, world, tx)
    assert r.code == 1 and r.out == ""
    assert "does not verify" in r.err and "BankMSP/notary, CertifierMSP/notary" in r.err
