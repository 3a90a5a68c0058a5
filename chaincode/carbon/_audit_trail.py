"""audit:* the audit trail on the ledger: notary keys, checkpoint signatures, anchors,
split-view alarms and the history of public records (docs/audit.md, "On the ledger").

The Merkle log itself lives off-chain in each organisation's follower (every transaction
would otherwise write the log's frontier and conflict under MVCC); the ledger holds what
the organisations agree on about it: their keys, their signatures and the anchored
checkpoints, each write checked here.

=======================  ==========================  ===============================
function                 rule                        module
=======================  ==========================  ===============================
register_key, keys       audit.register_key, .read   _notary_keys.py
sign, signatures         audit.sign, audit.read      _anchors.py
anchor, head, anchors    audit.anchor, audit.read    _anchors.py
alarm                    audit.alarm                 _notary_alarms.py
history                  audit.history               _audit_history.py
=======================  ==========================  ===============================

Arguments are checked before the rule (400 naming the field), as in the rest of the
contract; every write emits one audit entry named ``audit.<function>`` (the followers'
"housekeeping" entries), and a no-op (the same key, signature or anchor again) writes and
emits nothing.
"""

from __future__ import annotations

from typing import Any

from chaincode.shim import Contract, Stub, transaction

from . import _anchors, _audit_history, _notary_alarms, _notary_keys
from ._audit_notes import checkpoint_note, proof_hashes, tree_size
from ._codec import load
from ._records import anchor_key
from ._rules import require

ANCHOR_PAGE = 100   # anchors per audit:anchors call; call again after the last size


class AuditTrail(Contract):
    name = "audit"

    @transaction
    async def register_key(self, stub: Stub, binding_json: str) -> dict[str, Any]:
        binding, key = _notary_keys.check_binding(binding_json, stub.channel_id)
        c = await require(stub, "audit.register_key")
        return await _notary_keys.register(stub, c, binding, key)

    @transaction
    async def keys(self, stub: Stub) -> dict[str, Any]:
        await require(stub, "audit.read")
        return {"keys": await _notary_keys.records(stub)}

    @transaction
    async def sign(self, stub: Stub, note_text: str) -> dict[str, Any]:
        note, cp = checkpoint_note("note", note_text, stub.channel_id)
        c = await require(stub, "audit.sign")
        return await _anchors.sign(stub, c, note, cp)

    @transaction
    async def signatures(self, stub: Stub, size: str) -> list[dict[str, Any]]:
        n = tree_size("size", size)
        await require(stub, "audit.read")
        async with stub.get_state_by_partial_composite_key("notarysig", [f"{n:020d}"]) as it:
            return [load(v) async for _k, v in it]

    @transaction
    async def anchor(self, stub: Stub, note_text: str, proof_json: str) -> dict[str, Any]:
        note, cp = checkpoint_note("note", note_text, stub.channel_id)
        proof = proof_hashes("proof", proof_json)
        await require(stub, "audit.anchor")
        return await _anchors.anchor(stub, note, cp, note_text, proof)

    @transaction
    async def head(self, stub: Stub) -> dict[str, Any] | bytes:
        await require(stub, "audit.read")
        current = await _anchors.head(stub)
        return b"null" if current is None else current  # JSON null: nothing anchored yet

    @transaction
    async def anchors(self, stub: Stub, after_size: str) -> list[dict[str, Any]]:
        after = tree_size("after_size", after_size)
        await require(stub, "audit.read")
        if after >= (1 << 64) - 1:
            return []
        # the bookmark is where the peer starts the range (Fabric's handler), so the read
        # costs the anchors returned, not every anchor ever made
        start = anchor_key(after + 1)
        async with stub.get_state_by_partial_composite_key_with_pagination(
                "anchor", [], ANCHOR_PAGE, start) as it:
            return [load(v) async for _k, v in it]

    @transaction
    async def alarm(self, stub: Stub, evidence_json: str) -> dict[str, Any]:
        evidence = _notary_alarms.parse_evidence(evidence_json, stub.channel_id)
        c = await require(stub, "audit.alarm")
        return await _notary_alarms.raise_alarm(stub, c, evidence)

    @transaction
    async def history(self, stub: Stub, record_type: str, key: str) -> list[dict[str, Any]]:
        ledger = _audit_history.ledger_key(record_type, key)
        await require(stub, "audit.history")
        return await _audit_history.versions(stub, record_type, key, ledger)


__all__ = ["AuditTrail"]
