"""The proof bundle of an issued report, from the issuing organisation's audit store.

Waits (polling the follower's store, which the notary followers keep up to date) until
every transaction the report relies on (:func:`verifier.relied_tx_ids`) is in the log under
an anchored checkpoint, then takes each entry's leaf and inclusion proof under the latest
anchored checkpoint, the consistency proof from the report's own ``ledger.checkpoint``,
the key bindings of the keys that cosigned it and the channel's MSP roots, and writes them
with :func:`verifier.make_bundle`. No Merkle code here: the store's ``notary.Log`` proves.

The store is reached through ``open_audit()``, a context manager yielding an
:class:`gateway.audit.AuditStore`: the command line's opens the ``--as`` organisation's
follower store (:func:`gateway.cli._audit_store.open_store`), a service's the store its
settings name (gateway/service/_report_steps.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from gateway.cli._exit import LedgerRefused

if TYPE_CHECKING:
    from gateway.audit import AuditStore

__all__ = ["OpenAudit", "wait_anchored", "bundle_from_store", "split_pems"]

OpenAudit = Callable[[], AbstractContextManager["AuditStore"]]


def anchored_or_why(s: AuditStore, tx_ids: list[str]) -> tuple[int, str] | str:
    """(size, note) of the latest anchored checkpoint if it covers every one of
    ``tx_ids``; otherwise what is missing (the first absent or unanchored transaction)."""
    anchor = s.latest_anchor()
    rows = {tx: s.entry_by_tx(tx) for tx in tx_ids}
    absent = [tx for tx, row in rows.items() if row is None]
    late = [(tx, row.index) for tx, row in rows.items()
            if row is not None and (anchor is None or row.index >= anchor.size)]
    if not absent and not late and anchor is not None:
        return anchor.size, anchor.note
    if absent:
        return f"{len(absent)} entries not yet in the log (first tx {absent[0]})"
    return (f"{len(late)} entries not yet anchored (first tx {late[0][0]}, log index "
            f"{late[0][1]}; latest anchored size {anchor.size if anchor else 0})")


def wait_anchored(open_audit: OpenAudit, tx_ids: list[str], wait: float,
                  progress: Callable[[str], None] | None = None,
                  poll: float = 1.0) -> tuple[int, str]:
    """(size, note) of the first anchored checkpoint covering every one of ``tx_ids``;
    LedgerRefused naming what is missing after ``wait`` seconds. ``progress(missing)``
    is told what is still awaited at each poll."""
    deadline = time.monotonic() + wait
    while True:
        with open_audit() as s:
            found = anchored_or_why(s, tx_ids)
        if not isinstance(found, str):
            return found
        if time.monotonic() >= deadline:
            raise LedgerRefused(f"NOT_ANCHORED after {wait:g} s: {found} (the followers "
                                "anchor on a cadence; try again, or wait longer)")
        if progress is not None:
            progress(found)
        time.sleep(poll)


def split_pems(pem: bytes) -> list[str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    return [c.public_bytes(serialization.Encoding.PEM).decode("ascii")
            for c in x509.load_pem_x509_certificates(pem)]


def bundle_from_store(open_audit: OpenAudit, *, channel: str,
                      report: dict[str, Any], report_digest: str, report_tx_id: str,
                      records: dict[str, Any], openings: dict[str, Any],
                      msp_roots: dict[str, bytes], size: int) -> dict[str, Any]:
    from verifier import make_bundle, relied_tx_ids

    result, att, ratings = records["result"], records["attestation"], records["ratings"]
    txs = relied_tx_ids(report_tx_id, result, att, ratings)
    cp = report["ledger"]["checkpoint"]
    with open_audit() as s:
        anchor = s.latest_anchor(at_most=size)
        if anchor is None or anchor.size != size:
            raise LedgerRefused(f"the store has no anchored checkpoint of size {size}")
        entries = []
        for tx in txs:
            row = s.entry_by_tx(tx)
            if row is None or row.index >= size:
                raise LedgerRefused(f"entry of tx {tx} is not under the checkpoint of size "
                                    f"{size}")
            entries.append((row.index, row.leaf, s.log.inclusion_proof(row.index, size)))
        consistency = [] if cp is None else s.log.consistency_proof(cp["size"], size)
        bindings = [r["binding"] for r in s.key_bindings()
                    if isinstance(r, dict) and isinstance(r.get("binding"), dict)]
        note = anchor.note
    return make_bundle(
        channel=channel, report_id=report["report"]["id"], report_digest=report_digest,
        report_tx_id=report_tx_id, result=result, attestation=att, ratings=ratings,
        operating_salt=openings["operating_data"]["salt"],
        batch_salts={b["tx_id"]: b["salt"] for b in openings["batches"]}, entries=entries,
        checkpoint=note, report_checkpoint_proof=consistency, key_bindings=bindings,
        msp_roots={m: split_pems(p) for m, p in msp_roots.items()})
