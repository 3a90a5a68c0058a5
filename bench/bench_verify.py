"""Verify time of a 12-month carbon credit report with its proof bundle, on one core;
and report issuance time (the parts that run in the issuer's process). Prints figures;
asserts nothing.

    .venv/bin/python bench/bench_verify.py [--runs 200] [--months 12] [--pdf-runs 10]

Input: the honest report and bundle of tests/unit/verifier/bundle_factory.py (12 months of
three metered sources as 12 batches and a correction, two denominators, three rule sets,
an attestation by a CertifierMSP certificate, 24 audit entries under a checkpoint cosigned
by three organisations, four MSP roots). The process is pinned to one CPU.

* verify (cold): ``verifier.verify_report`` with the memo of key-binding checks cleared
  before each run (a bank's first report of a channel): parse, digests, 3 bindings to
  their roots, the cosigned checkpoint, 24 inclusion proofs and a consistency proof, the
  attestation's chain and signature, every record against its entry, the openings, the
  totals, the report rebuilt (12 months, result and 3 ratings recomputed, schema) and
  compared byte for byte;
* verify (warm): the same with the bindings memoised (the next report of that channel);
* verify --pdf: the above and ``check_pdf`` (re-render and compare);
* issuance: ``build_report`` + RFC 8785 + ``render_pdf`` + ``make_bundle`` (the ledger
  round trips of ``carbontrust report issue`` are not in this figure: the anchor wait is
  the followers' cadence, seconds by design).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import percentile  # noqa: E402
from tests.unit.verifier.bundle_factory import digest, make_honest  # noqa: E402
from verifier import make_bundle, verify_report  # noqa: E402
from verifier._verify_report import clear_memo  # noqa: E402
from verifier.report import build_report, canonical_bytes, render_pdf  # noqa: E402


def _timed(fn: Callable[..., T], *args: Any) -> tuple[T, float, float]:
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, (time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000


def _row(name: str, wall: list[float], cpu: list[float]) -> dict[str, Any]:
    row = {"stage": name, "runs": len(wall), "p50_ms": round(percentile(wall, 50), 2),
           "p99_ms": round(percentile(wall, 99), 2), "cpu_p50_ms": round(percentile(cpu, 50), 2)}
    print(f"{name:<22} runs {len(wall):4d}  p50 {row['p50_ms']:8.2f} ms  p99 "
          f"{row['p99_ms']:8.2f} ms  CPU p50 {row['cpu_p50_ms']:8.2f} ms", flush=True)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--pdf-runs", type=int, default=10)
    ap.add_argument("--json", action="store_true", help="also one JSON line of figures")
    a = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    h = make_honest(a.months)
    report, bundle, roots = h.report_bytes, h.bundle_bytes, h.roots
    pdf = render_pdf(json.loads(report))
    print(f"report {len(report)} bytes, bundle {len(bundle)} bytes, "
          f"{len(h.bundle['entries'])} entries, checkpoint size {len(h.leaves)}, "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    summary = verify_report(report, bundle, roots)
    print(summary.line(), flush=True)
    rows = []
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(a.runs):
        clear_memo()
        _, w, c = _timed(verify_report, report, bundle, roots)
        wall.append(w)
        cpu.append(c)
    rows.append(_row("verify (cold)", wall, cpu))
    wall, cpu = [], []
    for _ in range(a.runs):
        _, w, c = _timed(verify_report, report, bundle, roots)
        wall.append(w)
        cpu.append(c)
    rows.append(_row("verify (warm)", wall, cpu))
    wall, cpu = [], []
    for _ in range(a.pdf_runs):
        clear_memo()
        _, w, c = _timed(verify_report, report, bundle, roots, pdf)
        wall.append(w)
        cpu.append(c)
    rows.append(_row("verify --pdf", wall, cpu))
    b = h.bundle
    given = {"result": {"digest": digest(b["records"]["result"]),
                        "record": b["records"]["result"]},
             "attestation": b["records"]["attestation"], "ratings": b["records"]["ratings"],
             "report": {"version": 1, "supersedes": None, "status": "valid"},
             "ledger": {"channel": b["channel"], "checkpoint": h.report["ledger"]["checkpoint"]}}

    def issue() -> None:
        doc = build_report(given)
        canonical_bytes(doc)
        render_pdf(doc)
        make_bundle(channel=b["channel"], report_id=b["report"]["id"],
                    report_digest=b["report"]["digest"], report_tx_id=b["report"]["tx_id"],
                    result=b["records"]["result"], attestation=b["records"]["attestation"],
                    ratings=b["records"]["ratings"],
                    operating_salt=b["openings"]["operating_data"]["salt"],
                    batch_salts={o["tx_id"]: o["salt"] for o in b["openings"]["batches"]},
                    entries=[], checkpoint=b["checkpoint"], report_checkpoint_proof=[],
                    key_bindings=b["key_bindings"], msp_roots=b["msp_roots"])

    wall, cpu = [], []
    for _ in range(a.pdf_runs):
        _, w, c = _timed(issue)
        wall.append(w)
        cpu.append(c)
    rows.append(_row("issuance (in process)", wall, cpu))
    if a.json:
        print(json.dumps({"bench": "verify", "months": a.months, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
