"""Ratings: bands exactly as each rule set says, on both sides of every threshold."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import accounting
from accounting import RatingError

from .util import doc, line

ENTERPRISE_SETS = [v for v in accounting.rule_set_versions()
                   if accounting.load_rule_set(v).scheme == "benchmark_bands"]
STEP = Decimal("0.000001")  # the intensity quantum


def reference_band(rule_set: accounting.RuleSet, value: Fraction, ref: Fraction) -> str:
    """The band by rational arithmetic, straight from the rule-set data."""
    for band in rule_set.bands:
        if band.upper is None:
            return band.label
        ratio = value / ref
        if ratio < Fraction(band.upper) or (band.inclusive and ratio == Fraction(band.upper)):
            return band.label
    raise AssertionError


def test_zhejiang_thresholds_are_the_sourced_ones():
    rs = accounting.load_rule_set("zj-ce-2023")
    assert rs.sourced and "DB33/T 1347-2023" in rs.source
    assert [(b.label, b.upper, b.inclusive) for b in rs.bands] == [
        ("1", Decimal("0.6"), True), ("2", Decimal("0.8"), True), ("3", Decimal("1.2"), True),
        ("4", Decimal("2.0"), True), ("5", None, True)]


def test_default_rule_sets_say_they_are_defaults():
    for version in ("qz-4c-d1", "gz-ae-d1", "personal-3g-d1"):
        rs = accounting.load_rule_set(version)
        assert rs.sourced is False and "default" in rs.source.lower()
    assert accounting.load_benchmark_set("cn-illustrative-1").sourced is False


@pytest.mark.parametrize("version", ENTERPRISE_SETS)
def test_both_sides_of_every_threshold(version):
    rs = accounting.load_rule_set(version)
    benchmark = Decimal("0.40")
    for i, band in enumerate(rs.bands[:-1]):
        assert band.upper is not None
        at = band.upper * benchmark
        below, above = at - STEP, at + STEP
        assert rs.bands[rs.band_index(below, benchmark)].label == band.label
        assert rs.bands[rs.band_index(at, benchmark)].label == (
            band.label if band.inclusive else rs.bands[i + 1].label)
        assert rs.bands[rs.band_index(above, benchmark)].label == rs.bands[i + 1].label


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(ENTERPRISE_SETS),
       st.decimals(min_value=Decimal("-5"), max_value=Decimal("50"), places=6),
       st.decimals(min_value=Decimal("0.01"), max_value=Decimal("20"), places=2))
def test_band_matches_rational_reference(version, value, benchmark):
    rs = accounting.load_rule_set(version)
    got = rs.bands[rs.band_index(value, benchmark)].label
    assert got == reference_band(rs, Fraction(value), Fraction(benchmark))


def zj_doc(total_mwh: str, value_added: str) -> dict:
    return doc([line("electricity", total_mwh, "MWh")], factor_set="cn-2022",
               rule_sets=["zj-ce-2023"],
               denominators={"value_added": {"quantity": value_added, "unit": "10^4 CNY"}})


@pytest.mark.parametrize(("value_added", "grade", "reported"), [
    # 1000 MWh x 0.3869 = 386.9 t; C38 benchmark L = 0.40, so K = L / 0.40 and the grade
    # is decided on L as reported (0.000001): K <= 0.6 <=> L <= 0.24, K <= 0.8 <=> L <= 0.32
    ("1612.084", "1", "0.240000"),  # 386.9 / 1612.084 = 0.23999990..., K = 0.6 exactly
    ("1612.083", "1", "0.240000"),  # 0.24000005... -> 0.240000 as reported: still K = 0.6
    ("1612.0", "2", "0.240012"),    # 0.24001240..., K just above 0.6
    ("1209.07", "2", "0.319998"),   # 0.31999801..., K just below 0.8
    ("1209.06", "3", "0.320001"),   # 0.32000066..., K just above 0.8
    ("483.625", "4", "0.800000"),   # L = 0.8 exactly, K = 2.0 exactly (inclusive)
    ("483.62", "5", "0.800008"),    # 0.80000827..., K > 2.0
])
def test_zhejiang_end_to_end_on_reported_intensity(value_added, grade, reported):
    rated = accounting.rate(zj_doc("1000", value_added))
    assert rated.ratings[0].label == grade
    # the intensity rated is the one reported, worked out by hand above
    assert str(rated.ratings[0].dimensions[0].intensity) == reported
    assert str(rated.result.intensities["value_added"].value) == reported


def test_four_colours_take_the_worst_dimension():
    dens = {"value_added": {"quantity": "1000", "unit": "10^4 CNY"},   # 0.4042 / 0.40 -> 1.0105
            "tax_paid": {"quantity": "1000", "unit": "10^4 CNY"},      # 0.4042 / 2.00
            "product_output": {"quantity": "10", "unit": "t"}}         # unit t != unit
    rated = accounting.rate(doc([line("electricity", "1000", "MWh")], denominators=dens,
                                rule_sets=["qz-4c-d1"]))
    rating = rated.ratings[0]
    dims = {d.name: d.label for d in rating.dimensions}
    assert dims == {"product": None, "economic": "yellow", "tax": "dark_green"}
    assert rating.label == "yellow"
    product = json.loads(rated.to_json())["ratings"][0]["dimensions"][0]
    assert product["rated"] is False and "differs from benchmark unit" in product["reason"]


def test_no_denominator_means_not_rated_with_reason():
    rated = accounting.rate(doc([line("electricity", "1000", "MWh")], rule_sets=["gz-ae-d1"]))
    rating = rated.ratings[0]
    assert rating.label is None and rating.reason == "no dimension could be rated"
    assert "no value_added denominator" in (rating.dimensions[0].reason or "")


def test_rated_result_cites_rule_and_benchmark_sets():
    rated = accounting.rate(zj_doc("1000", "1000"))
    out = json.loads(rated.to_json())
    rs = accounting.load_rule_set("zj-ce-2023")
    bs = accounting.load_benchmark_set("cn-illustrative-1")
    assert out["ratings"][0]["rule_set"] == {"version": rs.version, "digest": rs.digest}
    assert out["benchmark_set"]["digest"] == bs.digest
    assert out["total_tco2e"] == "386.900"


def test_enterprise_rating_refuses_a_personal_rule_set():
    with pytest.raises(RatingError):
        accounting.rate(zj_doc("1000", "1000") | {"rule_sets": ["personal-3g-d1"]})


def population(n: int) -> list[str]:
    return [str(i) for i in range(n)]  # reductions 0 .. n-1


@pytest.mark.parametrize(("reduction", "label"), [
    # population 0..9 (N = 10); share = members strictly better / 10
    ("9", "dark_green"),      # 0 better: share 0.0 < 0.10
    ("8", "medium_green"),    # 1 better: share 0.10, not < 0.10 (exclusive)
    ("8.5", "medium_green"),  # 1 better
    ("6", "medium_green"),    # 3 better: 0.30 < 0.40
    ("5", "light_green"),     # 4 better: 0.40, not < 0.40
    ("-3", "light_green"),    # everybody better
])
def test_personal_three_greens_boundaries(reduction, label):
    behaviours = {"commute": {"baseline": "10", "actual": str(10 - Decimal(reduction))}}
    rating = accounting.rate_personal(behaviours, population(10))
    assert rating.label == label
    assert rating.reduction == Decimal(reduction)


def test_personal_rating_sums_behaviours_and_cites_rule_set():
    rating = accounting.rate_personal(
        {"commute": {"baseline": "2.5", "actual": "1.0"},
         "heating": {"baseline": "1.0", "actual": "1.2"}}, ["0", "1", "2"])
    out = json.loads(rating.to_json())
    assert out["reduction"] == "1.3" and out["reductions"]["heating"] == "-0.2"
    assert out["strictly_better"] == 1 and out["better_share"] == "0.3333"
    assert out["rule_set"]["version"] == "personal-3g-d1"


def test_personal_rating_errors_name_the_field():
    with pytest.raises(accounting.QuantityError) as caught:
        accounting.rate_personal({"a": {"baseline": "1", "actual": 0.5}}, ["1"])
    assert caught.value.field == "behaviours.a.actual"
    with pytest.raises(accounting.InputError) as caught2:
        accounting.rate_personal({"a": {"baseline": "1", "actual": "0"}}, [])
    assert caught2.value.field == "population"


signed = st.decimals(min_value=Decimal("-1000"), max_value=Decimal("1000"), places=3).map(
    lambda d: format(d, "f"))
junk = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6) \
    | st.lists(st.text(max_size=3), max_size=2)
# names as people write them: any text but control, format and surrogate characters,
# which identifiers refuse (test_hostile_input covers those)
behaviour_names = st.sampled_from(["commute", "heating", "diet", "flights", "出行"]) \
    | st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")),
              min_size=1, max_size=8)


@st.composite
def personal_inputs(draw):
    """Mostly well-formed accounts (they reach the rating); one field spoiled in 1 of 5."""
    behaviours = draw(st.dictionaries(
        behaviour_names, st.fixed_dictionaries({"baseline": signed, "actual": signed}),
        min_size=1, max_size=4))
    population = draw(st.lists(signed, min_size=1, max_size=12))
    spoil = draw(st.integers(0, 9))  # 8, 9 spoil: Hypothesis favours and shrinks to 0
    if spoil == 8:
        name = draw(st.sampled_from(sorted(behaviours)))
        key = draw(st.sampled_from(["baseline", "actual", "extra"]))
        behaviours[name] = dict(behaviours[name], **{key: draw(junk)})
    elif spoil == 9:
        population[draw(st.integers(0, len(population) - 1))] = draw(junk)
    return behaviours, population


@settings(max_examples=200, deadline=None)
@given(personal_inputs())
def test_personal_rating_fuzz_gives_a_rating_or_an_accounting_error(inputs):
    behaviours, population = inputs
    try:
        rating = accounting.rate_personal(behaviours, population)
    except accounting.AccountingError as exc:
        event("refused")
        assert exc.field
    else:
        event("rated")
        reduction = sum((Decimal(e["baseline"]) - Decimal(e["actual"])
                         for e in behaviours.values()), Decimal(0))
        assert rating.reduction == reduction
        better = sum(1 for v in population if Decimal(v) > reduction)
        assert rating.better == better and rating.population == len(population)
        share = Fraction(better, len(population))
        assert rating.label == ("dark_green" if share < Fraction(1, 10) else
                                "medium_green" if share < Fraction(4, 10) else "light_green")
