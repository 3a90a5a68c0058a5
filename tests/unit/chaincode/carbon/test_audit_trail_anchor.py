"""audit:anchor / head / anchors on the MemoryLedger seam.

An anchor needs THRESHOLD (3) signatures by registered keys and must extend the anchored
head with a valid RFC 9162 consistency proof.  Refused here: two signatures, a signature by
an unregistered key (counted as nothing), a bad line by a registered key, a key that has
been replaced, a stale or rolled-back checkpoint, a split view (same size, other root), a
forged or wrong-length consistency proof, a log that is not an extension of the anchored
one, an enterprise and a meter gateway.  Every refusal leaves the head where it was.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import notary
from chaincode.carbon import _audit_trail

from .audit_notaries import Notaries, binding, flip_line, notary_b64, rule_of
from .conftest import World
from .ledger import Result

THREE = ("PowerMSP", "BankMSP", "RegulatorMSP")


@pytest.fixture
def n(world: World) -> Notaries:
    notaries = Notaries(world)
    notaries.register()
    return notaries


def _anchor(world: World, n: Notaries, size: int, previous: int = 0,
            signers: tuple[str, ...] = THREE, who: str = "bank-client") -> Result:
    return world.call(who, "audit:anchor", n.signed(size, *signers), n.proof(previous, size))


def _head(world: World) -> dict | None:
    found: dict | None = world.ok("certifier-client", "audit:head")
    return found


def test_the_first_anchor_extends_the_empty_tree(world: World, n: Notaries) -> None:
    assert _head(world) is None
    stranger = notary.Signer.generate("Stranger/notary")
    text = notary.sign_note(n.body(5), stranger, *(n.signers[m] for m in THREE))
    res = world.call("bank-client", "audit:anchor", text, "[]")
    record = res.json()
    root = notary_b64(n.tree.root(5))
    assert (record["size"], record["root"], record["previous_size"], record["proof"]) == \
        (5, root, 0, [])
    assert record["tx_id"] == res.tx_id
    # the stored note keeps only the registered keys' lines, and meets the policy
    kept = notary.Note.parse(record["note"])
    assert [s.name for s in kept.signatures] == [f"{m}/notary" for m in THREE]
    policy = notary.Policy(n.body(5).split("\n")[0],
                           tuple(s.verifier for s in n.signers.values()), 3)
    assert policy.verify(record["note"]).checkpoint.size == 5
    entry = json.loads(res.event[1]) if res.event else {}
    assert entry["entry"] == "audit.anchor"
    assert entry["keys"] == {"size": 5} and entry["digests"] == {"root": root}
    assert sorted(k for _c, k in res.writes) == ["\x00anchor\x0000000000000000000005\x00",
                                                "\x00anchorhead\x00"]
    assert _head(world) == record


def test_anchors_grow_with_consistency_proofs(world: World, n: Notaries) -> None:
    first = _anchor(world, n, 5).json()
    n.grow(10)
    second = _anchor(world, n, 17, previous=5).json()
    assert second["previous_size"] == 5
    assert second["proof"] == json.loads(n.proof(5, 17))
    assert _head(world) == second
    assert world.ok("bank-client", "audit:anchors", "0") == [first, second]
    assert world.ok("bank-client", "audit:anchors", "4") == [first, second]
    assert world.ok("bank-client", "audit:anchors", "5") == [second]
    assert world.ok("bank-client", "audit:anchors", "17") == []
    assert world.ok("bank-client", "audit:anchors", "18446744073709551615") == []


def test_anchors_come_a_page_at_a_time(world: World, n: Notaries,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_audit_trail, "ANCHOR_PAGE", 2)
    previous = 0
    for size in (2, 4, 7, 9, 12):
        _anchor(world, n, size, previous=previous).json()
        previous = size
    page = world.ok("bank-client", "audit:anchors", "0")
    assert [a["size"] for a in page] == [2, 4]
    page = world.ok("bank-client", "audit:anchors", "4")
    assert [a["size"] for a in page] == [7, 9]
    assert [a["size"] for a in world.ok("bank-client", "audit:anchors", "9")] == [12]


def test_the_same_anchor_again_is_a_no_op(world: World, n: Notaries) -> None:
    first = _anchor(world, n, 5).json()
    res = _anchor(world, n, 5, signers=("CertifierMSP", "PowerMSP", "BankMSP"), who="power-admin")
    assert res.json() == first and res.writes == [] and res.event is None


def test_two_signatures_are_not_enough(world: World, n: Notaries) -> None:
    res = _anchor(world, n, 5, signers=("PowerMSP", "BankMSP"))
    assert res.status == 409 and res.message.startswith("threshold:"), res.message
    assert "found 2 (BankMSP/notary, PowerMSP/notary)" in res.message
    assert _head(world) is None


def test_an_unregistered_key_counts_for_nothing(world: World, n: Notaries) -> None:
    impostor = notary.Signer.generate("CertifierMSP/notary")     # registered name, other key
    text = notary.sign_note(n.body(5), n.signers["PowerMSP"], n.signers["BankMSP"], impostor)
    res = world.call("bank-client", "audit:anchor", text, "[]")
    assert res.status == 409 and res.message.startswith("threshold:"), res.message
    assert _head(world) is None


def test_a_replaced_key_counts_for_nothing(world: World, n: Notaries) -> None:
    old = n.signers["RegulatorMSP"]
    new = notary.Signer.generate("RegulatorMSP/notary")
    admin = world["regulator-admin"]
    world.ok(admin, "audit:register_key", json.dumps(binding(admin, new.verifier)))
    text = notary.sign_note(n.body(5), n.signers["PowerMSP"], n.signers["BankMSP"], old)
    res = world.call("bank-client", "audit:anchor", text, "[]")
    assert res.status == 409 and res.message.startswith("threshold:"), res.message
    n.signers["RegulatorMSP"] = new
    assert _anchor(world, n, 5).status == 200


def test_a_bad_line_by_a_registered_key_is_refused(world: World, n: Notaries) -> None:
    text = flip_line(n.signed(5, "PowerMSP", "BankMSP", "RegulatorMSP", "CertifierMSP"),
                     "CertifierMSP/notary")
    res = world.call("bank-client", "audit:anchor", text, "[]")
    assert res.status == 409 and res.message.startswith("signature:"), res.message
    assert "CertifierMSP/notary" in res.message
    assert _head(world) is None


def test_fewer_than_three_registered_keys_cannot_anchor(world: World) -> None:
    n = Notaries(world)
    n.register("PowerMSP", "BankMSP")
    res = _anchor(world, n, 5, signers=("PowerMSP", "BankMSP"))
    assert res.status == 409 and "2 registered (BankMSP, PowerMSP)" in res.message


def test_a_stale_or_rolled_back_anchor_is_refused(world: World, n: Notaries) -> None:
    _anchor(world, n, 8).json()
    head = _head(world)
    res = _anchor(world, n, 5)
    assert res.status == 409 and res.message.startswith("stale:"), res.message
    assert "size 5 is below the anchored head size 8" in res.message
    assert _head(world) == head


def test_a_split_view_is_refused_naming_both_roots(world: World, n: Notaries) -> None:
    _anchor(world, n, 8).json()
    other = notary.MemoryTree.from_entries([b"forged"] * 8)
    res = world.call("bank-client", "audit:anchor", n.signed(8, *THREE, tree=other), "[]")
    assert res.status == 409 and res.message.startswith("split view:"), res.message
    assert notary_b64(n.tree.root(8)) in res.message and notary_b64(other.root(8)) in res.message


def test_a_forged_consistency_proof_is_refused(world: World, n: Notaries) -> None:
    _anchor(world, n, 5).json()
    proof = json.loads(n.proof(5, 12))
    flipped = notary_b64(bytes(32))
    res = world.call("bank-client", "audit:anchor", n.signed(12, *THREE),
                     json.dumps([flipped, *proof[1:]]))
    assert res.status == 409 and res.message.startswith("inconsistent:"), res.message
    assert notary_b64(n.tree.root(5)) in res.message and notary_b64(n.tree.root(12)) in \
        res.message and "recomputed from the proof" in res.message
    res = world.call("bank-client", "audit:anchor", n.signed(12, *THREE),
                     json.dumps(proof[:-1]))
    assert res.status == 409 and f"needs {len(proof)} hashes, found {len(proof) - 1}" in \
        res.message
    res = world.call("bank-client", "audit:anchor", n.signed(12, *THREE), "[]")
    assert res.status == 409 and res.message.startswith("inconsistent:")
    assert _head(world)["size"] == 5  # type: ignore[index]


def test_a_log_that_rewrites_anchored_entries_cannot_be_anchored(world: World,
                                                                  n: Notaries) -> None:
    _anchor(world, n, 5).json()
    rewritten = notary.MemoryTree.from_entries([b"rewritten"] * 12)
    # a proof that is valid inside the rewritten log, from its own size 5
    res = world.call("bank-client", "audit:anchor", n.signed(12, *THREE, tree=rewritten),
                     n.proof(5, 12, tree=rewritten))
    assert res.status == 409 and res.message.startswith("inconsistent:"), res.message


def test_a_non_empty_proof_from_the_empty_tree_is_refused(world: World, n: Notaries) -> None:
    res = world.call("bank-client", "audit:anchor", n.signed(5, *THREE),
                     json.dumps([notary_b64(n.tree.root(3))]))
    assert res.status == 409 and "needs 0 hashes, found 1" in res.message


@pytest.mark.parametrize(("proof", "field"), [
    ("{}", "proof:"), ('["x"]', "proof[0]:"), ('["AAAA"]', "proof[0]:"), ("[1]", "proof[0]:"),
    (json.dumps(["A" * 43 + "="] * 65), "proof:"),
])
def test_bad_proof_arguments_are_400(world: World, n: Notaries, proof: str,
                                     field: str) -> None:
    res = world.call("bank-client", "audit:anchor", n.signed(5, *THREE), proof)
    assert res.status == 400 and res.message.startswith(field), res.message


@pytest.mark.parametrize("who", ["ent1", "gateway"])
def test_enterprises_and_gateways_cannot_anchor_or_read(world: World, n: Notaries,
                                                        who: str) -> None:
    res = _anchor(world, n, 5, who=who)
    assert res.status == 403 and rule_of(res.message) == "audit.anchor"
    for fn, args in (("audit:head", ()), ("audit:anchors", ("0",)), ("audit:keys", ()),
                     ("audit:signatures", ("5",))):
        res = world.call(who, fn, *args)
        assert res.status == 403 and rule_of(res.message) == "audit.read", (fn, res.message)


def _hostile_world() -> tuple[World, Notaries, str]:
    from .conftest import build_world
    w = build_world()
    notaries = Notaries(w)
    notaries.register()
    # ECDSA signatures vary in length: made once, so every run draws the same way
    power = json.dumps(binding(w["power-admin"], notaries.signers["PowerMSP"].verifier))
    return w, notaries, power


HOSTILE = _hostile_world()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), fn=st.sampled_from(["audit:sign", "audit:anchor", "audit:alarm",
                                           "audit:register_key"]))
def test_hostile_notes_and_proofs_never_give_a_500(data: st.DataObject, fn: str) -> None:
    """Valid notes, proofs and bindings with characters replaced, cut or inserted."""
    w, n, power_binding = HOSTILE
    size = data.draw(st.integers(1, 12))
    good = {"audit:sign": (n.signed(size, "PowerMSP"),),
            "audit:anchor": (n.signed(size, *THREE), n.proof(0, size)),
            "audit:alarm": (json.dumps({"accused": "BankMSP", "size": size,
                                        "ours": n.signed(size, "PowerMSP"),
                                        "theirs": n.signed(size, "BankMSP"),
                                        "reason": "r"}),),
            "audit:register_key": (power_binding,)}[fn]
    args = []
    for arg in good:
        for _ in range(data.draw(st.integers(0, 3))):
            i = data.draw(st.integers(0, len(arg)))
            cut = data.draw(st.integers(0, 3))
            arg = arg[:i] + data.draw(st.text(max_size=3)) + arg[i + cut:]
        args.append(arg)
    res = w.call("power-admin", fn, *args)
    assert res.status == 200 or 400 <= res.status < 500, (fn, args, res.message)
