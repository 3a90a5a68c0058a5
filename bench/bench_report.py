"""Report issuance time: build, canonicalise and render a 12-month carbon credit report.
Prints figures; asserts nothing.

    .venv/bin/python bench/bench_report.py [--runs 30] [--months 12] [--json]

Input: the records of a 12-month period (tests/unit/verifier/report/records.py: three
metered sources, two declared denominators, three rule sets, a signed attestation), in
the shapes the ledger returns them. Each run, timed in wall time and in process CPU time:

* build: ``build_report`` (records checked against each other, the result, the 12
  monthly results and the 3 ratings recomputed with ``accounting``, the certifier's
  signature verified, schema validation);
* canonicalise: RFC 8785 bytes (``rfc8785``) and their SHA-256;
* render: ``render_pdf`` (validation, layout, 3 charts, QR, font subsets, embedded JSON);
* check: ``check_pdf`` as a bank runs it (parse, validate, extract, re-render, compare).

The first render in a process also parses the three bundled fonts (~5.5 MB); it is
reported apart ("cold") and left out of the percentiles.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import percentile  # noqa: E402
from tests.unit.verifier.report.records import inputs as make_inputs  # noqa: E402
from verifier.report import (  # noqa: E402
    build_report,
    canonical_bytes,
    check_pdf,
    render_pdf,
    report_digest,
)


def _timed(fn: Callable[..., T], *args: Any) -> tuple[T, float, float]:
    """fn(*args), its wall and CPU milliseconds."""
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, (time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--json", action="store_true", help="one JSON line of figures")
    a = ap.parse_args()
    given = make_inputs(months=a.months)
    report, cold_build, _ = _timed(build_report, given)
    pdf, cold_render, _ = _timed(render_pdf, report)
    stages: dict[str, tuple[list[float], list[float]]] = {
        k: ([], []) for k in ("build", "canonicalise", "render", "issue (all three)", "check")}
    for _ in range(a.runs):
        report, bw, bc = _timed(build_report, given)
        (data, _digest), cw, cc = _timed(lambda r: (canonical_bytes(r), report_digest(r)),
                                         report)
        pdf, rw, rc = _timed(render_pdf, report)
        _, kw, kc = _timed(check_pdf, pdf, data)
        for name, w, c in (("build", bw, bc), ("canonicalise", cw, cc), ("render", rw, rc),
                           ("issue (all three)", bw + cw + rw, bc + cc + rc),
                           ("check", kw, kc)):
            stages[name][0].append(w)
            stages[name][1].append(c)
    figures = {name: {"p50_ms": round(percentile(w, 50), 2), "p99_ms": round(percentile(w, 99), 2),
                      "cpu_p50_ms": round(percentile(c, 50), 2)}
               for name, (w, c) in stages.items()}
    facts = {"months": a.months, "runs": a.runs, "json_bytes": len(data), "pdf_bytes": len(pdf),
             "cold_build_ms": round(cold_build, 1), "cold_render_ms": round(cold_render, 1)}
    if a.json:
        print(json.dumps({"figures": figures, **facts}))
        return 0
    print(f"report issuance, {a.months}-month report, {a.runs} runs (wall p50/p99, CPU p50); "
          f"JSON {len(data):,} B, PDF {len(pdf):,} B")
    for name, f in figures.items():
        print(f"  {name:<18} p50 {f['p50_ms']:8.1f} ms  p99 {f['p99_ms']:8.1f} ms  "
              f"CPU p50 {f['cpu_p50_ms']:8.1f} ms")
    print(f"  first build in the process {cold_build:.0f} ms, first render {cold_render:.0f} ms "
          "(font files parsed once; not in the percentiles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
