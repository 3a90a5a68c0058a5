"""Generate the blocking API from the async one: ``python -m gateway._codegen [--check]``.

The API above the transport (streams, events, blocks, commit, proposal, contract,
network, gateway) is written once, async, in ``gateway/_<name>.py``; its blocking twin
``gateway/_sync/_<name>.py`` is produced by `unasync` (the tool httpcore uses for the same
job): ``async def`` -> ``def``, ``await x`` -> ``x``, ``__aenter__`` -> ``__enter__``,
``__anext__`` -> ``__next__``, ``StopAsyncIteration`` -> ``StopIteration``. The sources
import the flavour-specific pieces relatively (``from ._client import ...``), so the twin
picks up the hand-written blocking transport ``gateway/_sync/_client.py``; shared modules
are imported absolutely.

The generated files are committed (so the package needs no build step and readers and
type checkers see real code); ``--check`` (run by the unit tests) fails when regenerating
would change them. unasync is a development dependency only: nothing imports this module
at run time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
TARGET = PACKAGE / "_sync"
SOURCES = (
    "_stream.py",
    "_events.py",
    "_blocks.py",
    "_commit.py",
    "_proposal.py",
    "_contract.py",
    "_network.py",
    "_gateway.py",
    "_relay.py",
)
HEADER = (
    "# GENERATED from gateway/{name} by `python -m gateway._codegen` (unasync): do not edit;\n"
    "# change the async source and regenerate.\n"
)


def generate(name: str) -> str:
    """The blocking twin of ``gateway/<name>``, as text."""
    import tokenize_rt  # noqa: PLC0415 - development dependencies, imported on use
    import unasync  # noqa: PLC0415

    rule = unasync.Rule(fromdir="/gateway/", todir="/gateway/_sync/")
    source = (PACKAGE / name).read_text(encoding="utf-8")
    tokens = rule._unasync_tokens(tokenize_rt.src_to_tokens(source))
    return HEADER.format(name=name) + tokenize_rt.tokens_to_src(tokens)


def stale() -> list[str]:
    """Generated files that differ from what the sources produce now."""
    out = []
    for name in SOURCES:
        target = TARGET / name
        if not target.exists() or target.read_text(encoding="utf-8") != generate(name):
            out.append(str(target))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway._codegen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if regeneration differs")
    ns = parser.parse_args(argv)
    if ns.check:
        changed = stale()
        for path in changed:
            print(f"stale: {path} (run python -m gateway._codegen)", file=sys.stderr)
        return 1 if changed else 0
    for name in SOURCES:
        (TARGET / name).write_text(generate(name), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
