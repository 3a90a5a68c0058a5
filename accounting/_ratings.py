"""Ratings: an enterprise-period against industry benchmarks, a person by percentile.

Enterprise schemes (``benchmark_bands``): for each dimension of the rule set the
first available intensity among its metrics is compared with the industry's
benchmark for that metric (units must match); the band is decided exactly, and
``combine = "worst"`` takes the worst band over the rated dimensions.  A
dimension without its denominator or benchmark is reported as not rated, with
the reason; a rating with no rated dimension has no label, and says why.

Personal scheme (``percentile_bands``): reduction = sum of (baseline - actual)
over behaviours; share = (members of the comparison population with a strictly
greater reduction) / population size; the first band with share below (or at,
if inclusive) its bound wins.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from ._canonical import (
    EXACT,
    canonical_json,
    decimal_str,
    div_round_half_up,
    encode_tree,
    sha256_digest,
)
from ._emissions import compute_with_head
from ._errors import InputError, MissingFactorError, QuantityError, RatingError
from ._inputs import parse_head
from ._result import Result
from ._rules import BenchmarkSet, RuleSet, load_benchmark_set, load_rule_set
from ._text import id_problem

__all__ = [
    "DEFAULT_RULE_SETS",
    "DEFAULT_BENCHMARK_SET",
    "DEFAULT_PERSONAL_RULE_SET",
    "DimensionRating",
    "Rating",
    "RatedResult",
    "PersonalRating",
    "rate",
    "rate_result",
    "rate_personal",
]

DEFAULT_RULE_SETS = ("zj-ce-2023", "qz-4c-d1", "gz-ae-d1")
DEFAULT_BENCHMARK_SET = "cn-illustrative-1"
DEFAULT_PERSONAL_RULE_SET = "personal-3g-d1"
_SIGNED = re.compile(r"-?[0-9]{1,18}(?:\.[0-9]{1,12})?")


class DimensionRating(NamedTuple):
    name: str
    metric: str | None
    intensity: Decimal | None
    benchmark: Decimal | None
    unit: str | None
    label: str | None
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        if self.label is None:
            return {"name": self.name, "rated": False, "reason": self.reason}
        assert self.intensity is not None and self.benchmark is not None
        return {
            "name": self.name,
            "rated": True,
            "metric": self.metric,
            "intensity": decimal_str(self.intensity),
            "benchmark": decimal_str(self.benchmark),
            "unit": self.unit,
            "ratio": decimal_str(div_round_half_up(self.intensity, self.benchmark, 4)),
            "label": self.label,
        }


class Rating(NamedTuple):
    rule_set: RuleSet
    industry: str
    label: str | None
    dimensions: tuple[DimensionRating, ...]
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        rs = self.rule_set
        return {
            "rule_set": {"version": rs.version, "digest": rs.digest},
            "scheme": rs.name,
            "sourced": rs.sourced,
            "source": rs.source,
            "bands": [b.describe() for b in rs.bands],
            "combine": rs.combine,
            "industry": self.industry,
            "label": self.label,
            "reason": self.reason,
            "dimensions": [d.to_dict() for d in self.dimensions],
        }


class RatedResult(NamedTuple):
    result: Result
    benchmark_set: BenchmarkSet
    ratings: tuple[Rating, ...]

    def to_dict(self) -> dict[str, Any]:
        out = self.result.to_dict()
        bs = self.benchmark_set
        out["benchmark_set"] = {"version": bs.version, "digest": bs.digest,
                                "sourced": bs.sourced, "source": bs.source}
        out["ratings"] = [r.to_dict() for r in self.ratings]
        return out

    def to_json(self) -> bytes:
        return encode_tree(self.to_dict()).encode("utf-8")  # our own tree: no floats


def rate_result(result: Result, rule_set: RuleSet, benchmarks: BenchmarkSet,
                industry: str) -> Rating:
    """Rate a computed result with one enterprise rule set (pure; the verifier's entry)."""
    if rule_set.scheme != "benchmark_bands":
        raise RatingError("rule_sets", rule_set.version, "an enterprise rule set",
                          f"{rule_set.version} is a {rule_set.scheme} scheme")
    if industry not in benchmarks.industries:
        raise MissingFactorError("enterprise.industry", industry,
                                 "an industry of benchmark set " + benchmarks.version + ": "
                                 + ", ".join(sorted(benchmarks.industries)))
    refs = benchmarks.industries[industry]
    dims = []
    worst = -1
    for dim in rule_set.dimensions:
        reasons = []
        rated = None
        for metric in dim.metrics:
            intensity = result.intensities[metric]
            bench = refs.get(metric)
            if intensity.value is None:
                reasons.append(f"no {metric} denominator")
            elif bench is None:
                reasons.append(f"no {metric} benchmark for {industry}")
            elif bench.unit != intensity.unit:
                reasons.append(f"{metric} unit {intensity.unit} differs from benchmark "
                               f"unit {bench.unit}")
            else:
                index = rule_set.band_index(intensity.value, bench.value)
                worst = max(worst, index)
                rated = DimensionRating(dim.name, metric, intensity.value, bench.value,
                                        bench.unit, rule_set.bands[index].label, None)
                break
        dims.append(rated or DimensionRating(dim.name, None, None, None, None, None,
                                             "; ".join(reasons)))
    if worst < 0:
        return Rating(rule_set, industry, None, tuple(dims),
                      "no dimension could be rated")
    return Rating(rule_set, industry, rule_set.bands[worst].label, tuple(dims), None)


def rate(doc: Mapping[str, Any]) -> RatedResult:
    """Compute an enterprise-period and rate it with each requested rule set.

    ``doc["rule_sets"]`` defaults to :data:`DEFAULT_RULE_SETS` and
    ``doc["benchmark_set"]`` to :data:`DEFAULT_BENCHMARK_SET`.
    """
    head = parse_head(doc)
    industry = head.enterprise.get("industry")
    if industry is None:
        raise InputError("enterprise.industry", None, "an industry code such as 'C38'",
                         "a rating compares against the industry's benchmark")
    versions = head.rule_sets or DEFAULT_RULE_SETS
    rule_sets = [load_rule_set(v) for v in versions]
    benchmarks = load_benchmark_set(head.benchmark_set or DEFAULT_BENCHMARK_SET)
    result = compute_with_head(doc, head)
    ratings = tuple(rate_result(result, rs, benchmarks, industry) for rs in rule_sets)
    return RatedResult(result, benchmarks, ratings)


class PersonalRating(NamedTuple):
    rule_set: RuleSet
    reductions: Mapping[str, Decimal]
    reduction: Decimal
    better: int
    population: int
    label: str
    inputs_digest: str

    def to_dict(self) -> dict[str, Any]:
        rs = self.rule_set
        return {
            "rule_set": {"version": rs.version, "digest": rs.digest},
            "scheme": rs.name,
            "sourced": rs.sourced,
            "bands": [b.describe() for b in rs.bands],
            "reductions": {k: decimal_str(v) for k, v in self.reductions.items()},
            "reduction": decimal_str(self.reduction),
            "population_size": self.population,
            "strictly_better": self.better,
            "better_share": decimal_str(div_round_half_up(Decimal(self.better),
                                                          Decimal(self.population), 4)),
            "label": self.label,
            "inputs_digest": self.inputs_digest,
        }

    def to_json(self) -> bytes:
        return encode_tree(self.to_dict()).encode("utf-8")  # our own tree: no floats


def _signed(field: str, value: Any) -> Decimal:
    if isinstance(value, str) and _SIGNED.fullmatch(value):
        return Decimal(value)
    raise QuantityError(field, value, 'a decimal string such as "-1.5" or "12"')


def rate_personal(behaviours: Mapping[str, Mapping[str, str]], population: Sequence[str],
                  rule_set: str = DEFAULT_PERSONAL_RULE_SET) -> PersonalRating:
    """Three greens (or any percentile scheme) for a personal account.

    ``behaviours`` maps a behaviour name to ``{"baseline": "...", "actual": "..."}``
    (tCO2e, decimal strings); ``population`` holds the comparison group's total
    reductions as decimal strings.
    """
    rs = load_rule_set(rule_set)
    if rs.scheme != "percentile_bands":
        raise RatingError("rule_set", rule_set, "a percentile_bands rule set",
                          f"{rule_set} is a {rs.scheme} scheme")
    if not isinstance(behaviours, dict) or not behaviours:
        raise InputError("behaviours", behaviours, "a non-empty object of behaviours")
    if isinstance(population, str | bytes) or not isinstance(population, Sequence) \
            or not population:
        raise InputError("population", population, "a non-empty list of decimal strings")
    reductions = {}
    for name, entry in behaviours.items():
        problem = id_problem(name) if isinstance(name, str) else "not a string"
        if problem:
            raise InputError("behaviours", name, "behaviour names without control or "
                             "formatting characters", problem)
        if not isinstance(entry, dict) \
                or set(entry) != {"baseline", "actual"}:
            raise InputError(f"behaviours.{name}", entry, '{"baseline", "actual"}')
        baseline = _signed(f"behaviours.{name}.baseline", entry["baseline"])
        actual = _signed(f"behaviours.{name}.actual", entry["actual"])
        reductions[name] = EXACT.subtract(baseline, actual)
    total = Decimal(0)
    for value in reductions.values():
        total = EXACT.add(total, value)
    values = [_signed(f"population[{i}]", v) for i, v in enumerate(population)]
    better = sum(1 for v in values if v > total)
    size = Decimal(len(values))
    label = rs.bands[rs.band_index(Decimal(better), size)].label
    digest = sha256_digest(canonical_json({"behaviours": dict(behaviours),
                                           "population": list(population),
                                           "rule_set": rule_set}))
    return PersonalRating(rs, reductions, total, better, len(values), label, digest)
