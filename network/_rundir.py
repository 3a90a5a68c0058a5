"""What makes a directory a run directory of ours, and the chaincode code a server runs.

``up`` and ``down`` delete the run directory (CARBONTRUST_RUN_DIR can name any path), so
they first check it is ours: a marker file written when ``up`` creates it.  An empty or
missing directory is fine to create.  A run directory made before the marker existed is
recognised by its shape (state.json naming package ids, crypto/ and pids/) and marked.

Chaincode servers run the contract's Python sources as they were when the server started;
a network reused by tests or the demo must not answer with code that has since changed.
The digest below (over every .py file of the contract's package) is recorded with each
server's start and compared with the sources now.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

MARKER = ".carbontrust-run"


class NotARunDirError(RuntimeError):
    """CARBONTRUST_RUN_DIR (or run_dir=) names a directory that is not a run directory."""


def _legacy(run_dir: Path) -> bool:
    try:
        state = json.loads((run_dir / "state.json").read_text())
    except (OSError, ValueError):
        return False
    return (isinstance(state, dict) and "package_ids" in state
            and (run_dir / "crypto").is_dir() and (run_dir / "pids").is_dir())


def check_ours(run_dir: Path) -> None:
    """Raise NotARunDirError unless run_dir is missing, empty, or a run directory of ours."""
    if not run_dir.exists():
        return
    if not run_dir.is_dir():
        raise NotARunDirError(f"{run_dir} is not a directory; refusing to use it as a run "
                              f"directory (set CARBONTRUST_RUN_DIR elsewhere)")
    if (run_dir / MARKER).is_file():
        return
    if _legacy(run_dir):
        mark(run_dir)
        return
    found = sorted(p.name for p in run_dir.iterdir())
    if found:
        raise NotARunDirError(
            f"{run_dir} is not a run directory of this project (no {MARKER}) and holds "
            f"{len(found)} entries, e.g. {found[:5]}; refusing to delete or use it "
            f"(set CARBONTRUST_RUN_DIR to an empty or new directory)")


def mark(run_dir: Path) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / MARKER).write_text("carbontrust network run directory; `python -m network "
                                  "down` deletes this directory\n")


def chaincode_digest(roots: Iterable[Path], extra: str = "") -> str:
    """sha256 over the relative path and bytes of every .py file under the roots, and
    ``extra`` (what else decides what a server runs: its module, its environment)."""
    h = hashlib.sha256(extra.encode() + b"\0" if extra else b"")
    for root in roots:
        for f in sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts):
            h.update(str(f.relative_to(root.parent)).encode() + b"\0")
            h.update(f.read_bytes() + b"\0")
    return h.hexdigest()
