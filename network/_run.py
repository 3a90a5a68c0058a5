"""Run one Fabric command-line tool and fail with its output (both streams) as evidence."""

from __future__ import annotations

import os
import subprocess
import time


class CommandError(RuntimeError):
    """A Fabric CLI command (cryptogen, configtxgen, osnadmin, peer) failed."""


def run(argv: list[str], env: dict[str, str] | None = None, retries: int = 0,
        retry_on: tuple[str, ...] = (), what: str = "") -> str:
    """Run a Fabric CLI command; retry on the given transient messages; raise with its output.

    Both streams are kept: cryptogen, for one, prints its errors on stdout.
    """
    full_env = {**os.environ, **(env or {})}
    for attempt in range(retries + 1):
        res = subprocess.run(argv, env=full_env, capture_output=True, text=True, check=False)
        if res.returncode == 0:
            return res.stdout + res.stderr
        out = (res.stdout + res.stderr).strip()
        if attempt < retries and any(m in out for m in retry_on):
            time.sleep(1.0)
            continue
        raise CommandError(f"{what or argv[0]} failed (exit {res.returncode}): {out[-1500:]}")
    raise AssertionError("unreachable")
