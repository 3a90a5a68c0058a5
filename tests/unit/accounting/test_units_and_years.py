"""Units users report in (10^4 kWh, tce; litres refused), green-power factors, factor year."""

from __future__ import annotations

import json

import pytest

import accounting
from accounting import FactorYearError, UnitError

from .util import doc, line


def total(*lines: dict, **kw) -> str:
    return str(accounting.compute(doc(list(lines), **kw)).total_tco2e)


def test_ten_thousand_kwh_is_ten_mwh():
    # 12.5 x 10^4 kWh = 125 MWh; x 0.4042 (Southern 2023) = 50.525
    assert total(line("electricity", "12.5", "10^4 kWh")) == "50.525"
    assert total(line("electricity", "125", "MWh")) == "50.525"


def test_tce_of_heat_and_of_a_fuel():
    # 1 tce = 29.3076 GJ (GB/T 2589-2020); heat: 10 tce x 29.3076 x 0.11 = 32.23836
    assert total(line("heat", "10", "tce")) == "32.238"
    # diesel by energy: 10 tce = 293.076 GJ; x 0.0202 x 0.98 = 5.801732496 tC;
    # x 44/12 = 21.273019152 -> 21.273 (no NCV)
    result = accounting.compute(doc([line("diesel", "10", "tce")]))
    assert str(result.total_tco2e) == "21.273"
    out = json.loads(result.to_json())["lines"][0]
    assert out["formula"] == "quantity (as GJ) x CC x OF x 44/12"
    assert [f["id"] for f in out["factors"]] == ["fuel.diesel.cc", "fuel.diesel.of"]
    assert out["unit_conversion"] == {"from": "tce", "to": "GJ", "multiplier": "29.3076"}


def test_litres_are_refused_for_fuels_without_a_sourced_density():
    with pytest.raises(UnitError) as caught:
        accounting.compute(doc([line("gasoline", "1000", "litres")]))
    assert "density" in caught.value.detail and "gasoline" in caught.value.detail


def test_tce_is_not_a_unit_of_electricity():
    with pytest.raises(UnitError) as caught:
        accounting.compute(doc([line("electricity", "1", "tce")]))
    assert "tce measures heat, not electricity" in str(caught.value)


@pytest.mark.parametrize(("factor_set", "region", "expected"), [
    # 1000 MWh x the MEE/NBS factor
    ("cn-2022.1", "national_residual", "585.600"),  # 0.5856, excl. market-traded non-fossil
    ("cn-2022.1", "national_fossil", "832.500"),    # 0.8325, fossil-fuel electricity
    ("cn-2023.1", "national_residual", "609.600"),  # 0.6096
    ("cn-2023.1", "national_fossil", "827.300"),    # 0.8273
])
def test_green_power_purchasers_select_the_residual_or_fossil_factor(factor_set, region,
                                                                     expected):
    # a line's region picks the factor; the enterprise keeps its own grid region
    got = total(line("electricity", "1000", "MWh", region=region), factor_set=factor_set)
    assert got == expected


def test_year_mismatch_is_refused_with_the_sets_that_fit():
    d = doc([line("electricity", "1", "MWh")], factor_set="cn-2021.1",
            period={"start": "2023-01-01", "end": "2023-12-31"})
    with pytest.raises(FactorYearError) as caught:
        accounting.compute(d)
    assert (caught.value.field, caught.value.value) == ("factor_set", "cn-2021.1")
    assert "cn-2023, cn-2023.1" in caught.value.expected
    with pytest.raises(FactorYearError):
        accounting.rate(dict(d, rule_sets=["zj-ce-2023"]))
    with pytest.raises(FactorYearError):
        accounting.verify_result(d, b"{}")


def test_period_across_two_years_is_refused_not_split():
    d = doc([line("electricity", "1", "MWh")], factor_set="cn-2022.1",
            period={"start": "2022-10-01", "end": "2023-03-31"})
    with pytest.raises(FactorYearError) as caught:
        accounting.compute(d)
    assert caught.value.field == "period.end" and "split" in caught.value.detail


def test_a_year_without_a_shipped_set_says_none_is_shipped():
    d = doc([line("electricity", "1", "MWh")], factor_set="cn-2023.1",
            period={"start": "2024-01-01", "end": "2024-12-31"})
    with pytest.raises(FactorYearError) as caught:
        accounting.compute(d)
    assert "none is shipped" in caught.value.expected


def test_result_states_the_year_and_the_rule():
    out = json.loads(accounting.compute(doc([line("heat", "1", "GJ")],
                                            factor_set="cn-2022.1")).to_json())
    assert out["factor_set"]["data_year"] == 2022
    assert "refused, not split" in out["factor_set"]["year_rule"]
    assert out["period"] == {"start": "2022-01-01", "end": "2022-12-31"}
