"""Carbon accounting engine: emissions, intensities and ratings anyone can recompute.

Pure and deterministic: exact decimal arithmetic, one explicit rounding per
reported figure (0.001 tCO2e, half away from zero), canonical JSON results that
name the factor set, rule set and benchmark set (version and content digest)
and a digest of the canonical inputs.  Factor sets, rule sets and benchmarks
are versioned data files shipped in ``accounting/data``.  No I/O besides reading
those files, no clock, no randomness; safe to import inside the chaincode.

Usage::

    >>> import accounting
    >>> result = accounting.compute({
    ...     "enterprise": {"id": "91440101MA5XXXXXXX", "industry": "C38",
    ...                    "region": "southern"},
    ...     "period": {"start": "2022-01-01", "end": "2022-12-31"},
    ...     "factor_set": "cn-2022",
    ...     "activity": [{"source": "electricity", "quantity": "1000", "unit": "MWh"}],
    ...     "denominators": {"value_added": {"quantity": "5200", "unit": "10^4 CNY"}}})
    >>> str(result.total_tco2e)
    '386.900'
    >>> str(result.intensities["value_added"].value)
    '0.074404'
    >>> result.to_json()[:20]
    b'{"biomass_note":"bio'
    >>> rated = accounting.rate(result_input := {
    ...     "enterprise": {"id": "x", "industry": "C38", "region": "southern"},
    ...     "period": {"start": "2022-01-01", "end": "2022-12-31"},
    ...     "factor_set": "cn-2022", "rule_sets": ["zj-ce-2023"],
    ...     "activity": [{"source": "electricity", "quantity": "1000", "unit": "MWh"}],
    ...     "denominators": {"value_added": {"quantity": "5200", "unit": "10^4 CNY"}}})
    >>> rated.ratings[0].label
    '1'

A verifier holding the inputs and a claimed result recomputes it byte for byte::

    >>> claimed = rated.to_json()
    >>> accounting.verify_result(result_input, claimed) == claimed
    True

Command line: ``python -m accounting compute FILE [--table]``, ``rate FILE``,
``rate-personal FILE``, ``factors [--set V]``, ``rules [--set V]``.
"""

from ._canonical import canonical_json, div_round_half_up, sha256_digest
from ._emissions import compute, inputs_digest
from ._errors import (
    AccountingError,
    DataFileError,
    FactorYearError,
    InputError,
    MissingFactorError,
    PeriodError,
    QuantityError,
    RatingError,
    UnitError,
    UnknownSourceError,
    UnknownVersionError,
)
from ._factors import Factor, FactorSet, factor_set_versions, load_factor_set
from ._ratings import (
    DEFAULT_BENCHMARK_SET,
    DEFAULT_PERSONAL_RULE_SET,
    DEFAULT_RULE_SETS,
    DimensionRating,
    PersonalRating,
    RatedResult,
    Rating,
    rate,
    rate_personal,
    rate_result,
)
from ._result import Intensity, LineResult, Result
from ._rules import (
    BenchmarkSet,
    RuleSet,
    benchmark_set_versions,
    load_benchmark_set,
    load_rule_set,
    rule_set_versions,
)
from ._verify import ResultMismatchError, verify_result

__all__ = [
    "compute",
    "rate",
    "rate_result",
    "rate_personal",
    "verify_result",
    "inputs_digest",
    "canonical_json",
    "sha256_digest",
    "div_round_half_up",
    "load_factor_set",
    "load_rule_set",
    "load_benchmark_set",
    "factor_set_versions",
    "rule_set_versions",
    "benchmark_set_versions",
    "Result",
    "LineResult",
    "Intensity",
    "RatedResult",
    "Rating",
    "DimensionRating",
    "PersonalRating",
    "Factor",
    "FactorSet",
    "RuleSet",
    "BenchmarkSet",
    "DEFAULT_RULE_SETS",
    "DEFAULT_BENCHMARK_SET",
    "DEFAULT_PERSONAL_RULE_SET",
    "AccountingError",
    "InputError",
    "UnknownSourceError",
    "UnitError",
    "QuantityError",
    "PeriodError",
    "FactorYearError",
    "UnknownVersionError",
    "MissingFactorError",
    "DataFileError",
    "RatingError",
    "ResultMismatchError",
]
