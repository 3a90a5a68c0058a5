"""Fixtures: the chaincode's sample records (tests/vectors/report) and records.py inputs."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from verifier.report import build_report

from . import records

VECTORS = Path(__file__).resolve().parents[4] / "tests" / "vectors" / "report"


def load(name: str) -> Any:
    return json.loads((VECTORS / f"{name}.json").read_text("utf-8"))


@pytest.fixture
def sample_inputs() -> dict[str, Any]:
    """The ledger helper's sample records, as build_report takes them."""
    return {"result": load("result"), "attestation": load("attestation"),
            "ratings": [load("rating")], "enterprise": load("enterprise"),
            "monthly_totals": load("monthly_totals")}


@pytest.fixture(scope="session")
def twelve_inputs() -> dict[str, Any]:
    return records.inputs()


@pytest.fixture(scope="session")
def twelve_report(twelve_inputs: dict[str, Any]) -> dict[str, Any]:
    return build_report(copy.deepcopy(twelve_inputs))


@pytest.fixture(scope="session")
def sample_report() -> dict[str, Any]:
    return build_report({"result": load("result"), "attestation": load("attestation"),
                         "ratings": [load("rating")]})
