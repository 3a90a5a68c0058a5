"""audit:register_key / keys / sign / signatures / alarm / history on the MemoryLedger seam.

Bindings are made by verifier.make_binding with the organisations' synthetic admin
certificates, notes by notary.sign_note over checkpoints of a notary.MemoryTree: the real
code on both sides.  Refusals tested: an enterprise, a meter gateway, a client (not an
admin) registering a key, a bank admin or client registering a key for PowerMSP, a binding
for another channel or altered after signing, a note signed by an unregistered key, a bad
signature by the registered key, another organisation's signed note replayed, a signature
at or below the anchored head, the same organisation signing two roots at one size.
"""

from __future__ import annotations

import json

import pytest

import notary
import verifier

from .audit_notaries import ORIGIN, Notaries, binding, flip_line, notary_b64, rule_of
from .conftest import E1, World
from .identities import org_admin
from .ledger import Result


@pytest.fixture
def n(world: World) -> Notaries:
    return Notaries(world)


def _event(res: Result) -> dict:
    assert res.event is not None and res.event[0] == "carbon.audit"
    return json.loads(res.event[1])


# -- register_key / keys --------------------------------------------------------------

def test_an_admin_registers_its_organisations_key(world: World, n: Notaries) -> None:
    admin = world["power-admin"]
    b = binding(admin, n.signers["PowerMSP"].verifier)
    res = world.call(admin, "audit:register_key", json.dumps(b))
    record = res.json()
    assert record["binding"] == b and record["tx_id"] == res.tx_id
    assert record["timestamp"].startswith("20")
    entry = _event(res)
    assert entry["entry"] == "audit.register_key"
    assert entry["keys"] == {"mspid": "PowerMSP",
                             "key": n.signers["PowerMSP"].verifier.to_text()}
    assert [w[1] for w in res.writes] == ["\x00notarykey\x00PowerMSP\x00"]
    keys = world.ok("bank-client", "audit:keys")["keys"]
    assert [k["binding"]["statement"]["mspid"] for k in keys] == ["PowerMSP"]
    # what the ledger holds is what a third party checks offline
    assert verifier.check_binding_signature(keys[0]["binding"]) == n.signers["PowerMSP"].verifier


def test_keys_are_listed_by_msp_id(world: World, n: Notaries) -> None:
    n.register()
    keys = world.ok("regulator-client", "audit:keys")["keys"]
    assert [k["binding"]["statement"]["mspid"] for k in keys] == sorted(n.signers)


def test_the_same_key_again_is_a_no_op(world: World, n: Notaries) -> None:
    n.register("PowerMSP")
    admin = world["power-admin"]
    first = world.ok("bank-client", "audit:keys")["keys"][0]
    res = world.call(admin, "audit:register_key",
                     json.dumps(binding(admin, n.signers["PowerMSP"].verifier)))
    assert res.json() == first          # the stored record, first tx id and binding
    assert res.writes == [] and res.event is None


def test_a_new_key_replaces_the_old_and_history_keeps_it(world: World, n: Notaries) -> None:
    n.register("PowerMSP")
    old = n.signers["PowerMSP"].verifier
    new = notary.Signer.generate("PowerMSP/notary")
    admin = world["power-admin"]
    res = world.call(admin, "audit:register_key", json.dumps(binding(admin, new.verifier)))
    assert res.status == 200, res.message
    assert _event(res)["keys"] == {"mspid": "PowerMSP", "key": new.verifier.to_text(),
                                   "replaces": old.to_text()}
    (key,) = world.ok("bank-client", "audit:keys")["keys"]
    assert key["binding"]["statement"]["verifier_key"] == new.verifier.to_text()
    versions = world.ledger.history["\x00notarykey\x00PowerMSP\x00"]
    assert len(versions) == 2
    assert json.loads(versions[0][1])["binding"]["statement"]["verifier_key"] == old.to_text()


