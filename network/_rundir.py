"""What makes a directory a run directory of ours, and the chaincode code a server runs.

``up`` and ``down`` delete the run directory (CARBONTRUST_RUN_DIR can name any path), so
they first check it is ours: a marker file written when ``up`` creates it.  An empty or
missing directory is fine to create.  A run directory made before the marker existed is
recognised by its shape (state.json naming package ids, crypto/ and pids/) and marked.

Chaincode servers run the contract's Python sources as they were when the server started;
a network reused by tests or the demo must not answer with code that has since changed.
The digest below is recorded with each server's start and compared with the sources now.
It covers every file (code and data, not __pycache__) of the contract's package and of the
project packages it imports, found by reading its import statements: chaincode.carbon runs
``accounting`` (denominator validation, the shipped factor and rule sets whose digests
governance compares), so an edited accounting module or data file is a changed contract.
"""

from __future__ import annotations

import ast
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


def _imported_names(pkg: Path) -> set[str]:
    """Top-level names of the absolute imports in the package's .py files."""
    names: set[str] = set()
    for f in pkg.rglob("*.py"):
        if "__pycache__" in f.parts:
            continue
        try:
            tree = ast.parse(f.read_bytes(), str(f))
        except (SyntaxError, ValueError):
            continue  # the server will fail on it anyway; its bytes are in the digest
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def contract_packages(main: Path, roots: Iterable[Path]) -> list[Path]:
    """main, then every project package it imports, directly or through another one (a
    package is a directory with __init__.py under one of roots, searched in order, as on
    the server's PYTHONPATH); installed libraries are not project packages."""
    roots = list(roots)
    found, todo = [main], [main]
    while todo:
        for name in sorted(_imported_names(todo.pop())):
            pkg = next((r / name for r in roots if (r / name / "__init__.py").is_file()), None)
            if pkg is not None and all(pkg.name != p.name for p in found):
                found.append(pkg)
                todo.append(pkg)
    return [main, *sorted(found[1:], key=lambda p: p.name)]


def chaincode_digest(roots: Iterable[Path], extra: str = "") -> str:
    """sha256 over the relative path and bytes of every file under the roots (code and
    data, not __pycache__), and ``extra`` (what else decides what a server runs: its
    module, its environment)."""
    h = hashlib.sha256(extra.encode() + b"\0" if extra else b"")
    for root in roots:
        for f in sorted(p for p in root.rglob("*")
                        if p.is_file() and "__pycache__" not in p.parts):
            h.update(str(f.relative_to(root.parent)).encode() + b"\0")
            h.update(f.read_bytes() + b"\0")
    return h.hexdigest()
