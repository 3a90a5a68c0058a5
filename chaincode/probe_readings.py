"""A test-only contract that measures what the readings replay index costs.

``probe_readings:submit_unindexed()`` is ``readings:submit_batch()`` without the replay
index: the same transient ``batch`` and ``salt``, the same checks and recording
(``checked_batch`` and ``record_batch`` of ``chaincode.carbon._readings``), but no (meter,
day) slot is read or written, so every reading counts as new and nothing refuses a replay.
It exists only so ``bench/bench_ingest.py`` can show, in the same run, how fast ingestion
would be if the index cost nothing: an upper bound for any layout of that index
(docs/readings.md).  Its audit event is ``probe_readings.submit``, so an audit trail never
takes it for a real batch.

Served only with the probe contract (``CARBONTRUST_CC_TEST_CONTRACTS=1``, test and bench
networks); open to the channel's members like the probe, and it writes only
``privateReadings`` (whose members alone can write it).
"""

from __future__ import annotations

from typing import Any

from .carbon._readings import checked_batch, record_batch
from .shim import Contract, Stub, transaction


class ProbeReadings(Contract):
    name = "probe_readings"

    @transaction
    async def submit_unindexed(self, stub: Stub) -> dict[str, Any]:
        salt, scan, root = await checked_batch(stub)
        return await record_batch(stub, salt, scan, list(range(len(scan.rows))), root,
                                  entry="probe_readings.submit")
