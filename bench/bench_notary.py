"""Benchmark of notary's durable log. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_notary.py [--max-leaves 10000000] [--budget 90] [--keep]

1. Durable append rate, batches of 1,000 leaves (64-byte entries), one transaction per
   batch, SQLite WAL with synchronous=NORMAL (survives a killed process) and FULL
   (fsync per commit: survives a power cut). Timed around ``Log.append`` only, in wall
   time and in process CPU time (the machine is shared: CPU time shows one core's rate).
2. Growing one log to 10^6 and 10^7 leaves in batches of 1,000 (stops early if the
   time budget runs out, and says where). At each size: inclusion proof warm (tiles
   cached) and cold (a freshly opened store; the OS page cache may still hold the file),
   with the SELECTs counted; root; consistency proof; proof and bundle sizes.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import notary  # noqa: E402

BATCH = 1000
PREFIX = b"carbontrust/reading-batch-root/" + b"\xab" * 25  # 56 bytes + 8-byte counter


def _batch(start: int) -> list[bytes]:
    return [PREFIX + i.to_bytes(8, "big") for i in range(start, start + BATCH)]


CPU = [0.0]  # process CPU seconds spent inside append, summed


def _append(log: notary.Log, count: int) -> float:
    """Append ``count`` leaves in batches; returns wall seconds spent inside append."""
    spent = 0.0
    for _ in range(count // BATCH):
        entries = _batch(log.size)
        c0, t0 = time.process_time(), time.perf_counter()
        log.append(entries)
        spent += time.perf_counter() - t0
        CPU[0] += time.process_time() - c0
    return spent


def bench_append(workdir: Path) -> None:
    print("-- durable append, batches of 1,000 leaves, one transaction each")
    for mode, count in (("NORMAL", 300_000), ("FULL", 100_000)):
        path = workdir / f"append-{mode}.db"
        with notary.Log.open(path, synchronous=mode) as log:
            _append(log, 20_000)  # warm up: first tiles, file growth
            CPU[0] = 0.0
            spent = _append(log, count)
        print(
            f"   synchronous={mode:6s} {count:>9,} leaves in {spent:6.2f} s wall: "
            f"{count / spent:>9,.0f} leaves/s ({spent / (count / BATCH) * 1e3:.2f} ms/batch); "
            f"per CPU second: {count / CPU[0]:>9,.0f} leaves/s"
        )
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _us(samples: list[float]) -> str:
    s = sorted(samples)
    return (
        f"median {statistics.median(s) * 1e6:7.1f} us  "
        f"p99 {s[min(len(s) - 1, int(len(s) * 0.99))] * 1e6:7.1f} us"
    )


def measure_at(path: Path, size: int, rng: random.Random) -> None:
    print(f"-- at {size:,} leaves  (file {path.stat().st_size / 2**20:,.0f} MiB)")
    indexes = [rng.randrange(size) for _ in range(1000)]
    t0 = time.perf_counter()
    log = notary.Log.open(path, cache_tiles=8192)
    opened = time.perf_counter() - t0
    print(f"   open: {opened * 1e3:.1f} ms, {log.reads} reads")
    before, t0 = log.reads, time.perf_counter()
    root = log.root()
    print(f"   root: {(time.perf_counter() - t0) * 1e6:.0f} us, {log.reads - before} reads")
    for i in indexes:  # first pass loads the tiles
        log.inclusion_proof(i, size)
    warm, verify = [], []
    for i in indexes:
        t0 = time.perf_counter()
        proof = log.inclusion_proof(i, size)
        warm.append(time.perf_counter() - t0)
        leaf = log.leaf_hash(i)
        t0 = time.perf_counter()
        notary.verify_inclusion(leaf, i, size, proof, root)
        verify.append(time.perf_counter() - t0)
    print(f"   inclusion proof, warm ({len(indexes)} random leaves): {_us(warm)}")
    print(f"   verify_inclusion:                        {_us(verify)}")
    log.close()
    cold, reads = [], []
    for i in indexes[:30]:
        log = notary.Log.open(path)
        before, t0 = log.reads, time.perf_counter()
        log.inclusion_proof(i, size)
        cold.append(time.perf_counter() - t0)
        reads.append(log.reads - before)
        log.close()
    print(
        f"   inclusion proof, cold (fresh store, 30 leaves): {_us(cold)}; "
        f"reads per proof: min {min(reads)} max {max(reads)} "
        f"(log2 n = {size.bit_length()}, tile levels = {(size.bit_length() + 7) // 8})"
    )
    log = notary.Log.open(path)
    before, t0 = log.reads, time.perf_counter()
    cproof = log.consistency_proof(size // 3, size)
    ctime = time.perf_counter() - t0
    print(
        f"   consistency proof {size // 3:,} -> {size:,}, cold: {ctime * 1e6:.0f} us, "
        f"{log.reads - before} reads, {len(cproof)} hashes"
    )
    proof = log.inclusion_proof(indexes[0], size)
    signer = notary.Signer("bench.example/log", b"\x01" * 32)
    note = notary.sign_note(notary.Checkpoint("bench.example/log", size, root).body(), signer)
    bundle = notary.ProofBundle.build(indexes[0], proof, note)
    print(
        f"   proof sizes: inclusion {len(proof)} hashes = {32 * len(proof)} bytes; "
        f"bundle {len(bundle.to_text())} bytes text, {len(bundle.to_json())} bytes JSON"
    )
    log.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--max-leaves", type=lambda v: max(BATCH, int(v) // BATCH * BATCH),
                    default=10_000_000, help="rounded down to whole batches of 1,000")
    ap.add_argument("--budget", type=float, default=90.0, help="seconds for growing the log")
    ap.add_argument("--dir", default=str(ROOT / "bench" / "out" / "notary"))
    ap.add_argument("--keep", action="store_true", help="keep the database files")
    args = ap.parse_args()
    workdir = Path(args.dir)
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    print(f"notary benchmark: python {sys.version.split()[0]}, {os.cpu_count()} cpus, {workdir}")
    print(f"   load average at start: {os.getloadavg()[0]:.2f}")
    try:
        bench_append(workdir)
        rng = random.Random(2026)
        path = workdir / "grow.db"
        spent_total, started = 0.0, time.monotonic()
        CPU[0] = 0.0
        for target in (1_000_000, 10_000_000):
            target = min(target, args.max_leaves)
            with notary.Log.open(path) as log:
                start = log.size
                while log.size < target and time.monotonic() - started < args.budget:
                    spent_total += _append(log, min(100_000, target - log.size))
                reached = log.size
            rate = reached / spent_total if spent_total else 0.0
            print(
                f"-- grew the log to {reached:,} leaves (from {start:,}) in batches of 1,000: "
                f"{rate:,.0f} leaves/s wall, {reached / CPU[0]:,.0f} per CPU second, "
                f"inside append (synchronous=NORMAL); load average {os.getloadavg()[0]:.2f}"
            )
            if reached < target:
                print(f"   STOPPED at {reached:,} of {target:,}: time budget {args.budget:.0f} s")
            measure_at(path, reached, rng)
            if reached < target or target == args.max_leaves:
                break
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
