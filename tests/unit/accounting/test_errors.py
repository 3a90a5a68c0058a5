"""Bad input is refused with a typed error naming the field and the value."""

from __future__ import annotations

from typing import Any

import pytest

import accounting
from accounting import (
    FactorYearError,
    InputError,
    MissingFactorError,
    PeriodError,
    QuantityError,
    UnitError,
    UnknownSourceError,
    UnknownVersionError,
)

from .util import doc, line

E = line("electricity", "10", "MWh")


def with_line(**changes: Any) -> dict[str, Any]:
    bad = dict(E, **changes)
    return doc([E, bad])


CASES = [
    ("label null", with_line(label=None), InputError, "activity[1].label", None),
    ("label blank", with_line(label="  "), InputError, "activity[1].label", "  "),
    ("unknown source", with_line(source="nuclear_fusion"), UnknownSourceError,
     "activity[1].source", "nuclear_fusion"),
    ("unknown unit", with_line(unit="furlong"), UnitError, "activity[1].unit", "furlong"),
    ("kg of electricity", with_line(unit="kg"), UnitError, "activity[1].unit", "kg"),
    ("MWh of coal", doc([line("bituminous_coal", "1", "MWh")]), UnitError,
     "activity[0].unit", "MWh"),
    ("litres of diesel (no sourced density)", doc([line("diesel", "100", "L")]), UnitError,
     "activity[0].unit", "L"),
    ("2021 factor set for a 2023 period",
     doc([E], factor_set="cn-2021", period={"start": "2023-01-01", "end": "2023-12-31"}),
     FactorYearError, "factor_set", "cn-2021"),
    ("2023 factor set for a 2022 period",
     doc([E], factor_set="cn-2023.1", period={"start": "2022-01-01", "end": "2022-12-31"}),
     FactorYearError, "factor_set", "cn-2023.1"),
    ("period across two years",
     doc([E], factor_set="cn-2022", period={"start": "2022-07-01", "end": "2023-06-30"}),
     FactorYearError, "period.end", "2023-06-30"),
    ("negative", with_line(quantity="-5"), QuantityError, "activity[1].quantity", "-5"),
    ("non-numeric", with_line(quantity="ten"), QuantityError, "activity[1].quantity", "ten"),
    ("NaN", with_line(quantity="NaN"), QuantityError, "activity[1].quantity", "NaN"),
    ("Infinity", with_line(quantity="Infinity"), QuantityError, "activity[1].quantity",
     "Infinity"),
    ("binary float", with_line(quantity=12.5), QuantityError, "activity[1].quantity", 12.5),
    ("JSON integer", with_line(quantity=12), QuantityError, "activity[1].quantity", 12),
    ("exponent", with_line(quantity="1e3"), QuantityError, "activity[1].quantity", "1e3"),
    ("underscore", with_line(quantity="1_000"), QuantityError, "activity[1].quantity",
     "1_000"),
    ("too many decimals", with_line(quantity="0.1234567890123"), QuantityError,
     "activity[1].quantity", "0.1234567890123"),
    ("bad date", doc([E], period={"start": "2023-02-30", "end": "2023-12-31"}), PeriodError,
     "period.start", "2023-02-30"),
    ("not ISO", doc([E], period={"start": "01/01/2023", "end": "2023-12-31"}), PeriodError,
     "period.start", "01/01/2023"),
    ("end before start", doc([E], period={"start": "2023-12-31", "end": "2023-01-01"}),
     PeriodError, "period.end", "2023-01-01"),
    ("unknown factor set", doc([E], factor_set="cn-1999"), UnknownVersionError, "factor_set",
     "cn-1999"),
    ("path in version", doc([E], factor_set="../rules/zj-ce-2023"), UnknownVersionError,
     "factor_set", "../rules/zj-ce-2023"),
    ("no grid factor for region", doc([E], region="atlantis"), MissingFactorError,
     "enterprise.region", "atlantis"),
    ("no region at all", doc([E], region=None), InputError, "enterprise.region", None),
    ("typo in a field", with_line(quantitiy="1"), InputError, "activity[1].quantitiy", "1"),
    ("unknown top-level key", doc([E], extra=1), InputError, "input.extra", 1),
    ("missing quantity", doc([{"source": "heat", "unit": "GJ"}]), InputError,
     "activity[0].quantity", None),
    ("factor on a fuel line", with_line(factor={"value": "1"}), InputError,
     "activity[1].factor", {"value": "1"}),
    ("process without factor", doc([line("process", "1", "t")]), InputError,
     "activity[0].factor", None),
    ("process factor unit mismatch",
     doc([line("process", "1", "t", factor={"value": "1", "unit": "tCO2/kg", "source": "x"})]),
     UnitError, "activity[0].factor.unit", "tCO2/kg"),
    ("zero denominator", doc([E], denominators={"tax_paid": {"quantity": "0",
                                                               "unit": "CNY"}}),
     QuantityError, "denominators.tax_paid.quantity", "0"),
    ("money unit", doc([E], denominators={"value_added": {"quantity": "1", "unit": "USD"}}),
     UnitError, "denominators.value_added.unit", "USD"),
    ("activity not a list", dict(doc(), activity={"a": 1}), InputError, "activity",
     {"a": 1}),
    ("line not an object", doc(["electricity"]), InputError, "activity[0]", "electricity"),
]


