"""Shared helpers for benchmark scripts: percentiles, RSS, tables.  Benchmarks print; they
never assert."""

from __future__ import annotations

import statistics
from pathlib import Path


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def summary(lat_ms: list[float]) -> str:
    if not lat_ms:
        return "no samples"
    return (f"p50 {percentile(lat_ms, 50):7.1f} ms  p99 {percentile(lat_ms, 99):7.1f} ms  "
            f"mean {statistics.fmean(lat_ms):7.1f} ms")
