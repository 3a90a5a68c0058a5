"""``readings prove``: a reading, its batch, and its inclusion proof, checked end to end.

``readings:locate`` gives the batch id, the reading's index, the batch root and the leaf
the ledger holds; the raw batch comes from the power company's store and must hash to that
root; the proof (``accounting.readings.inclusion_proof``) is verified with ``notary``
against the root before anything is printed, so the JSON shows a proof that holds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from gateway.cli._app import App
from gateway.cli._exit import InputError, LedgerRefused

__all__ = ["prove_reading"]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def prove_reading(app: App, opts: dict[str, Any], meter_id: str, interval_start: str,
                  store_path: Path) -> dict[str, Any]:
    import notary
    from accounting import readings
    from gateway.ingest import BatchStore, StoreError

    located = app.evaluate(opts, "readings:locate", [meter_id, interval_start])
    batch = app.evaluate(opts, "readings:get_batch", [str(located["batch_id"])])
    root = str(located["root"])
    try:
        data = BatchStore(store_path).get(str(located["batch_id"]), root)
    except StoreError as exc:
        raise InputError(str(exc)) from None
    leaves = data.split(b"\n")
    index = int(located["index"])
    if not 0 <= index < len(leaves) or leaves[index].decode("utf-8") != located["leaf"]:
        raise LedgerRefused(f"the ledger places {meter_id} {interval_start} at index {index} of "
                            f"batch {located['batch_id']}, which holds another reading there")
    path = [bytes(h) for h in readings.inclusion_proof(data, index)]
    try:
        notary.verify_inclusion(notary.leaf_hash(leaves[index]), index, len(leaves), path,
                                bytes.fromhex(root))
    except notary.ProofError as exc:
        raise LedgerRefused(f"the inclusion proof does not verify: {exc}") from None
    reading = readings.decode(leaves[index])
    return {
        "reading": {f.name: _plain(getattr(reading, f.name))
                    for f in dataclasses.fields(reading)},
        "leaf": located["leaf"],
        "batch": batch,
        "proof": {"index": index, "size": len(leaves), "root": root,
                  "path": [h.hex() for h in path], "verified": True},
        "corrections": located.get("corrections", []),
    }
