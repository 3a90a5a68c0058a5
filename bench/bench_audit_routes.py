"""The regulator's audit export and check as its service does them, on a large log.

A real follower store (``AuditStore``, filled by its own writer ``commit_block``; notary keys
bound by generated admin certificates, tests/unit/verifier/pki.py; the log anchored by a
checkpoint cosigned by three organisations) of N entries, every third about the exported
enterprise. Then, one after the other:

* the service's export (``write_export`` into a temporary file, as ``GET /v1/audit/export``
  does before streaming it) beside the command line's (``build_export``, the whole export
  in memory, then ``json.dumps``): seconds, bytes, and peak Python memory (tracemalloc) of
  each, so the choice "streamed from a temporary file, not a job" (gateway/service/
  _audit_export.py) is shown, not claimed;
* the check (``verifier.check_export`` against the roots, then the own-log comparison, as
  ``POST /v1/audit/checks``): seconds and peak memory;
* a page of 200 entries and an inclusion proof (``prove_entry``): p50/p99 over 200 calls.

Prints figures; asserts nothing.

    .venv/bin/python bench/bench_audit_routes.py [--entries N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gateway.audit import BlockRecords  # noqa: E402
from gateway.audit._export import ExportRange, build_export  # noqa: E402
from gateway.cli._audit_prove import prove_entry  # noqa: E402
from gateway.service._audit_export import write_export  # noqa: E402
from tests.unit.gateway.cli.audit_world import World  # noqa: E402
from tests.unit.verifier.pki import orgs  # noqa: E402
from verifier import audit_leaf, check_export  # noqa: E402

USCC, OTHER = "91350100M000100Y43", "91110000600037341L"
PER_BLOCK = 500


def ts(i: int) -> str:
    return f"2026-03-{1 + i // 86400:02d}T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:" \
           f"{i % 60:02d}.000000000Z"


def fill(w: World, n: int) -> None:
    w.register_keys(ts(0))
    i = 0
    while i < n:
        rec = BlockRecords(w.block)
        for k in range(min(PER_BLOCK, n - i)):
            tx = f"{w.count + 1:064x}"
            w.count += 1
            when = ts(10 + i + k)
            entry: dict[str, Any] = {"v": 1, "entry": "readings.submit" if (i + k) % 3 else
                     "registry.update_enterprise", "tx_id": tx, "timestamp": when,
                     "actor": {"mspid": "PowerMSP", "kind": "client",
                               "fingerprint": "ab" * 32},
                     "keys": {"uscc": USCC if (i + k) % 3 == 0 else OTHER,
                              "batch_id": tx, "count": 4992},
                     "digests": {}, "commitments": {"batch": "sha256:" + "cd" * 32}}
            rec.entries.append((k, tx, when, audit_leaf(w.block, k, tx, entry)))
        w.store.commit_block(rec)
        w.block += 1
        i += PER_BLOCK
    w.anchor(ts(10 + n + 1))


def measured(fn: Any) -> tuple[Any, float, int]:
    tracemalloc.start()
    t0 = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return value, seconds, peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=20_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        w = World(Path(tmp) / "follower")
        t0 = time.perf_counter()
        fill(w, args.entries)
        anchor = w.store.latest_anchor()
        assert anchor is not None
        print(f"log: {w.store.size()} entries, anchored at {anchor.size} "
              f"(filled in {time.perf_counter() - t0:.1f} s)")
        rng = ExportRange(ts(0), ts(10 + args.entries), USCC)
        head = w.head()

        def service() -> int:
            with tempfile.TemporaryFile(dir=tmp) as fh:
                write_export(w.store, "carbon", rng, head, fh)
                return fh.tell()

        def command_line() -> bytes:
            export, _ = build_export(w.store, "carbon", rng, head)
            return (json.dumps(export, indent=1, sort_keys=True, ensure_ascii=False)
                    + "\n").encode()

        size, s_secs, s_peak = measured(service)
        data, c_secs, c_peak = measured(command_line)
        print(f"export of {args.entries} entries ({args.entries // 3 + 1} in full):")
        print(f"  service (temp file, then streamed): {s_secs:.2f} s, {size / 1e6:.1f} MB, "
              f"peak Python memory {s_peak / 1e6:.1f} MB")
        print(f"  command line (in memory):           {c_secs:.2f} s, {len(data) / 1e6:.1f} "
              f"MB, peak Python memory {c_peak / 1e6:.1f} MB")
        roots = {m: [o.ca.cert] for m, o in orgs().items()}
        summary, k_secs, k_peak = measured(lambda: check_export(data, roots))
        t0 = time.perf_counter()
        ours = w.store.log.root(summary.size)
        own = time.perf_counter() - t0
        print(f"check: {k_secs:.2f} s (+ own log root {own * 1000:.1f} ms, "
              f"{'agrees' if ours == summary.root else 'DISAGREES'}), peak Python memory "
              f"{k_peak / 1e6:.1f} MB")
        pages, proofs = [], []
        for i in range(200):
            start = (i * 97) % max(1, args.entries - 200)
            t0 = time.perf_counter()
            list(w.store.entries(start, start + 200))
            pages.append(time.perf_counter() - t0)
            row = w.store.entry(start + 4)
            t0 = time.perf_counter()
            prove_entry(w.store, "carbon", "RegulatorMSP", row.tx_id)
            proofs.append(time.perf_counter() - t0)
        for name, xs in (("entries page of 200", pages), ("inclusion proof", proofs)):
            q = statistics.quantiles(xs, n=100)
            print(f"{name}: p50 {q[49] * 1000:.2f} ms, p99 {q[98] * 1000:.2f} ms")
        w.close()


if __name__ == "__main__":
    main()
