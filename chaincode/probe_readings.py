"""A test-only contract that measures what the readings replay index costs.

``probe_readings:submit_unindexed()`` does what ``readings:submit_batch()`` does (the
same transient ``batch`` and ``salt``, the scan and its refusals, the interval and registry
checks, the RFC 9162 root, the per-(enterprise, day) totals deltas, the batch record, the
audit event and answer) except the replay index: no (meter, day) slot is read or written,
so every reading counts as new and nothing refuses a replay.  It exists only so
``bench/bench_ingest.py`` can show, in the same run, how fast ingestion would be if the
index cost nothing: an upper bound for any layout of that index (docs/readings.md).

Served only with the probe contract (``CARBONTRUST_CC_TEST_CONTRACTS=1``, test and bench
networks); open to the channel's members like the probe, and it writes only
``privateReadings`` (whose members alone can write it).
"""

from __future__ import annotations

from typing import Any

import notary
from accounting import readings as rd

from .carbon import _readings as readings
from .carbon import _readings_rows as rows_of
from .carbon._audit import commitment, emit
from .carbon._codec import tx_time
from .carbon._readings_slot import nonce
from .shim import Contract, ContractError, Stub, transaction


class ProbeReadings(Contract):
    name = "probe_readings"

    @transaction
    async def submit_unindexed(self, stub: Stub) -> dict[str, Any]:
        salt = readings.salt_of(stub)
        batch = readings.transient(stub, "batch")
        try:
            scan = rd.scan_batch(batch)
        except rd.ReadingError as exc:
            raise ContractError(f"transient.batch: {exc}", 400) from None
        rows_of.check_ended(scan, readings.tx_datetime(stub))
        await readings.check_registry(stub, rows_of.registry_pairs(scan.rows))
        root = notary.root_hash(rd.leaves(batch)).hex()
        everything = list(range(len(scan.rows)))
        await readings.write_deltas(stub, salt, rows_of.deltas_of(scan, everything))
        key = readings.batch_key(stub.tx_id)
        await readings.put_private(stub, key, {   # the same record as submit_batch's
            "batch_id": stub.tx_id, "root": root, "count": len(scan.rows),
            "recorded": len(scan.rows), "uscc": sorted({r[1] for r in scan.rows}),
            "submitted_at": tx_time(stub), "tx_id": stub.tx_id, "salt": salt.hex(),
            "nonce": nonce(salt, key)})
        sealed = commitment(salt, bytes.fromhex(root))
        emit(stub, "probe_readings.submit", {"batch_id": stub.tx_id, "count": len(scan.rows)},
             commitments={"batch": sealed})
        return {"batch_id": stub.tx_id, "commitment": sealed, "count": len(scan.rows)}
