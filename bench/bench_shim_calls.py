"""What one chaincode call to the peer costs, on real peers: the price of a readings slot.

A readings batch costs each endorser two shim round trips per (meter, day) slot (a private
read and a private write, docs/readings.md) besides the contract's own work. This measures
those calls alone with the test-only probe's ``touch`` (its own network, the carbon layout,
PowerMSP, CertifierMSP and RegulatorMSP endorsing, 8 in flight, the same 4,992-reading
batch as transient data each time so the proposal is the size of a real one):

* ``base``: no call but one public write (the ceiling row of bench_ingest);
* ``public get``: 160 public reads; ``private get``: 160 reads of ``privateReadings``;
* ``private put``: 54 writes of 3,700 bytes (a 52-meter day's slots, deltas and batch);
* ``slot``: 54 private reads each followed by its write, as a batch's slots are.

Prints, per row, the CPU milliseconds per transaction of the peers, orderers, chaincode
servers and client, and the peers' and chaincode servers' CPU per call above ``base``
(per endorsing peer or server). Figures only; asserts nothing.

    .venv/bin/python bench/bench_shim_calls.py      (port base $CARBONTRUST_PORT_BASE or
                                                      28000; run dir .run/bench-shim-calls)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("CARBONTRUST_PORT_BASE", "28000")
os.environ.setdefault("CARBONTRUST_RUN_DIR", str(REPO / ".run" / "bench-shim-calls"))

from accounting import readings as rd  # noqa: E402
from bench import bench_ingest as bi  # noqa: E402
from tests.integration.carbon_world import World  # noqa: E402

TXS = 24
ROWS = (("base", 0, "", 0), ("public get", 160, "s", 0), ("private get", 160, "g", 0),
        ("private put", 54, "p", 3700), ("slot", 54, "gp", 3700))


def row(meter: bi.Meter, probe: Any, raw: bytes, count: int, ops: str,
        size: int) -> tuple[int, dict[str, float]]:
    stamp = time.time_ns()

    def one(key: str) -> str:
        sub = probe.submit_async("touch", ["privateReadings", key, str(count), ops, str(size)],
                                 transient={"batch": raw},
                                 endorsing_organizations=bi.MEMBERS)
        return str(sub.status().code_name)

    valid, _dt, groups, _per = bi.timed(meter, [f"t{stamp}-{b}" for b in range(TXS)], one,
                                        bi.IN_FLIGHT)
    return valid, {g: secs * 1000 / max(valid, 1) for g, secs in groups.items()}


def main() -> None:
    with bi.bench_network() as net:
        w = World(net)
        bi.USCC[0] = w.e1
        probe = w.s.contract(w.who["power-client"])
        meter = bi.Meter(net)
        raw = rd.encode_batch(bi.day_slots(0, [f"I-{i:03d}" for i in range(52)], 1))
        print(f"{os.cpu_count()} cpus; {TXS} transactions a row, {bi.IN_FLIGHT} in flight, "
              f"endorsed by {', '.join(bi.MEMBERS)}; CPU ms per transaction")
        print(f"{'row':<12} {'calls':>6} {'VALID':>6}" + "".join(f"{g:>11}" for g in bi.GROUPS)
              + f"{'peer us/call':>14}{'cc us/call':>12}")
        endorsers = len(bi.MEMBERS)
        base: dict[str, float] = {}
        for label, count, ops, size in ROWS:
            valid, ms = row(meter, probe, raw, count, ops, size)
            base = base or ms
            calls = count * len(ops) * endorsers
            extra = ("".join(f"{(ms[g] - base[g]) * 1000 / calls:>{w}.0f}"
                             for g, w in (("peers", 14), ("cc servers", 12)))
                     if calls else "")
            print(f"{label:<12} {count * len(ops):>6} {valid:>3}/{TXS}"
                  + "".join(f"{ms[g]:>11.1f}" for g in bi.GROUPS) + extra, flush=True)
        w.s.close()


if __name__ == "__main__":
    main()
