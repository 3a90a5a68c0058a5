"""Shared builders for the accounting tests."""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import accounting

REPO = Path(__file__).resolve().parents[3]
PYTHON = sys.executable


def doc(activity: list[dict[str, Any]] | None = None, *, factor_set: str = "cn-2023",
        region: str | None = "southern", industry: str | None = "C38",
        denominators: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """An enterprise-period input document with sensible defaults."""
    enterprise: dict[str, Any] = {"id": "91440101MA5XXXXXXX"}
    if industry is not None:
        enterprise["industry"] = industry
    if region is not None:
        enterprise["region"] = region
    year = data_year(factor_set)
    out: dict[str, Any] = {
        "enterprise": enterprise,
        "period": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
        "factor_set": factor_set,
        "activity": copy.deepcopy(activity or []),
    }
    if denominators is not None:
        out["denominators"] = denominators
    out.update(extra)
    return out


def data_year(factor_set: Any) -> int:
    """The grid data year of a shipped set (2023 for anything else: the error is elsewhere)."""
    try:
        return accounting.load_factor_set(factor_set).grid_data_year
    except accounting.AccountingError:
        return 2023


def line(source: str, quantity: str, unit: str, **extra: Any) -> dict[str, Any]:
    return {"source": source, "quantity": quantity, "unit": unit, **extra}


ISSUE_EXAMPLE = {
    "enterprise": {"id": "91440101MA5XXXXXXX", "industry": "C38", "region": "southern"},
    "period": {"start": "2023-01-01", "end": "2023-12-31"},
    "factor_set": "cn-2023",
    "activity": [
        {"source": "electricity", "quantity": "1250.5", "unit": "MWh"},
        {"source": "natural_gas", "quantity": "12.3", "unit": "10^4 Nm3"},
        {"source": "heat", "quantity": "800", "unit": "GJ"},
        {"source": "bituminous_coal", "quantity": "40", "unit": "t"},
    ],
    "denominators": {"value_added": {"quantity": "5200", "unit": "10^4 CNY"}},
}
