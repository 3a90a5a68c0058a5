"""Rule sets and benchmark sets: rating thresholds and industry references as data.

A rule set (``data/rules/<version>.toml``) lists bands best first.  Each band but
the last has an ``upper`` bound and says whether that bound is inclusive; the
last band is open.  A value falls in the first band whose bound admits it.
Bounds are multipliers of a reference (an industry benchmark, or a population
size), and every comparison is exact: ``I / B <= u`` is decided as
``I <= u x B`` with B > 0, never by a rounded division.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from typing import Any, NamedTuple

from ._canonical import EXACT
from ._data import Document, list_versions, load_document
from ._errors import DataFileError, UnknownVersionError

__all__ = [
    "Band",
    "Dimension",
    "RuleSet",
    "Benchmark",
    "BenchmarkSet",
    "load_rule_set",
    "load_benchmark_set",
    "rule_set_versions",
    "benchmark_set_versions",
]

_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")
SCHEMES = ("benchmark_bands", "percentile_bands")
COMBINES = ("worst",)
METRICS = ("output_value", "value_added", "product_output", "tax_paid")



def _bool(where: str, value: Any) -> bool:
    """A TOML boolean, never a coerced string ("false" would be truthy)."""
    if type(value) is not bool:
        raise DataFileError(where, value, "true or false")
    return value

class Band(NamedTuple):
    label: str
    upper: Decimal | None  # None: the open last band
    inclusive: bool

    def admits(self, value: Decimal, reference: Decimal) -> bool:
        """Whether ``value / reference`` is within this band's upper bound (exact)."""
        if self.upper is None:
            return True
        bound = EXACT.multiply(self.upper, reference)
        return value <= bound if self.inclusive else value < bound

    def describe(self) -> str:
        if self.upper is None:
            return f"{self.label}: otherwise"
        return f"{self.label}: ratio {'<=' if self.inclusive else '<'} {self.upper}"


class Dimension(NamedTuple):
    name: str
    metrics: tuple[str, ...]  # intensities tried in order; the first available is used


def _dec(where: str, value: Any) -> Decimal:
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise DataFileError(where, value, "a non-negative plain decimal string")
    return Decimal(value)


class RuleSet:
    """A loaded rule set."""

    def __init__(self, doc: Document) -> None:
        c = doc.content
        where = f"rules/{doc.version}.toml"
        self.version = doc.version
        self.digest = doc.digest
        self.scheme: str = c.get("scheme", "")
        if self.scheme not in SCHEMES:
            raise DataFileError(f"{where}:scheme", self.scheme, " or ".join(SCHEMES))
        self.name = str(c.get("name", doc.version))
        self.source = str(c.get("source", ""))
        self.sourced = _bool(f"{where}:sourced", c.get("sourced", False))
        self.combine: str = c.get("combine", "worst")
        if self.combine not in COMBINES:
            raise DataFileError(f"{where}:combine", self.combine, " or ".join(COMBINES))
        self.dimensions = tuple(
            Dimension(str(d["name"]), tuple(d["metrics"])) for d in c.get("dimension", [])
        )
        for d in self.dimensions:
            for m in d.metrics:
                if m not in METRICS:
                    raise DataFileError(f"{where}:dimension.{d.name}", m, " or ".join(METRICS))
        if self.scheme == "benchmark_bands" and not self.dimensions:
            raise DataFileError(f"{where}:dimension", None, "at least one dimension")
        bands = []
        for i, b in enumerate(c.get("band", [])):
            upper = _dec(f"{where}:band[{i}].upper", b["upper"]) if "upper" in b else None
            if not isinstance(b.get("label"), str) or not b["label"]:
                raise DataFileError(f"{where}:band[{i}].label", b.get("label"), "a label")
            inclusive = _bool(f"{where}:band[{i}].upper_inclusive", b.get("upper_inclusive", True))
            bands.append(Band(b["label"], upper, inclusive))
        self.bands = tuple(bands)
        self._check_bands(where)

    def _check_bands(self, where: str) -> None:
        if len(self.bands) < 2 or self.bands[-1].upper is not None:
            raise DataFileError(f"{where}:band", len(self.bands),
                                "two or more bands, the last without an upper bound")
        previous: Decimal | None = None
        for i, band in enumerate(self.bands[:-1]):
            if band.upper is None or (previous is not None and band.upper <= previous):
                raise DataFileError(f"{where}:band[{i}].upper", band.upper,
                                    "a bound greater than the previous band's")
            previous = band.upper

    def band_index(self, value: Decimal, reference: Decimal) -> int:
        """Index of the first band admitting ``value / reference`` (reference > 0)."""
        for i, band in enumerate(self.bands):
            if band.admits(value, reference):
                return i
        raise AssertionError("the last band is open")  # pragma: no cover

    def summary(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "digest": self.digest,
            "scheme": self.scheme,
            "name": self.name,
            "source": self.source,
            "sourced": self.sourced,
            "bands": [b.describe() for b in self.bands],
        }


class Benchmark(NamedTuple):
    value: Decimal
    unit: str


class BenchmarkSet:
    """Industry benchmark intensities: industry code -> metric -> Benchmark."""

    def __init__(self, doc: Document) -> None:
        c = doc.content
        self.version = doc.version
        self.digest = doc.digest
        self.sourced = _bool(f"benchmarks/{doc.version}.toml:sourced", c.get("sourced", False))
        self.source = str(c.get("source", ""))
        self.industries: dict[str, dict[str, Benchmark]] = {}
        self.names: dict[str, str] = {}
        for code, table in c.get("industry", {}).items():
            self.names[code] = str(table.get("name", code))
            entries = {}
            for metric in METRICS:
                if metric in table:
                    where = f"benchmarks/{doc.version}.toml:industry.{code}.{metric}"
                    value = _dec(f"{where}.value", table[metric].get("value"))
                    if not value:
                        raise DataFileError(f"{where}.value", "0", "a positive benchmark")
                    entries[metric] = Benchmark(value, str(table[metric]["unit"]))
            self.industries[code] = entries


@functools.lru_cache(maxsize=64)
def _rule_set(version: str) -> RuleSet:
    return RuleSet(load_document("rules", version))


@functools.lru_cache(maxsize=16)
def _benchmark_set(version: str) -> BenchmarkSet:
    return BenchmarkSet(load_document("benchmarks", version))


def load_rule_set(version: Any) -> RuleSet:
    """Load (once per process) a shipped rule set; raises UnknownVersionError."""
    if not isinstance(version, str):
        raise UnknownVersionError("rule_set", version, "a rule-set version name")
    return _rule_set(version)


def load_benchmark_set(version: Any) -> BenchmarkSet:
    """Load (once per process) a shipped benchmark set; raises UnknownVersionError."""
    if not isinstance(version, str):
        raise UnknownVersionError("benchmark_set", version, "a benchmark-set version name")
    return _benchmark_set(version)


def rule_set_versions() -> list[str]:
    return list_versions("rules")


def benchmark_set_versions() -> list[str]:
    return list_versions("benchmarks")