@pytest.mark.parametrize("who", ["power-client", "ent1", "gateway"])
def test_only_an_admin_registers_a_key(world: World, n: Notaries, who: str) -> None:
    # a valid binding of PowerMSP by its admin, sent by someone who is not an admin
    b = binding(world["power-admin"], n.signers["PowerMSP"].verifier)
    res = world.call(who, "audit:register_key", json.dumps(b))
    assert res.status == 403 and rule_of(res.message) == "audit.register_key", res.message


@pytest.mark.parametrize("who", ["bank-client", "bank-admin"])
def test_the_bank_cannot_register_a_key_for_powermsp(world: World, n: Notaries,
                                                      who: str) -> None:
    forged = notary.Signer.generate("PowerMSP/notary")
    # the power admin's own binding replayed by the bank
    res = world.call(who, "audit:register_key",
                     json.dumps(binding(world["power-admin"], forged.verifier)))
    assert res.status == 403 and rule_of(res.message) == "audit.register_key", res.message
    # a binding for PowerMSP signed with the bank admin's certificate
    res = world.call(who, "audit:register_key",
                     json.dumps(binding(world["bank-admin"], forged.verifier,
                                        mspid="PowerMSP")))
    assert res.status == 403 and rule_of(res.message) == "audit.register_key", res.message
    if who == "bank-admin":
        assert "binding for PowerMSP" in res.message and "BankMSP admin" in res.message
    assert world.ok("regulator-client", "audit:keys") == {"keys": []}


def test_another_admin_of_the_same_msp_cannot_send_a_colleagues_binding(
        world: World, n: Notaries) -> None:
    other = org_admin("PowerMSP")
    b = binding(world["power-admin"], n.signers["PowerMSP"].verifier)
    res = world.call(other, "audit:register_key", json.dumps(b))
    assert res.status == 403 and "signed by certificate" in res.message


def test_bad_bindings_are_400_naming_the_binding(world: World, n: Notaries) -> None:
    admin = world["power-admin"]
    key = n.signers["PowerMSP"].verifier
    res = world.call(admin, "audit:register_key",
                     json.dumps(binding(admin, key, channel="other")))
    assert res.status == 400 and res.message.startswith("binding.statement.channel:"), \
        res.message
    altered = binding(admin, key)
    altered["statement"]["verifier_key"] = n.signers["BankMSP"].verifier.to_text()
    res = world.call(admin, "audit:register_key", json.dumps(altered))
    assert res.status == 400 and res.message.startswith("binding:"), res.message
    altered = binding(admin, key)
    other = notary.Signer.generate("PowerMSP/notary").verifier.to_text()
    altered["statement"]["verifier_key"] = other       # signed over the old key
    res = world.call(admin, "audit:register_key", json.dumps(altered))
    assert res.status == 400 and "(signature)" in res.message, res.message
    res = world.call(admin, "audit:register_key", "[1]")
    assert res.status == 400 and res.message.startswith("binding:")
    assert world.ok("regulator-client", "audit:keys") == {"keys": []}


# -- sign / signatures ----------------------------------------------------------------

def test_sign_stores_only_the_callers_line(world: World, n: Notaries) -> None:
    n.register()
    stranger = notary.Signer.generate("Stranger/notary")
    text = notary.sign_note(n.body(5), n.signers["BankMSP"], stranger, n.signers["PowerMSP"])
    res = world.call("power-client", "audit:sign", text)
    record = res.json()
    root = notary_b64(n.tree.root(5))
    assert record["mspid"] == "PowerMSP" and record["size"] == 5 and record["root"] == root
    stored = notary.Note.parse(record["note"])
    assert [s.name for s in stored.signatures] == ["PowerMSP/notary"]
    assert stored.verified_by([n.signers["PowerMSP"].verifier])
    entry = _event(res)
    assert entry["entry"] == "audit.sign"
    assert entry["keys"] == {"mspid": "PowerMSP", "size": 5}
    assert entry["digests"] == {"root": root}
    assert world.ok("bank-client", "audit:signatures", "5") == [record]
    assert world.ok("bank-client", "audit:signatures", "6") == []


