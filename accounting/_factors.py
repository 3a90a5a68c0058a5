"""Factor sets: versioned, sourced emission factors, loaded once and precomputed.

A factor set is a data file (``data/factors/<version>.toml``).  Loading it
validates every factor and precomputes, for each (source, unit[, region]), one
exact decimal multiplier ``k12``: twelve times the tCO2e per unit of activity.
Twelve times, because combustion uses the CO2/C mass ratio 44/12, which has no
finite decimal; keeping every line as an exact multiple of 1/12 lets the engine
sum lines without any rounding and divide by 12 once, when it rounds a figure
for reporting.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from json.encoder import encode_basestring as _quote
from typing import Any

from ._canonical import EXACT
from ._data import Document, list_versions, load_document
from ._errors import DataFileError, UnknownVersionError
from ._units import CANONICAL, CONVERSIONS

__all__ = ["Factor", "FactorSet", "Entry", "load_factor_set", "factor_set_versions", "SOURCES"]

_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
CO2_PER_C = (Decimal(44), Decimal(12))

#: fixed sources (fuels come from the set) -> (category, scope, sign, quantity kind)
SOURCES: dict[str, tuple[str, int | None, int, str]] = {
    "electricity": ("electricity_purchased", 2, 1, "electricity"),
    "electricity_export": ("electricity_exported", 2, -1, "electricity"),
    "heat": ("heat_purchased", 2, 1, "heat"),
    "heat_export": ("heat_exported", 2, -1, "heat"),
}
#: sources whose factor is given on the input line -> (category, scope)
EXPLICIT_SOURCES: dict[str, tuple[str, int | None]] = {
    "process": ("process", 1),
    "biomass": ("biomass", None),
}
_STATE_KIND = {"solid": "mass", "liquid": "mass", "gas": "gas_volume"}


@dataclass(frozen=True, slots=True)
class Factor:
    """One published factor with its provenance."""

    id: str
    value: Decimal
    unit: str
    region: str
    data_year: int | str
    source: str
    rank: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "value": str(self.value),
            "unit": self.unit,
            "region": self.region,
            "data_year": self.data_year,
            "source": self.source,
            "rank": self.rank,
        }


@dataclass(frozen=True, slots=True)
class Entry:
    """Precomputed accounting of one (source, unit, region): what a line needs."""

    category: str
    scope: int | None
    k12: Decimal  # 12 x tCO2e per unit of activity, exact (negative for exports)
    factors: tuple[Factor, ...]
    conversion: Decimal  # activity unit -> the factor's unit
    canonical_unit: str  # the unit the factor is expressed per
    # the end of a plain line's canonical JSON after its quantity (inputs digest hot path)
    json_tail: str


def _tail(source: str, unit: str) -> str:
    """`","source":<source>,"unit":<unit>}` in canonical JSON (closes a line object)."""
    return '",' + '"source":' + _quote(source) + ',"unit":' + _quote(unit) + "}"


def _dec(where: str, value: Any) -> Decimal:
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise DataFileError(where, value, "a plain decimal string")
    return Decimal(value)


def _factor(doc: Document, fid: str, table: dict[str, Any], key: str = "value",
            unit_key: str = "unit") -> Factor:
    where = f"factors/{doc.version}.toml:{fid}"
    for required in ("region", "data_year", "source", key, unit_key):
        if required not in table:
            raise DataFileError(f"{where}.{required}", None, "a value", "missing")
    return Factor(
        id=fid if key == "value" else f"{fid}.{key}",
        value=_dec(f"{where}.{key}", table[key]),
        unit=str(table[unit_key]),
        region=str(table["region"]),
        data_year=table["data_year"],
        source=str(table["source"]),
        rank=str(table.get("rank", "primary")),
    )


class FactorSet:
    """A loaded factor set: its factors, provenance and precomputed entries."""

    def __init__(self, doc: Document) -> None:
        content = doc.content
        self.version = doc.version
        self.digest = doc.digest
        self.status: str = content["status"]
        self.description: str = str(content.get("description", ""))
        self.grid_data_year: int = content["grid_data_year"]
        self.supersedes: str | None = content.get("supersedes")
        self.heat = _factor(doc, "heat", content["heat"])
        self.grid = {r: _factor(doc, f"grid.{r}", t) for r, t in content.get("grid", {}).items()}
        self.fuels: dict[str, tuple[str, str, Factor, Factor, Factor]] = {}
        for name, t in content.get("fuel", {}).items():
            if not _NAME.fullmatch(name) or name in SOURCES or name in EXPLICIT_SOURCES:
                raise DataFileError(f"factors/{doc.version}.toml:fuel.{name}", name,
                                    "a new source name of [a-z0-9_]")
            if t.get("state") not in _STATE_KIND:
                raise DataFileError(
                    f"factors/{doc.version}.toml:fuel.{name}.state", t.get("state"),
                    "solid, liquid or gas",
                )
            self.fuels[name] = (
                str(t.get("name", name)),
                t["state"],
                _factor(doc, f"fuel.{name}", t, "ncv", "ncv_unit"),
                _factor(doc, f"fuel.{name}", t, "cc", "cc_unit"),
                _factor(doc, f"fuel.{name}", t, "of", "of_unit"),
            )
        # source -> unit -> Entry (fuels, heat) or source -> unit -> region -> Entry (grid)
        self.flat: dict[str, dict[str, Entry]] = {}
        self.regional: dict[str, dict[str, dict[str, Entry]]] = {}
        self._precompute()

    def _precompute(self) -> None:
        twelve = Decimal(12)
        mul = EXACT.multiply
        for source, (category, scope, sign, kind) in SOURCES.items():
            signed12 = twelve * sign
            units = CONVERSIONS[kind]
            if kind == "electricity":
                self.regional[source] = {
                    unit: {
                        region: Entry(category, scope, mul(mul(f.value, conv), signed12), (f,),
                                      conv, CANONICAL[kind], _tail(source, unit))
                        for region, f in self.grid.items()
                    }
                    for unit, conv in units.items()
                }
            else:
                f = self.heat
                self.flat[source] = {
                    unit: Entry(category, scope, mul(mul(f.value, conv), signed12), (f,), conv,
                                CANONICAL[kind], _tail(source, unit))
                    for unit, conv in units.items()
                }
        for name, (_label, state, ncv, cc, of) in self.fuels.items():
            kind = _STATE_KIND[state]
            per_gj44 = mul(mul(cc.value, of.value), CO2_PER_C[0])
            per_unit44 = mul(ncv.value, per_gj44)
            self.flat[name] = {
                unit: Entry("combustion", 1, mul(per_unit44, conv), (ncv, cc, of), conv,
                            CANONICAL[kind], _tail(name, unit))
                for unit, conv in CONVERSIONS[kind].items()
            }
            # by energy (GJ, MJ, TJ, tce): NCV not needed, two factors only
            self.flat[name].update({
                unit: Entry("combustion", 1, mul(per_gj44, conv), (cc, of), conv,
                            CANONICAL["heat"], _tail(name, unit))
                for unit, conv in CONVERSIONS["heat"].items()
            })

    def units_for(self, source: str) -> list[str]:
        """Units a source accepts in this set (empty when the source is unknown)."""
        if source in self.regional:
            return list(self.regional[source])
        return list(self.flat.get(source, {}))

    def sources(self) -> list[str]:
        return sorted([*self.regional, *self.flat, *EXPLICIT_SOURCES])

    def factor_rows(self) -> list[dict[str, Any]]:
        """Every factor of the set with its provenance, for listings."""
        rows = [self.heat.to_dict()]
        rows += [f.to_dict() for f in self.grid.values()]
        for name, (label, state, ncv, cc, of) in self.fuels.items():
            for f in (ncv, cc, of):
                row = f.to_dict()
                row["fuel"] = name
                row["fuel_name"] = label
                row["state"] = state
                rows.append(row)
        return rows

    def summary(self) -> dict[str, Any]:
        out = {
            "version": self.version,
            "digest": self.digest,
            "status": self.status,
            "grid_data_year": self.grid_data_year,
            "description": self.description,
        }
        if self.supersedes:
            out["supersedes"] = self.supersedes
        return out


@functools.lru_cache(maxsize=64)
def _load_cached(version: str) -> FactorSet:
    return FactorSet(load_document("factors", version))


def load_factor_set(version: Any) -> FactorSet:
    """Load (once per process) the factor set ``version``; raises UnknownVersionError."""
    if not isinstance(version, str):
        raise UnknownVersionError("factor_set", version, "a version name such as 'cn-2023'")
    return _load_cached(version)


def factor_set_versions() -> list[str]:
    """Factor set versions shipped in the package."""
    return list_versions("factors")
