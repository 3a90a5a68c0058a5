"""`make bench`: run every benchmark script in turn; each prints its own figures.

    python bench/run_all.py [NAME ...]     # e.g. accounting notary (default: all)

Benchmarks print figures (and ratios against baselines run side by side); none asserts.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["accounting", "notary", "report", "verify", "audit", "audit_routes", "gateway",
         "gateway_node", "network", "recovery", "cli", "services", "shim_calls",
         "shim_transport"]


def main() -> int:
    names = sys.argv[1:] or ORDER
    failed = []
    for name in names:
        script = HERE / f"bench_{name}.py"
        if not script.is_file():
            print(f"no benchmark named {name!r} ({script} missing)", file=sys.stderr)
            failed.append(name)
            continue
        print(f"\n===== bench_{name} =====", flush=True)
        t0 = time.monotonic()
        rc = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"===== bench_{name}: exit {rc}, {time.monotonic() - t0:.0f} s =====", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"benchmarks that did not run to the end: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