def test_signatures_at_a_size_are_listed_by_msp(world: World, n: Notaries) -> None:
    n.register()
    for mspid in ("RegulatorMSP", "BankMSP", "PowerMSP"):
        world.ok(f"{mspid.removesuffix('MSP').lower()}-client", "audit:sign",
                 n.signed(7, mspid))
    found = world.ok("certifier-admin", "audit:signatures", "7")
    assert [r["mspid"] for r in found] == ["BankMSP", "PowerMSP", "RegulatorMSP"]


def test_the_same_signature_again_is_a_no_op(world: World, n: Notaries) -> None:
    n.register("PowerMSP")
    first = world.ok("power-client", "audit:sign", n.signed(5, "PowerMSP"))
    res = world.call("power-admin", "audit:sign", n.signed(5, "PowerMSP"))
    assert res.json() == first and res.writes == [] and res.event is None


def test_one_organisation_signing_two_roots_at_one_size_is_409(world: World,
                                                                n: Notaries) -> None:
    n.register("PowerMSP")
    world.ok("power-client", "audit:sign", n.signed(5, "PowerMSP"))
    other = notary.MemoryTree.from_entries([b"forged"] * 5)
    res = world.call("power-client", "audit:sign", n.signed(5, "PowerMSP", tree=other))
    assert res.status == 409 and res.message.startswith("split view:"), res.message
    assert notary_b64(n.tree.root(5)) in res.message
    assert notary_b64(other.root(5)) in res.message


def test_a_signature_by_an_unregistered_key_is_refused(world: World, n: Notaries) -> None:
    n.register("PowerMSP")
    impostor = notary.Signer.generate("PowerMSP/notary")    # same name, other key
    res = world.call("power-client", "audit:sign", notary.sign_note(n.body(5), impostor))
    assert res.status == 403 and rule_of(res.message) == "audit.sign", res.message
    assert f"PowerMSP/notary+{impostor.key_id:08x}" in res.message
    assert f"PowerMSP/notary+{n.signers['PowerMSP'].key_id:08x}" in res.message
    assert world.ok("bank-client", "audit:signatures", "5") == []


def test_an_organisation_without_a_key_cannot_sign(world: World, n: Notaries) -> None:
    n.register("PowerMSP")
    res = world.call("bank-client", "audit:sign", n.signed(5, "BankMSP"))
    assert res.status == 403 and rule_of(res.message) == "audit.sign"
    assert "BankMSP has no registered notary key" in res.message


def test_a_bad_signature_by_the_registered_key_is_refused(world: World, n: Notaries) -> None:
    n.register("PowerMSP")
    res = world.call("power-client", "audit:sign",
                     flip_line(n.signed(5, "PowerMSP"), "PowerMSP/notary"))
    assert res.status == 403 and "does not verify" in res.message, res.message


def test_a_replayed_sign_is_refused(world: World, n: Notaries) -> None:
    n.register()
    power_note = n.signed(5, "PowerMSP")
    world.ok("power-client", "audit:sign", power_note)
    # the bank replays the power company's signed checkpoint as its own
    res = world.call("bank-client", "audit:sign", power_note)
    assert res.status == 403 and rule_of(res.message) == "audit.sign", res.message
    # after an anchor at 8, a signature at 8 or 5 is stale
    world.ok("bank-client", "audit:anchor", n.signed(8, "PowerMSP", "BankMSP", "CertifierMSP"),
             "[]")
    for size in (5, 8):
        res = world.call("power-client", "audit:sign", n.signed(size, "PowerMSP"))
        assert res.status == 409 and res.message.startswith("stale:"), res.message
        assert "anchored head size 8" in res.message
    assert world.call("power-client", "audit:sign", n.signed(9, "PowerMSP")).status == 200


