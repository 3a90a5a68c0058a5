"""``check_export`` accepts honest exports and refuses every systematic mutation of them
with the reason code the mutation's kind calls for (tests/unit/verifier/mutations.py)."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache

import pytest

from verifier import CODES, AuditCheckError, check_export

from .export_factory import World, make_world
from .mutations import KINDS, Mutation, NoFieldReached, base_exports, generate


@cache
def world() -> World:
    return make_world()


@cache
def mutations() -> tuple[Mutation, ...]:
    return tuple(generate(world(), base_exports(world())))


@pytest.mark.parametrize("name", sorted(base_exports(world())))
def test_honest_base_accepted(name: str) -> None:
    x = base_exports(world())[name]
    check_export(json.dumps(x).encode(), world().roots)


def test_every_mutation_refused_with_its_code() -> None:
    wrong = []
    for m in mutations():
        try:
            check_export(m.data, m.roots if m.roots is not None else world().roots)
        except AuditCheckError as exc:
            if exc.code != m.code:
                wrong.append(f"{m.kind} / {m.what}: expected {m.code}, got {exc}")
        else:
            wrong.append(f"{m.kind} / {m.what}: ACCEPTED, expected {m.code}")
    assert not wrong, f"{len(wrong)} of {len(mutations())}:\n" + "\n".join(wrong[:40])


def test_mutations_cover_every_kind_and_code() -> None:
    kinds = Counter(m.kind for m in mutations())
    assert set(kinds) == set(KINDS)
    # systematic: every entry and every proof hash of the bases was reached
    bases = base_exports(world())
    flips = sum(len(e["proof"]) for x in bases.values() for e in x["entries"])
    assert kinds["proof_flipped"] > flips
    assert kinds["entry_dropped"] >= sum(len(x["entries"]) for x in bases.values())
    codes = {m.code for m in mutations()}
    assert codes == set(CODES) - {"FORMAT"}, sorted(set(CODES) - codes)


def test_generator_fails_when_a_kind_reaches_no_field() -> None:
    only_all = {"all": base_exports(world())["all"]}  # no USCC filter: nothing hidden
    with pytest.raises(NoFieldReached, match="hidden_entry_revealed"):
        generate(world(), only_all, {"hidden_entry_revealed": KINDS["hidden_entry_revealed"]})
