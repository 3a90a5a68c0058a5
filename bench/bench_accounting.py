"""Benchmark of the accounting engine (prints figures; asserts nothing).

    .venv/bin/python bench/bench_accounting.py [--rounds 5] [--n 20000] [--json]

Measures, on one core (the process pins itself to one CPU where the OS allows):
- compute/s: accounting.compute() of a 10-line enterprise-period with three
  denominators (validation, exact emissions, scopes, three intensities, inputs
  digest) -> Result; of the same 10 lines with value added only (the issue's
  example shape); and without denominators
- compute+json/s: the same plus the canonical JSON of the full result
- ratings/s: accounting.rate_result() of a computed result with the three
  default enterprise rule sets (one rating = one rule set applied)
- rate/s: accounting.rate() end to end (compute + three ratings)
- naive/s: compute() with the factor set re-read and re-precomputed each time
  (what the load-once cache avoids); the ratio compute/naive is printed.
Each figure is the best of --rounds rounds of --n calls, timed in CPU time of
this process (time.process_time), so other processes sharing the core (the
Fabric network, other test runs) distort it less than wall-clock time would;
--wall times with time.perf_counter instead.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import accounting  # noqa: E402
from accounting import _factors  # noqa: E402

PERIOD = {
    "enterprise": {"id": "91440101MA5XXXXXXX", "industry": "C38", "region": "southern"},
    "period": {"start": "2023-01-01", "end": "2023-12-31"},
    "factor_set": "cn-2023",
    "activity": [
        {"source": "electricity", "quantity": "1250.5", "unit": "MWh"},
        {"source": "electricity", "quantity": "83000", "unit": "kWh"},
        {"source": "electricity_export", "quantity": "12.25", "unit": "MWh"},
        {"source": "natural_gas", "quantity": "12.3", "unit": "10^4 Nm3"},
        {"source": "natural_gas", "quantity": "5400", "unit": "Nm3"},
        {"source": "heat", "quantity": "800", "unit": "GJ"},
        {"source": "bituminous_coal", "quantity": "40", "unit": "t"},
        {"source": "anthracite", "quantity": "2.5", "unit": "t"},
        {"source": "diesel", "quantity": "3.75", "unit": "t"},
        {"source": "gasoline", "quantity": "1.2", "unit": "t"},
    ],
    "denominators": {
        "value_added": {"quantity": "5200", "unit": "10^4 CNY"},
        "output_value": {"quantity": "21000", "unit": "10^4 CNY"},
        "tax_paid": {"quantity": "640", "unit": "10^4 CNY"},
    },
}


CLOCK = time.process_time


def rate_of(fn: Callable[[], object], n: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = CLOCK()
        for _ in range(n):
            fn()
        best = min(best, CLOCK() - start)
    return n / best


def naive() -> object:
    _factors._load_cached.cache_clear()
    return accounting.compute(PERIOD)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--wall", action="store_true", help="time with the wall clock")
    args = parser.parse_args(argv)
    global CLOCK
    CLOCK = time.perf_counter if args.wall else time.process_time
    pinned = "no"
    if hasattr(os, "sched_setaffinity"):
        cpu = sorted(os.sched_getaffinity(0))[-1]
        os.sched_setaffinity(0, {cpu})
        pinned = f"cpu {cpu}"
    result = accounting.compute(PERIOD)
    benchmarks = accounting.load_benchmark_set(accounting.DEFAULT_BENCHMARK_SET)
    rule_sets = [accounting.load_rule_set(v) for v in accounting.DEFAULT_RULE_SETS]
    industry = PERIOD["enterprise"]["industry"]  # type: ignore[index]

    def ratings() -> None:
        for rs in rule_sets:
            accounting.rate_result(result, rs, benchmarks, industry)

    n, rounds = args.n, args.rounds
    bare = {k: v for k, v in PERIOD.items() if k != "denominators"}
    one = {**PERIOD, "denominators": {"value_added": PERIOD["denominators"]["value_added"]}}  # type: ignore[index]
    figures = {
        "compute_per_s": rate_of(lambda: accounting.compute(PERIOD), n, rounds),
        "compute_one_denominator_per_s": rate_of(lambda: accounting.compute(one), n, rounds),
        "compute_no_denominators_per_s": rate_of(lambda: accounting.compute(bare), n, rounds),
        "compute_json_per_s": rate_of(lambda: accounting.compute(PERIOD).to_json(),
                                      max(n // 5, 1), rounds),
        "ratings_per_s": rate_of(ratings, n, rounds) * len(rule_sets),
        "rate_per_s": rate_of(lambda: accounting.rate(PERIOD), max(n // 2, 1), rounds),
        "naive_per_s": rate_of(naive, max(n // 100, 1), rounds),
    }
    figures["speedup_vs_naive"] = figures["compute_per_s"] / figures["naive_per_s"]
    meta = {"python": platform.python_version(), "machine": platform.machine(),
            "pinned": pinned, "clock": "wall" if args.wall else "cpu",
            "lines": len(PERIOD["activity"]), "n": n, "rounds": rounds,
            "total_tco2e": str(result.total_tco2e)}
    if args.json:
        print(json.dumps({**meta, **{k: round(v, 1) for k, v in figures.items()}},
                         sort_keys=True))
        return 0
    print(f"accounting benchmark: Python {meta['python']} {meta['machine']}, pinned "
          f"{pinned}, {meta['lines']}-line enterprise-period, best of {rounds}, "
          f"{meta['clock']} time")
    for key, what in (("compute_per_s", "10 lines + 3 denominators"),
                      ("compute_one_denominator_per_s", "10 lines + value added only"),
                      ("compute_no_denominators_per_s", "10 lines, no denominators")):
        print(f"  compute            {figures[key]:>10,.0f} /s   ({what}; goal 50,000/s: "
              f"{'met' if figures[key] >= 50000 else 'not met'})")
    print(f"  compute + JSON     {figures['compute_json_per_s']:>10,.0f} /s")
    print(f"  ratings            {figures['ratings_per_s']:>10,.0f} /s   "
          f"(rule set applied to a computed result)")
    print(f"  rate (end to end)  {figures['rate_per_s']:>10,.0f} /s   "
          f"(compute + {len(rule_sets)} ratings)")
    print(f"  naive baseline     {figures['naive_per_s']:>10,.0f} /s   "
          f"(factor set re-read each time); compute is "
          f"{figures['speedup_vs_naive']:,.0f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