@pytest.mark.parametrize("who", ["ent1", "gateway"])
def test_enterprises_and_gateways_cannot_sign(world: World, n: Notaries, who: str) -> None:
    n.register()
    res = world.call(who, "audit:sign", n.signed(5, "RegulatorMSP", "PowerMSP"))
    assert res.status == 403 and rule_of(res.message) == "audit.sign"


@pytest.mark.parametrize(("text", "says"), [
    ("not a note", "a signed checkpoint note"),
    (notary.Checkpoint("carbontrust.audit/other", 5, b"\1" * 32).body() + "\n— x AAAAAAA=\n",
     "origin 'carbontrust.audit/carbon'"),
    (notary.Checkpoint(ORIGIN, 0, notary.EMPTY_ROOT).body() + "\n— x AAAAAAA=\n",
     "size >= 1"),
])
def test_bad_notes_are_400(world: World, n: Notaries, text: str, says: str) -> None:
    n.register()
    res = world.call("power-client", "audit:sign", text)
    assert res.status == 400 and res.message.startswith("note:") and says in res.message, \
        res.message


@pytest.mark.parametrize("size", ["-1", "01", "x", "18446744073709551616", ""])
def test_bad_sizes_are_400(world: World, size: str) -> None:
    res = world.call("bank-client", "audit:signatures", size)
    assert res.status == 400 and res.message.startswith("size:"), res.message


# -- alarm ----------------------------------------------------------------------------

def _evidence(n: Notaries, *, size: int = 5, accused: str = "BankMSP",
              ours: str | None = None, theirs: str | None = None) -> str:
    forged = notary.MemoryTree.from_entries([b"forged"] * 20)
    return json.dumps({"accused": accused, "size": size,
                       "ours": ours or n.signed(size, "PowerMSP"),
                       "theirs": theirs or n.signed(size, accused, tree=forged),
                       "reason": "root differs from our log"})


def test_an_alarm_stores_both_checkpoints(world: World, n: Notaries) -> None:
    n.register()
    res = world.call("power-client", "audit:alarm", _evidence(n))
    record = res.json()
    assert (record["reporter"], record["accused"], record["size"]) == ("PowerMSP", "BankMSP", 5)
    forged = notary.MemoryTree.from_entries([b"forged"] * 20)
    assert record["roots"] == {"ours": notary_b64(n.tree.root(5)),
                               "theirs": notary_b64(forged.root(5))}
    assert [s.name for s in notary.Note.parse(record["theirs"]).signatures] == \
        ["BankMSP/notary"]
    entry = _event(res)
    assert entry["entry"] == "audit.alarm"
    assert entry["keys"] == {"reporter": "PowerMSP", "accused": "BankMSP", "size": 5}
    assert entry["digests"] == record["roots"]
    assert [w[1] for w in res.writes] == \
        ["\x00notaryalarm\x0000000000000000000005\x00PowerMSP\x00BankMSP\x00"]
    again = world.call("power-admin", "audit:alarm", _evidence(n))
    assert again.json() == record and again.writes == [] and again.event is None


def test_an_alarm_needs_the_accused_organisations_signature(world: World, n: Notaries) -> None:
    n.register()
    framed = notary.sign_note(n.body(5, notary.MemoryTree.from_entries([b"x"] * 5)),
                              notary.Signer.generate("BankMSP/notary"))
    res = world.call("power-client", "audit:alarm", _evidence(n, theirs=framed))
    assert res.status == 409 and res.message.startswith("evidence.theirs:"), res.message


def test_an_alarm_needs_the_reporters_own_signature(world: World, n: Notaries) -> None:
    n.register()
    res = world.call("certifier-client", "audit:alarm", _evidence(n))  # ours: PowerMSP's
    assert res.status == 403 and rule_of(res.message) == "audit.alarm", res.message
    n2 = Notaries(world)                                        # keys nobody registered
    res = world.call("power-client", "audit:alarm",
                     _evidence(n, ours=n2.signed(5, "PowerMSP")))
    assert res.status == 403 and rule_of(res.message) == "audit.alarm", res.message


