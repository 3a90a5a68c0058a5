"""Systematic mutations of honest audit exports, each with the reason code it must get.

Every generator below walks every field its kind can reach (every entry, every proof
hash, every signature line, every binding, every anchor) and yields one mutated export
per field. :func:`generate` refuses to return if a kind reached no field in the exports
it was given (:class:`NoFieldReached`), so a change of the export's shape that makes a
kind vacuous fails the test instead of silently testing less.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from .export_factory import USCCS, World, build_export, timestamp
from .mutations_entries import (
    boundary_changed,
    boundary_removed,
    entry_added,
    entry_changed,
    entry_dropped,
    entry_reordered,
    hidden_entry_revealed,
    proof_flipped,
    selected_entry_hidden,
    uscc_changed,
)
from .mutations_trust import (
    binding_signature,
    binding_untrusted,
    checkpoint_inconsistent,
    cosignature_unknown,
    too_few_cosignatures,
)

Export = dict[str, Any]


@dataclass(frozen=True)
class Mutation:
    kind: str
    what: str
    code: str
    export: Export
    roots: dict[str, list[x509.Certificate]] | None = None  # None: the honest roots

    @property
    def data(self) -> bytes:
        return json.dumps(self.export).encode()


class NoFieldReached(AssertionError):
    """A mutation kind found nothing to mutate in the exports it was given."""



KINDS: dict[str, Callable[[Export, World], Iterator[Any]]] = {
    "entry_changed": entry_changed,
    "entry_dropped": entry_dropped,
    "entry_reordered": entry_reordered,
    "entry_added": entry_added,
    "proof_flipped": proof_flipped,
    "cosignature_unknown": cosignature_unknown,
    "too_few_cosignatures": too_few_cosignatures,
    "checkpoint_inconsistent": checkpoint_inconsistent,
    "binding_untrusted": binding_untrusted,
    "binding_signature": binding_signature,
    "boundary_removed": boundary_removed,
    "boundary_changed": boundary_changed,
    "hidden_entry_revealed": hidden_entry_revealed,
    "selected_entry_hidden": selected_entry_hidden,
    "uscc_changed": uscc_changed,
}


def base_exports(w: World) -> dict[str, Export]:
    """Honest exports that between them give every kind something to reach."""
    return {
        "all": build_export(w, timestamp(10), timestamp(20)),
        "uscc": build_export(w, timestamp(10), timestamp(20), USCCS[1]),
        "older": build_export(w, timestamp(3), timestamp(9), USCCS[0], anchor=1),
        "ends": build_export(w, "2025-01-01T00:00:00Z", "2030-01-01T00:00:00Z", anchor=0),
    }


def generate(w: World, bases: dict[str, Export],
             kinds: dict[str, Callable[[Export, World], Iterator[Any]]] = KINDS
             ) -> list[Mutation]:
    """Every mutation of every base; raises :class:`NoFieldReached` if a kind made none,
    and refuses a mutation that changes nothing."""
    out: list[Mutation] = []
    for kind, gen in kinds.items():
        made = 0
        for name, x in bases.items():
            for what, code, m, *roots in gen(x, w):
                if m == x and not roots:
                    raise AssertionError(f"{kind}: {what} changed nothing in {name}")
                out.append(Mutation(kind, f"{name}: {what}", code, m,
                                    roots[0] if roots else None))
                made += 1
        if made == 0:
            raise NoFieldReached(f"mutation kind {kind} reached no field in "
                                 f"{sorted(bases)}")
    return out

