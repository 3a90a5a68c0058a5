"""Proof vectors on disk: regenerating them changes nothing, and each case gives its
expected outcome."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

import notary

VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "notary"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("notary_vector_gen", VECTORS / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_regeneration_changes_nothing() -> None:
    built = _generator().build()
    assert set(built) == {"inclusion.json", "consistency.json"}
    for name, text in built.items():
        on_disk = (VECTORS / name).read_text()
        assert on_disk == text, f"{name} differs from regeneration: run generate.py and review"


def _cases(name: str) -> list[dict[str, Any]]:
    cases = json.loads((VECTORS / name).read_text())["cases"]
    assert len(cases) > 100
    return cases


def _outcome(call: Any) -> str:
    try:
        call()
    except notary.ProofError as exc:
        return type(exc).__name__
    return "ok"


def _b(hexes: list[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes]


@pytest.mark.parametrize("case", _cases("inclusion.json"), ids=lambda c: c["description"])
def test_inclusion_vector(case: dict[str, Any]) -> None:
    got = _outcome(
        lambda: notary.verify_inclusion(
            bytes.fromhex(case["leaf_hash"]), case["index"], case["size"],
            _b(case["proof"]), bytes.fromhex(case["root"]),
        )  # fmt: skip
    )
    assert got == case["expected"]


@pytest.mark.parametrize("case", _cases("consistency.json"), ids=lambda c: c["description"])
def test_consistency_vector(case: dict[str, Any]) -> None:
    got = _outcome(
        lambda: notary.verify_consistency(
            case["size1"], case["size2"], _b(case["proof"]),
            bytes.fromhex(case["root1"]), bytes.fromhex(case["root2"]),
        )  # fmt: skip
    )
    assert got == case["expected"]


def test_vectors_cover_every_mutation_kind() -> None:
    descriptions = " ".join(
        c["description"] for c in _cases("inclusion.json") + _cases("consistency.json")
    )
    for kind in ("valid proof", "flipped bit", "truncated", "extended", "swapped",
                 "claimed as leaf", "tree of size", "size zero", "size1 > size2",
                 "empty proof where one is needed", "claimed as"):  # fmt: skip
        assert kind in descriptions, kind