def test_alarm_evidence_is_checked(world: World, n: Notaries) -> None:
    n.register("PowerMSP", "BankMSP")
    same = json.dumps({"accused": "BankMSP", "size": 5, "ours": n.signed(5, "PowerMSP"),
                       "theirs": n.signed(5, "BankMSP"), "reason": "r"})
    res = world.call("power-client", "audit:alarm", same)
    assert res.status == 400 and "no split view" in res.message
    res = world.call("power-client", "audit:alarm",
                     _evidence(n, theirs=n.signed(6, "BankMSP")))
    assert res.status == 400 and res.message.startswith("evidence.theirs:")
    res = world.call("power-client", "audit:alarm", _evidence(n, accused="PowerMSP"))
    assert res.status == 400 and res.message.startswith("evidence.accused:")
    res = world.call("power-client", "audit:alarm", _evidence(n, accused="RegulatorMSP"))
    assert res.status == 409 and "RegulatorMSP has no registered notary key" in res.message
    res = world.call("power-client", "audit:alarm", json.dumps({"accused": "BankMSP"}))
    assert res.status == 400 and res.message.startswith("evidence.")


# -- history --------------------------------------------------------------------------

def test_history_of_a_public_record_is_every_version(world: World) -> None:
    versions = world.ok("bank-client", "audit:history", "enterprise", E1)
    assert versions == world.ok("regulator-admin", "registry:history", E1)
    assert [v["value"]["version"] for v in versions] == [3, 2, 1]   # newest first
    (meter,) = world.ok("power-admin", "audit:history", "meter", "M-1")
    assert meter["value"] == {"meter_id": "M-1", "uscc": E1, "status": "active"}


def test_history_of_a_factor_set_version(world: World) -> None:
    import accounting
    digest = str(accounting.load_factor_set("cn-2022").digest)
    policy = json.dumps({"orgs": ["PowerMSP", "CertifierMSP", "BankMSP"], "required": 2})
    tx = world.call("regulator-admin", "governance:propose", "factor_set", "cn-2022", digest,
                    policy).tx_id
    world.ok("power-admin", "governance:approve", "factor_set", "cn-2022", digest)
    found = world.ok("certifier-client", "audit:history", "factor-set", "cn-2022")
    assert [v["tx_id"] for v in found] == [tx_id for tx_id, *_ in reversed(
        world.ledger.history["\x00governance\x00factor_set\x00cn-2022\x00"])]
    assert found[-1]["tx_id"] == tx


@pytest.mark.parametrize("kind", ["batch", "operating-data"])
def test_history_of_a_private_record_is_400(world: World, kind: str) -> None:
    res = world.call("regulator-admin", "audit:history", kind, "anything")
    assert res.status == 400 and "private record: use the audit entries" in res.message


def test_history_refusals_and_errors(world: World) -> None:
    res = world.call("ent1", "audit:history", "enterprise", E1)
    assert res.status == 403 and rule_of(res.message) == "audit.history"
    res = world.call("gateway", "audit:history", "meter", "M-1")
    assert res.status == 403 and rule_of(res.message) == "audit.history"
    assert world.call("bank-client", "audit:history", "invoice", "1").status == 400
    assert world.call("bank-client", "audit:history", "enterprise", "123").status == 400
    res = world.call("bank-client", "audit:history", "meter", "M-404")
    assert res.status == 404 and "meter 'M-404' not found" in res.message
    res = world.call("bank-client", "audit:history", "result", "r-1")
    assert res.status == 400 and "private record" in res.message   # privateReadings
    res = world.call("bank-client", "audit:history", "attestation", E1)
    assert res.status == 400 and "USCC/FROM/TO/VERSION" in res.message
    res = world.call("bank-client", "audit:history", "attestation",
                     f"{E1}/2025-01-01/2025-12-31/1")
    assert res.status == 404
