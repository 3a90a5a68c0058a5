"""``audit prove TX_ID``: the inclusion proof of a transaction's audit entry, offline-checkable.

The proof is taken under the latest anchored checkpoint the organisation's follower has
seen (the note as anchored on the ledger, with its cosignatures), as a ``notary``
tlog-proof bundle (C2SP ``c2sp.org/tlog-proof@v1``), with the leaf text it proves and the
key bindings of the keys that cosigned the checkpoint (what a reader checks the
cosignatures with, after checking each binding against the MSP roots). Before printing,
the bundle is verified with ``notary.verify_bundle`` under the policy those bindings give
(the threshold of :data:`verifier.THRESHOLD` cosignatures), so the JSON shows a proof that
holds.

An entry logged after that checkpoint is refused (exit 1) with the log's and the anchored
size: it becomes provable at the next anchor (the followers anchor on a cadence).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from gateway.cli._exit import LedgerRefused

if TYPE_CHECKING:
    from gateway.audit import AuditStore

__all__ = ["prove_entry"]


def prove_entry(store: AuditStore, channel: str, msp_id: str, tx_id: str) -> dict[str, Any]:
    import notary
    from gateway.audit._export import signing_bindings
    from verifier import THRESHOLD, origin

    row = store.entry_by_tx(tx_id)
    if row is None:
        raise LedgerRefused(f"transaction {tx_id} has no entry in {msp_id}'s audit log "
                            f"(size {store.size()}): it carries no audit entry, did not "
                            "commit valid, or the follower has not reached its block yet")
    anchor = store.latest_anchor()
    anchored = anchor.size if anchor is not None else 0
    if anchor is None or row.index >= anchored:
        raise LedgerRefused(f"the audit entry of transaction {tx_id} (log index {row.index}) "
                            f"is not anchored yet: the log holds {store.size()} entries, the "
                            f"latest anchored checkpoint covers {anchored}; it is provable "
                            "after the next anchor")
    proof = store.log.inclusion_proof(row.index, anchored)
    bundle = notary.ProofBundle.build(row.index, proof, anchor.note)
    signed = signing_bindings(store, [anchor.note])
    bindings, verifiers = [b for b, _ in signed], [v for _, v in signed]
    names = sorted({v.name for v in verifiers})
    try:
        policy = notary.Policy(origin(channel), tuple(verifiers), THRESHOLD)
        notary.verify_bundle(bundle, row.leaf, policy)
    except (ValueError, notary.ProofError) as exc:  # ValueError: fewer keys than THRESHOLD
        raise LedgerRefused(f"the proof of {tx_id} under the anchored checkpoint of size "
                            f"{anchored} does not verify with the keys that signed it "
                            f"({', '.join(names) or 'none known'}): {exc}") from None
    return {
        "tx_id": tx_id,
        "index": row.index,
        "block": row.block,
        "tx_index": row.tx_index,
        "leaf": row.leaf.decode("utf-8"),
        "checkpoint": {"size": anchored, "root": base64.b64encode(anchor.root).decode("ascii"),
                       "anchor_tx": anchor.tx_id, "cosigners": names},
        "origin": origin(channel),
        "threshold": THRESHOLD,
        "bundle": bundle.to_text(),
        "key_bindings": bindings,
    }
