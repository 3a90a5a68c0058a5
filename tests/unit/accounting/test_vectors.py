"""Golden vectors: files under tests/vectors/accounting, re-generated and re-checked."""

from __future__ import annotations

import importlib.util
import json

import pytest

import accounting

from .util import REPO

VECTORS = REPO / "tests" / "vectors" / "accounting"
FILES = sorted(VECTORS.glob("*.json"))


def test_generator_reproduces_every_file():
    spec = importlib.util.spec_from_file_location("accounting_vectors", VECTORS / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0
    assert len(FILES) == len(module.CASES)


def test_there_are_hand_worked_and_error_vectors():
    cases = [json.loads(p.read_text(encoding="utf-8")) for p in FILES]
    assert sum("hand_worked" in c for c in cases) >= 5
    assert sum("error" in c["expected"] for c in cases) >= 10


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_vector_file_recomputes(path):
    case = json.loads(path.read_text(encoding="utf-8"))
    expected = case["expected"]
    try:
        if case["kind"] == "personal":
            result = accounting.rate_personal(**case["input"])
        elif case["kind"] == "rate":
            result = accounting.rate(case["input"])
        else:
            result = accounting.compute(case["input"])
    except accounting.AccountingError as exc:
        assert exc.evidence() == expected["error"]
        return
    raw = result.to_json()
    assert "error" not in expected
    assert accounting.sha256_digest(raw) == expected["output_sha256"]
    assert json.loads(raw) == expected["output"]
    if "hand_total_tco2e" in case:  # the engine, recomputed now, against the hand result
        assert json.loads(raw)["total_tco2e"] == case["hand_total_tco2e"]


@pytest.mark.parametrize("step", [
    # the old natural-gas line: wrong in the fourth decimal, yet it rounds to 265.949
    "natural gas: 12.3 x 389.31 x 0.0153 x 0.99 x 44 / 12 = 265.949363...",
    "total: 505.4521 + 265.949223507 + 88 + 82.860370208 = 942.261834... -> 942.262",
    "per value added: 942.262 / 5200 = 0.181204 -> 0.181204",  # not exact, no "..."
    "rounded wrongly: 1 / 3 = 0.333... -> 0.334",
])
def test_the_generator_refuses_wrong_hand_arithmetic(step):
    spec = importlib.util.spec_from_file_location("accounting_vectors", VECTORS / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(SystemExit):
        module.check_step("test", step)
    module.check_step("test", "right: 1 / 3 = 0.333... -> 0.333")
