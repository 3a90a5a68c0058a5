"""Immutable result objects of the engine and their canonical JSON form.

Results are named tuples (cheap to build on the hot path).  A line and a
category keep their exact emissions (as 12 x tCO2e, see ``_factors``) and round
when read; totals are rounded when the result is built.  Either way each figure
is rounded once from its exact value, so the order of evaluation cannot matter.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from ._canonical import decimal_str, div_round_half_up, encode_tree
from ._factors import Entry, Factor

__all__ = ["RESULT_SCHEMA", "ROUNDING", "LineResult", "Intensity", "Result"]

RESULT_SCHEMA = "carbontrust.accounting.result/1"
#: how every reported figure is rounded (stated in each result)
ROUNDING = {
    "tco2e": "quantum 0.001, ROUND_HALF_UP (half away from zero), once, from the exact sum",
    "intensity": "quantum 0.000001, ROUND_HALF_UP, of total_tco2e as reported / denominator",
    "ratio": "quantum 0.0001, ROUND_HALF_UP, display only; bands are decided exactly",
}
#: how the period and the factor set's year are matched (stated in each result)
YEAR_RULE = ("the period lies in one calendar year, the grid data year of the factor set; "
             "a mismatch or a period across two years is refused, not split")
_TWELVE = Decimal(12)
CATEGORIES = (
    "combustion",
    "process",
    "electricity_purchased",
    "electricity_exported",
    "heat_purchased",
    "heat_exported",
)


@functools.lru_cache(maxsize=1024)
def _factor_brief(factor: Factor) -> tuple[tuple[str, str], ...]:
    return (("id", factor.id), ("value", str(factor.value)), ("unit", factor.unit))


@functools.lru_cache(maxsize=1024)
def _factor_provenance(factor: Factor) -> tuple[tuple[str, Any], ...]:
    return (("region", factor.region), ("data_year", factor.data_year),
            ("source", factor.source), ("rank", factor.rank))


class LineResult(NamedTuple):
    """One activity line, the factors it used and its emissions (signed)."""

    position: int  # index of the line in the input's activity list
    source: str
    quantity: str
    unit: str
    entry: Entry  # the precomputed factor entry the line used
    x12: Decimal  # exact: 12 x tCO2e, signed (exports negative)
    region: str | None = None
    label: str | None = None
    explicit_factor: Mapping[str, str] | None = None

    @property
    def category(self) -> str:
        return self.entry.category

    @property
    def scope(self) -> int | None:
        return self.entry.scope

    @property
    def factors(self) -> tuple[Factor, ...]:
        return self.entry.factors

    @property
    def conversion(self) -> Decimal:
        return self.entry.conversion

    @property
    def canonical_unit(self) -> str:
        return self.entry.canonical_unit

    @property
    def tco2e(self) -> Decimal:
        """The line's tCO2e, rounded once (0.001, half away from zero)."""
        return div_round_half_up(self.x12, _TWELVE, 3)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "index": self.position,
            "source": self.source,
            "quantity": self.quantity,
            "unit": self.unit,
            "category": self.category,
            "scope": self.scope,
            "tco2e": decimal_str(self.tco2e),
            "unit_conversion": {
                "from": self.unit,
                "to": self.canonical_unit,
                "multiplier": decimal_str(self.conversion),
            },
        }
        if self.explicit_factor is not None:
            out["factors"] = [dict(self.explicit_factor, id="input")]
        else:
            # id, value, unit here; region, data year and source once, in factor_provenance
            out["factors"] = [dict(_factor_brief(f)) for f in self.factors]
        if self.category == "combustion":
            out["formula"] = ("quantity x NCV x CC x OF x 44/12" if len(self.factors) == 3
                              else "quantity (as GJ) x CC x OF x 44/12")
        if self.region is not None:
            out["region"] = self.region
        if self.label is not None:
            out["label"] = self.label
        return out


class Intensity(NamedTuple):
    """tCO2e per unit of one denominator, or the reason it is absent."""

    name: str
    value: Decimal | None
    unit: str | None
    denominator_quantity: str | None  # as given
    denominator_unit: str | None  # as given
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.value is None:
            return {"absent": True, "reason": self.reason}
        return {
            "value": decimal_str(self.value),
            "unit": self.unit,
            "denominator": {"quantity": self.denominator_quantity,
                            "unit": self.denominator_unit},
        }


class Result(NamedTuple):
    """Emissions and intensities of one enterprise-period, with full provenance."""

    enterprise: Mapping[str, str]
    period_start: str
    period_end: str
    factor_set_version: str
    factor_set_digest: str
    inputs_digest: str
    rows: tuple[tuple[Any, ...], ...]  # one LineResult's fields per line (see lines)
    category_x12: Mapping[str, Decimal]  # exact sums, 12 x tCO2e (see _factors)
    scope1_tco2e: Decimal
    scope2_tco2e: Decimal
    total_tco2e: Decimal
    biomass_tco2e: Decimal
    intensities: Mapping[str, Intensity]
    data_year: int  # the period's calendar year = the factor set's grid data year

    @property
    def lines(self) -> tuple[LineResult, ...]:
        """The activity lines with the factors they used and their emissions."""
        make = LineResult._make
        return tuple(make(row) for row in self.rows)

    @property
    def by_category(self) -> dict[str, Decimal]:
        """Emissions per category (signed), each rounded once from its exact sum."""
        return {k: div_round_half_up(v, _TWELVE, 3) for k, v in self.category_x12.items()}

    def factor_provenance(self) -> dict[str, dict[str, Any]]:
        """Region, data year, source document and rank of every set factor used."""
        used = dict.fromkeys(f for row in self.rows for f in row[4].factors)  # input order
        return {f.id: dict(_factor_provenance(f)) for f in used}

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": RESULT_SCHEMA,
            "factor_provenance": self.factor_provenance(),
            "enterprise": dict(self.enterprise),
            "period": {"start": self.period_start, "end": self.period_end},
            "factor_set": {"version": self.factor_set_version, "digest": self.factor_set_digest,
                           "data_year": self.data_year, "year_rule": YEAR_RULE},
            "inputs_digest": self.inputs_digest,
            "lines": [line.to_dict() for line in self.lines],
            "by_category": {k: decimal_str(v) for k, v in self.by_category.items()},
            "scope1_tco2e": decimal_str(self.scope1_tco2e),
            "scope2_tco2e": decimal_str(self.scope2_tco2e),
            "total_tco2e": decimal_str(self.total_tco2e),
            "biomass_tco2e": decimal_str(self.biomass_tco2e),
            "biomass_note": "biomass CO2 is reported here and excluded from every total",
            "intensities": {k: v.to_dict() for k, v in self.intensities.items()},
            "rounding": dict(ROUNDING),
        }

    def to_json(self) -> bytes:
        """Canonical JSON bytes: identical for identical inputs on every machine."""
        # to_dict builds only str, int, bool, None, lists and dicts: no float check needed
        return encode_tree(self.to_dict()).encode("utf-8")
