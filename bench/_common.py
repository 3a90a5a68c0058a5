"""Shared helpers for benchmark scripts: percentiles, RSS, tables.  Benchmarks print; they
never assert."""

from __future__ import annotations

import os
import statistics
from pathlib import Path

PROBE_ENV = "CARBONTRUST_CC_TEST_CONTRACTS"


def with_probe() -> None:
    """Networks this process brings up serve the test-only probe contract beside the
    carbon contract: its ``put`` and ``get`` are what the gateway and network benchmarks
    time (the carbon contract has no transaction that cheap)."""
    os.environ[PROBE_ENV] = "1"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc/<pid>/stat; 0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
