"""Writing a proof bundle (``bundle.json``) from parts the issuer already holds.

Pure like the rest of :mod:`verifier`: the caller (``carbontrust report issue``, or a test
with an in-memory log) gathers the records, the openings, each relied-on entry's leaf and
inclusion proof (from its audit store), the anchored checkpoint, the key bindings and the
MSP roots; this module only puts them in the agreed shape (docs/report.md, "The proof
bundle") and says which transactions the bundle must prove (:func:`relied_tx_ids`).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import notary

from ._bundle_format import BUNDLE_FORMAT
from ._entry import THRESHOLD, origin

__all__ = ["relied_tx_ids", "make_bundle", "signing_bindings"]


def relied_tx_ids(report_tx_id: str, result: dict[str, Any], attestation: dict[str, Any],
                  ratings: Iterable[dict[str, Any]]) -> list[str]:
    """Every transaction whose audit entry a report relies on (no duplicates, in the order
    of the chain: factor set, batches and corrections, operating data, result,
    attestation, rule sets, ratings, report)."""
    inputs = result["inputs"]
    txs = [inputs["factor_set"]["activated_tx"]]
    txs += [d["tx_id"] for d in inputs["deltas"]]
    txs += [inputs["operating_data"]["tx_id"], result["computed"]["tx_id"],
            attestation["attested"]["tx_id"]]
    for r in ratings:
        txs += [r["rule_set"]["activated_tx"], r["rated"]["tx_id"]]
    txs.append(report_tx_id)
    return list(dict.fromkeys(txs))


def signing_bindings(bindings: Sequence[Any], checkpoint: str) -> list[Any]:
    """The bindings whose key signed ``checkpoint`` (once each, in the given order): the
    bundle carries exactly the keys it needs, so none of it is there for nothing."""
    signed = {(s.name, s.key_id) for s in notary.Note.parse(checkpoint).signatures}
    out: list[Any] = []
    seen: set[tuple[str, int]] = set()
    for b in bindings:
        v = notary.Verifier.from_text(b["statement"]["verifier_key"])
        if (v.name, v.key_id) in signed and (v.name, v.key_id) not in seen:
            seen.add((v.name, v.key_id))
            out.append(b)
    return out


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode("ascii")


def make_bundle(*, channel: str, report_id: str, report_digest: str, report_tx_id: str,
                result: dict[str, Any], attestation: dict[str, Any],
                ratings: Sequence[dict[str, Any]], operating_salt: str,
                batch_salts: dict[str, str],
                entries: Iterable[tuple[int, bytes, Sequence[bytes]]], checkpoint: str,
                report_checkpoint_proof: Sequence[bytes], key_bindings: Sequence[Any],
                msp_roots: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The bundle. ``entries``: (log index, leaf bytes, inclusion proof under
    ``checkpoint``) of every transaction :func:`relied_tx_ids` names; ``batch_salts``:
    batch tx id -> hex salt of every batch the result cites; ``msp_roots``: MSP id -> PEM
    root certificates as the channel configuration lists them."""
    cited = list(dict.fromkeys(d["tx_id"] for d in result["inputs"]["deltas"]
                               if d["kind"] == "batch"))
    return {
        "format": BUNDLE_FORMAT, "channel": channel, "origin": origin(channel),
        "threshold": THRESHOLD,
        "report": {"id": report_id, "digest": report_digest, "tx_id": report_tx_id},
        "records": {"result": result, "attestation": attestation, "ratings": list(ratings)},
        "openings": {"operating_data": {"salt": operating_salt},
                     "batches": [{"tx_id": tx, "salt": batch_salts[tx]} for tx in cited]},
        "entries": [{"index": i, "leaf": leaf.decode("utf-8"), "proof": [_b64(h) for h in p]}
                    for i, leaf, p in sorted(entries, key=lambda e: e[0])],
        "checkpoint": checkpoint,
        "report_checkpoint_proof": [_b64(h) for h in report_checkpoint_proof],
        "key_bindings": signing_bindings(key_bindings, checkpoint),
        "msp_roots": {m: list(p) for m, p in sorted(msp_roots.items())},
    }