@pytest.mark.parametrize(("what", "bad", "error", "field", "value"), CASES,
                         ids=[c[0] for c in CASES])
def test_bad_input_names_field_and_value(what, bad, error, field, value):
    with pytest.raises(error) as caught:
        accounting.compute(bad)
    assert caught.value.field == field, what
    assert caught.value.value == value
    message = str(caught.value)
    assert field in message and repr(value) in message and "expected" in message
    evidence = caught.value.evidence()
    assert evidence["error"] == error.__name__ and evidence["field"] == field


def test_unit_of_another_kind_says_so():
    with pytest.raises(UnitError) as caught:
        accounting.compute(with_line(unit="kg"))
    assert "kg measures mass, not electricity" in str(caught.value)


def test_unknown_rule_set_and_benchmark_set():
    with pytest.raises(UnknownVersionError) as caught:
        accounting.rate(doc([E], rule_sets=["zz-9"]))
    assert (caught.value.field, caught.value.value) == ("rule_set", "zz-9")
    with pytest.raises(UnknownVersionError):
        accounting.rate(doc([E], benchmark_set="nope"))


def test_unknown_industry_for_rating():
    with pytest.raises(MissingFactorError) as caught:
        accounting.rate(doc([E], industry="Z99"))
    assert (caught.value.field, caught.value.value) == ("enterprise.industry", "Z99")


def test_every_error_is_a_value_error_subclass():
    assert issubclass(accounting.AccountingError, ValueError)
    for cls in (InputError, UnitError, QuantityError, PeriodError, UnknownSourceError,
                UnknownVersionError, MissingFactorError, accounting.DataFileError,
                accounting.RatingError):
        assert issubclass(cls, accounting.AccountingError)


def test_inputs_digest_covers_every_key_and_refuses_floats():
    d = doc([E])
    assert accounting.inputs_digest(d) == accounting.compute(d).inputs_digest
    assert accounting.inputs_digest(dict(d, note="x")) != accounting.inputs_digest(d)
    with pytest.raises(TypeError, match="binary float"):
        accounting.inputs_digest(doc([dict(E, quantity=1.5)]))


def test_label_longer_than_200_characters_is_refused():
    with pytest.raises(InputError) as caught:
        accounting.compute(with_line(label="x" * 201))
    assert caught.value.field == "activity[1].label" and "200" in str(caught.value)
    assert accounting.compute(with_line(label="x" * 200)).lines[1].label == "x" * 200
