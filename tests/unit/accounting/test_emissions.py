"""Emissions worked by hand from the sourced formulas (GB/T 32150-2015 structure)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import accounting
from accounting import MissingFactorError

from .util import ISSUE_EXAMPLE, doc, line


def total(*lines: dict, **kw: object) -> str:
    return str(accounting.compute(doc(list(lines), **kw)).total_tco2e)  # type: ignore[arg-type]


def test_southern_grid_2022_is_386_900():
    # 1000 MWh x 0.3869 tCO2/MWh (Southern grid, data year 2022, MEE/NBS) = 386.9
    assert total(line("electricity", "1000", "MWh"), factor_set="cn-2022") == "386.900"


def test_grid_factor_follows_the_set_data_year():
    # Southern grid: 0.4326 (2021), 0.3869 (2022), 0.4042 (2023), per 1000 MWh
    got = [total(line("electricity", "1000", "MWh"), factor_set=f"cn-{y}")
           for y in (2021, 2022, 2023)]
    assert got == ["432.600", "386.900", "404.200"]


def test_bituminous_coal_by_hand():
    # 40 t x 23.204 GJ/t x 0.02618 tC/GJ x 0.93 x 44/12
    # = 22.598282784 tC x 44/12 = 82.860370208 tCO2 -> 82.860
    assert total(line("bituminous_coal", "40", "t")) == "82.860"


def test_natural_gas_by_hand_and_in_nm3():
    # 12.3 x 389.31 x 0.0153 x 0.99 = 72.531606411 tC; x 44/12 = 265.949223507 -> 265.949
    assert total(line("natural_gas", "12.3", "10^4 Nm3")) == "265.949"
    assert total(line("natural_gas", "123000", "Nm3")) == "265.949"
    assert total(line("natural_gas", "123000", "m3")) == "265.949"


def test_issue_example_breakdown():
    result = accounting.compute(ISSUE_EXAMPLE)
    # electricity 1250.5 x 0.4042 = 505.4521; heat 800 x 0.11 = 88
    assert [str(x.tco2e) for x in result.lines] == ["505.452", "265.949", "88.000", "82.860"]
    # 265.949223507 + 82.860370208 = 348.809593715, rounded once
    assert str(result.scope1_tco2e) == "348.810"
    assert str(result.scope2_tco2e) == "593.452"
    assert str(result.total_tco2e) == "942.262"
    # 942.262 / 5200 = 0.18120423... -> 0.181204 tCO2e per 10^4 CNY
    va = result.intensities["value_added"]
    assert (str(va.value), va.unit) == ("0.181204", "tCO2e/10^4 CNY")
    assert [x.scope for x in result.lines] == [2, 1, 2, 1]


def test_totals_are_rounded_once_from_exact_sums():
    # three lines of 0.0004 tCO2e each: each line shows 0.000, the total 0.001
    lines = [line("electricity", "0.001", "MWh")] * 3  # 0.001 x 0.4042 = 0.0004042
    result = accounting.compute(doc(lines))
    assert [str(x.tco2e) for x in result.lines] == ["0.000"] * 3
    assert str(result.total_tco2e) == "0.001"  # 0.0012126


def test_exports_subtract_in_scope_2():
    result = accounting.compute(doc([
        line("electricity", "100", "MWh"),
        line("electricity_export", "30", "MWh"),
        line("heat", "50", "GJ"),
        line("heat_export", "20", "GJ"),
    ]))
    # (100 - 30) x 0.4042 + (50 - 20) x 0.11 = 28.294 + 3.3
    assert str(result.scope2_tco2e) == "31.594"
    assert str(result.lines[1].tco2e) == "-12.126"
    assert str(result.by_category["heat_exported"]) == "-2.200"


def test_net_exporter_can_be_negative_and_rounds_half_away_from_zero():
    # -0.00125 x 0.4 ... use heat: 0.005 GJ exported x 0.11 = -0.00055 -> -0.001
    result = accounting.compute(doc([line("heat_export", "0.005", "GJ")]))
    assert str(result.total_tco2e) == "-0.001"
    # 0.004 GJ -> -0.00044 -> zero, printed without a sign
    result = accounting.compute(doc([line("heat_export", "0.004", "GJ")]))
    assert json.loads(result.to_json())["total_tco2e"] == "0.000"


def test_process_line_with_its_own_factor():
    process = line("process", "1000", "t clinker",
                   factor={"value": "0.525", "unit": "tCO2/t clinker", "source": "plant test"})
    result = accounting.compute(doc([process]))
    assert str(result.scope1_tco2e) == "525.000"
    out = json.loads(result.to_json())["lines"][0]
    assert out["factors"] == [{"id": "input", "value": "0.525", "unit": "tCO2/t clinker",
                               "source": "plant test"}]


def test_biomass_is_reported_and_excluded():
    bio = line("biomass", "10", "t", factor={"value": "1.5", "unit": "tCO2/t", "source": "lab"})
    result = accounting.compute(doc([bio, line("heat", "10", "GJ")]))
    assert str(result.biomass_tco2e) == "15.000"
    assert str(result.total_tco2e) == "1.100"
    assert result.lines[0].scope is None


def test_line_region_overrides_enterprise_region():
    result = accounting.compute(doc([line("electricity", "1000", "MWh", region="southwest")]))
    assert str(result.total_tco2e) == "247.200"  # 0.2472 (2023)
    assert json.loads(result.to_json())["lines"][0]["region"] == "southwest"


def test_guangdong_provincial_is_secondary_and_only_where_published():
    result = accounting.compute(doc([line("electricity", "1000", "MWh")], region="guangdong",
                                    factor_set="cn-2022"))
    assert str(result.total_tco2e) == "440.300"
    assert result.lines[0].factors[0].rank == "secondary"
    with pytest.raises(MissingFactorError) as err:
        accounting.compute(doc([line("electricity", "1000", "MWh")], region="guangdong"))
    assert err.value.field == "enterprise.region" and err.value.value == "guangdong"


def test_intensities_absent_not_zero_and_all_denominators():
    dens = {
        "output_value": {"quantity": "20000", "unit": "10^4 CNY"},
        "product_output": {"quantity": "800", "unit": "t"},
        "tax_paid": {"quantity": "3000000", "unit": "CNY"},
    }
    result = accounting.compute(doc([line("electricity", "1000", "MWh")], denominators=dens))
    got = {k: (v.value and str(v.value), v.unit) for k, v in result.intensities.items()}
    assert got == {
        "output_value": ("0.020210", "tCO2e/10^4 CNY"),  # 404.2 / 20000
        "value_added": (None, None),
        "product_output": ("0.505250", "tCO2e/t"),  # 404.2 / 800
        "tax_paid": ("1.347333", "tCO2e/10^4 CNY"),  # 404.2 / 300 = 1.3473333...
    }
    absent = json.loads(result.to_json())["intensities"]["value_added"]
    assert absent["absent"] is True and "value_added" in absent["reason"]


def test_result_names_its_factor_set_and_digests():
    result = accounting.compute(ISSUE_EXAMPLE)
    out = json.loads(result.to_json())
    # the digest recorded at release, not one recomputed from the set under test
    assert out["factor_set"] == {
        "version": "cn-2023", "data_year": 2023,
        "digest": "sha256:bff75a69e2fa31bec76bb268c6e87d78fa5f3bc5ca6244724f7c74ebbaa2088f",
        "year_rule": "the period lies in one calendar year, the grid data year of the factor "
                     "set; a mismatch or a period across two years is refused, not split"}
    assert out["inputs_digest"] == accounting.sha256_digest(
        accounting.canonical_json(ISSUE_EXAMPLE))
    assert result.to_json() == accounting.canonical_json(out)


def test_exactness_of_the_combustion_line():
    # k = NCV x CC x OF x 44 (per t); tCO2e = q x k / 12, exactly
    result = accounting.compute(doc([line("anthracite", "7", "t")]))
    exact = Decimal(7) * Decimal("24.515") * Decimal("0.02749") * Decimal("0.94") * 44
    assert result.lines[0].x12 == exact
    assert result.lines[0].tco2e == accounting.div_round_half_up(exact, Decimal(12), 3)


def test_zero_export_is_zero_not_negative_zero():
    result = accounting.compute(doc([line("heat_export", "0", "GJ")]))
    assert str(result.total_tco2e) == "0.000" and str(result.scope2_tco2e) == "0.000"
    assert str(result.lines[0].tco2e) == "0.000"
    assert b"-0.000" not in result.to_json()


def test_non_ascii_names_are_kept_verbatim_in_canonical_json():
    d = doc([line("heat", "1", "GJ", label="锅炉房 \"A\"")])
    d["enterprise"]["name"] = "广州示例制造有限公司"
    result = accounting.compute(d)
    assert result.inputs_digest == accounting.sha256_digest(accounting.canonical_json(d))
    assert "广州示例制造有限公司".encode() in result.to_json()


def test_huge_bad_value_is_cut_in_the_message():
    with pytest.raises(accounting.QuantityError) as caught:
        accounting.compute(doc([line("heat", "9" * 100_000, "GJ")]))
    assert len(str(caught.value)) < 400
