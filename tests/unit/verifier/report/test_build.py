"""build_report: figures copied from checked records; every disagreement a named error."""

from __future__ import annotations

import copy
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

import accounting
from verifier.report import ReportError, ReportInputError, build_report, validate

from . import records
from .conftest import load


def _reseal(inputs: dict[str, Any], inner: bool = True) -> None:
    """After editing the result record, make its digests agree again (the accounting
    result's own digest too, unless ``inner`` is False)."""
    record = inputs["result"]["record"]
    if inner:
        record["result_digest"] = records.digest(record["result"])
    inputs["result"]["digest"] = records.digest(record)


def test_sample_records_build_with_their_figures(sample_inputs: dict[str, Any]) -> None:
    report = build_report(sample_inputs)
    result = load("result")["record"]["result"]
    e = report["emissions"]
    assert (e["total_tco2e"], e["scope1_tco2e"]) == (result["total_tco2e"],
                                                      result["scope1_tco2e"])
    assert e["scope2_location_based_tco2e"] == result["scope2_tco2e"]
    assert e["scope2_market_based_tco2e"] is None
    assert report["report"] == {"id": "CCR-914403001922038216-20230101-20230331-v1",
                                "version": 1, "supersedes": None, "status": "valid"}
    assert report["rating"]["ratings"][0]["label"] == load("rating")["rating"]["label"]
    assert report["attestation"]["statement"] == load("attestation")["statement"]
    assert report["data_quality"]["pcaf_score"] == 1
    assert report["ledger"]["attestation_tx_id"] == load("attestation")["attested"]["tx_id"]
    assert [m["tco2e"] for m in e["by_month"]] == [
        m["total_tco2e"] for _, m in sorted(load("monthly_totals")["months"].items())]
    assert report["method"]["result"]["record_digest"] == load("result")["digest"]
    lines = {ln["source"]: ln for ln in e["lines"]}
    assert (lines["electricity"]["ghg_protocol_scope"],
            lines["electricity"]["iso14064_category"]) == (2, 2)
    assert (lines["natural_gas"]["ghg_protocol_scope"],
            lines["natural_gas"]["iso14064_category"]) == (1, 1)


def test_build_is_deterministic(twelve_inputs: dict[str, Any]) -> None:
    assert build_report(copy.deepcopy(twelve_inputs)) == build_report(
        copy.deepcopy(twelve_inputs))


def test_energy_months_sum_to_totals(twelve_report: dict[str, Any]) -> None:
    for s in twelve_report["energy"]["sources"]:
        assert len(s["months"]) == 12
        assert sum(Decimal(m["quantity"]) for m in s["months"]) == Decimal(s["total"])
        assert s["data_source"] == "metered_by_utility"
    assert [i["metric"] for i in twelve_report["intensities"]] == [
        "output_value", "value_added", "product_output", "tax_paid"]
    absent = [i for i in twelve_report["intensities"] if i["value"] is None]
    assert [i["metric"] for i in absent] == ["product_output", "tax_paid"]


def test_green_power_reports_both_scope2_figures() -> None:
    report = build_report(records.inputs(months=12, residual_electricity=True))
    kwh = sum((Decimal(m["quantity"]) for s in report["energy"]["sources"]
               if s["source"] == "electricity" for m in s["months"]), Decimal(0))
    q = Decimal("0.001")
    # location-based: the southern grid's 2023 factor; market-based: the national residual
    assert report["emissions"]["scope2_location_based_tco2e"] == str(
        (kwh / 1000 * Decimal("0.4042")).quantize(q, ROUND_HALF_UP))
    assert report["emissions"]["scope2_market_based_tco2e"] == str(
        (kwh / 1000 * Decimal("0.6096")).quantize(q, ROUND_HALF_UP))


def test_green_power_quantity_adds_to_location_based() -> None:
    given = records.inputs(months=3, residual_electricity=True)
    without = build_report(copy.deepcopy(given))["emissions"]
    given["green_power"] = {"quantity": "100", "unit": "MWh"}
    with_green = build_report(given)["emissions"]
    assert Decimal(with_green["scope2_location_based_tco2e"]) - Decimal(
        without["scope2_location_based_tco2e"]) == Decimal("40.420")
    assert with_green["scope2_market_based_tco2e"] == without["scope2_market_based_tco2e"]


def test_green_power_without_residual_lines_is_refused(sample_inputs: dict[str, Any]) -> None:
    sample_inputs["green_power"] = {"quantity": "100", "unit": "MWh"}
    with pytest.raises(ReportInputError) as exc:
        build_report(sample_inputs)
    assert exc.value.field == "green_power"


def _edit(inputs: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    cur = inputs
    for p in parts[:-1]:
        cur = cur[int(p)] if isinstance(cur, list) else cur[p]
    cur[parts[-1]] = value


@pytest.mark.parametrize(("path", "value", "field"), [
    # a figure of the result changed, its digest updated to match: recomputation catches it
    ("result.record.result.total_tco2e", "1.000", "result.result.total_tco2e"),
    ("result.record.result.lines.0.tco2e", "9.999", "result.result.lines[0].tco2e"),
    ("result.record.result_digest", "sha256:" + "0" * 64, "result.result_digest"),
    ("result.record.inputs.monthly.2023-02.total_tco2e", "1.000",
     "result.inputs.monthly.2023-02.total_tco2e"),
    ("result.record.inputs.monthly.2023-01.totals.electricity.quantity", "8448.4",
     "result.inputs.totals.totals.electricity.quantity"),
    ("result.record.kind", "carbontrust.other", "result.kind"),
    ("result.record.uscc", "91440300192203821X", "result.result.enterprise.id"),
])
def test_result_record_tampering_is_named(sample_inputs: dict[str, Any], path: str,
                                          value: Any, field: str) -> None:
    _edit(sample_inputs, path, value)
    _reseal(sample_inputs, inner=not path.endswith("result_digest"))
    with pytest.raises(ReportInputError) as exc:
        build_report(sample_inputs)
    assert exc.value.field == field, exc.value


def test_result_wrapper_digest_must_match(sample_inputs: dict[str, Any]) -> None:
    sample_inputs["result"]["record"]["salt"] = "00" * 32
    with pytest.raises(ReportInputError) as exc:
        build_report(sample_inputs)
    assert exc.value.field == "result.digest"


def test_result_change_breaks_the_attestation(sample_inputs: dict[str, Any]) -> None:
    """A consistent new result record is not the one the certifier attested."""
    sample_inputs["result"]["record"]["salt"] = "00" * 32
    _reseal(sample_inputs)
    with pytest.raises(ReportInputError) as exc:
        build_report(sample_inputs)
    assert exc.value.field == "attestation.statement.result.digest"


@pytest.mark.parametrize(("path", "value", "field"), [
    ("attestation.statement.opinion", "qualified", "attestation.signature"),
    ("attestation.statement.materiality.threshold", "1", "attestation.signature"),
    ("attestation.statement.verifier.name", "Someone Else", "attestation.signature"),
    ("attestation.statement.verifier.certificate_fingerprint", "ab" * 32,
     "attestation.statement.verifier.certificate_fingerprint"),
    ("attestation.statement.period.end", "2023-06-30", "attestation.statement.period"),
    ("attestation.statement.criteria.factor_set.version", "cn-2022.1",
     "attestation.statement.criteria.factor_set"),
    ("attestation.kind", "x", "attestation.kind"),
])
def test_attestation_tampering_is_named(sample_inputs: dict[str, Any], path: str, value: Any,
                                        field: str) -> None:
    _edit(sample_inputs, path, value)
    st = sample_inputs["attestation"]["statement"]
    sample_inputs["attestation"]["statement_digest"] = records.digest(st)
    with pytest.raises(ReportInputError) as exc:
        build_report(sample_inputs)
    assert exc.value.field == field, exc.value


def test_statement_digest_must_match(sample_inputs: dict[str, Any]) -> None:
    sample_inputs["attestation"]["statement_digest"] = "sha256:" + "1" * 64
    with pytest.raises(ReportInputError) as exc:
        build_report(sample_inputs)
    assert exc.value.field == "attestation.statement_digest"


@pytest.mark.parametrize(("path", "value", "field"), [
    ("ratings.0.rating.label", "A", "ratings[0].rating.label"),
    ("ratings.0.rating.dimensions.0.benchmark", "0.80", "ratings[0].rating.dimensions"),
    ("ratings.0.attestation.statement_digest", "sha256:" + "2" * 64,
     "ratings[0].attestation.statement_digest"),
    ("ratings.0.result.version", 2, "ratings[0].result"),
    ("ratings.0.rule_set.version", "zj-ce-2023", "ratings[0].rating.rule_set"),
    ("ratings.0.benchmark_set.digest", "sha256:" + "3" * 64,
     "ratings[0].benchmark_set.digest"),
])
def test_rating_tampering_is_named(sample_inputs: dict[str, Any], path: str, value: Any,
                                   field: str) -> None:
    _edit(sample_inputs, path, value)
    with pytest.raises(ReportInputError) as exc:
        build_report(sample_inputs)
    assert exc.value.field == field, exc.value


def test_adverse_opinion_has_no_rating() -> None:
    with pytest.raises(ReportInputError) as exc:
        build_report(records.inputs(months=2, opinion="adverse", rule_sets=("gz-ae-d1",)))
    assert exc.value.field == "attestation.statement.opinion"


def test_a_report_needs_a_rating(sample_inputs: dict[str, Any]) -> None:
    sample_inputs["ratings"] = []
    with pytest.raises(ReportInputError) as exc:
        build_report(sample_inputs)
    assert exc.value.field == "ratings"


def test_withdrawn_attestation(sample_inputs: dict[str, Any]) -> None:
    sample_inputs["attestation"]["status"] = "withdrawn"
    sample_inputs["attestation"]["withdrawn"] = {"tx_id": "tx0099", "reason": "error found"}
    with pytest.raises(ReportInputError) as exc:
        build_report(copy.deepcopy(sample_inputs))
    assert exc.value.field == "attestation.status"
    sample_inputs["report"] = {"status": "withdrawn"}
    report = build_report(sample_inputs)
    assert report["report"]["status"] == "withdrawn"
    assert report["attestation"]["withdrawn"] == {"tx_id": "tx0099", "reason": "error found"}
    assert report["data_quality"]["pcaf_score"] == 2


def test_versions_and_supersedes(sample_inputs: dict[str, Any]) -> None:
    sample_inputs["report"] = {"version": 2}
    with pytest.raises(ReportInputError) as exc:
        build_report(copy.deepcopy(sample_inputs))
    assert exc.value.field == "report.supersedes"
    prev = "CCR-914403001922038216-20230101-20230331-v1"
    sample_inputs["report"] = {"version": 2, "supersedes": {"id": prev,
                                                            "digest": "sha256:" + "a" * 64}}
    report = build_report(copy.deepcopy(sample_inputs))
    assert report["report"]["id"].endswith("-v2")
    assert report["report"]["supersedes"]["id"] == prev
    sample_inputs["report"]["supersedes"]["id"] = prev.replace("v1", "v3")
    with pytest.raises(ReportInputError) as exc:
        build_report(sample_inputs)
    assert exc.value.field == "report.supersedes.id"


def test_enterprise_record_must_agree(sample_inputs: dict[str, Any]) -> None:
    sample_inputs["enterprise"]["name"] = "Another Name Ltd."
    with pytest.raises(ReportInputError) as exc:
        build_report(sample_inputs)
    assert exc.value.field == "enterprise.name"


def test_monthly_totals_must_be_the_records(sample_inputs: dict[str, Any]) -> None:
    sample_inputs["monthly_totals"]["months"]["2023-01"]["total_tco2e"] = "3.416"
    with pytest.raises(ReportInputError) as exc:
        build_report(sample_inputs)
    assert exc.value.field == "monthly_totals.months"


def test_unknown_input_and_non_mapping(sample_inputs: dict[str, Any]) -> None:
    sample_inputs["ratingz"] = []
    with pytest.raises(ReportInputError) as exc:
        build_report(sample_inputs)
    assert exc.value.field == "ratingz"
    with pytest.raises(ReportInputError):
        build_report([])  # type: ignore[arg-type]
    with pytest.raises(ReportInputError) as exc:
        build_report({"result": "not a record"})
    assert exc.value.field == "result"


def test_missing_field_is_named(sample_inputs: dict[str, Any]) -> None:
    del sample_inputs["attestation"]["statement"]["verifier"]["certificate_fingerprint"]
    sample_inputs["attestation"]["statement_digest"] = records.digest(
        sample_inputs["attestation"]["statement"])
    with pytest.raises(ReportInputError) as exc:
        build_report(sample_inputs)
    assert exc.value.field == "attestation.statement.verifier.certificate_fingerprint"
    assert exc.value.evidence()["detail"] == "missing"


def test_ledger_checkpoint_placeholder_and_value(sample_inputs: dict[str, Any]) -> None:
    assert build_report(copy.deepcopy(sample_inputs))["ledger"]["checkpoint"] is None
    cp = {"origin": "carbontrust.audit/carbon", "size": 42, "root": "A" * 43 + "="}
    sample_inputs["ledger"] = {"channel": "carbon", "checkpoint": cp}
    report = build_report(sample_inputs)
    assert report["ledger"]["checkpoint"] == cp and report["ledger"]["channel"] == "carbon"
    validate(report)


def test_figures_recompute_independently(twelve_report: dict[str, Any],
                                         twelve_inputs: dict[str, Any]) -> None:
    """The report's total equals accounting run afresh on the energy it lists."""
    acts = [{"source": s["accounting_source"], "quantity": s["total"], "unit": s["unit"]}
            for s in twelve_report["energy"]["sources"]]
    again = accounting.compute({"enterprise": {"id": twelve_report["enterprise"]["uscc"],
                                               "region": twelve_report["enterprise"]["region"]},
                                "period": twelve_report["period"],
                                "factor_set": twelve_report["method"]["factor_set"]["version"],
                                "activity": acts})
    assert str(again.total_tco2e) == twelve_report["emissions"]["total_tco2e"]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Any:
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


# Fields no report figure depends on: ledger bookkeeping of the rating and attestation
# transactions, and the optional enterprise record's fields the report does not show.
_UNBOUND = [("ratings", 0, "rated"), ("ratings", 0, "salt"), ("ratings", 0, "rule_set",
            "activated_tx"), ("attestation", "attested", "timestamp"), ("monthly_totals",),
            ("enterprise",)]
_DELETE = object()


def test_every_single_field_mutation_is_refused_or_harmless(
        sample_inputs: dict[str, Any]) -> None:
    """Each field of every sample record deleted or replaced by another JSON type: a
    ReportError naming a field, never another exception; a report only when the field is
    bookkeeping no figure depends on, or the replacement equals the original as JSON."""
    built = 0
    for path in list(_paths(sample_inputs))[1:]:
        for repl in (_DELETE, None, [], {}, 7, "x", True, "1e5"):
            mutated = copy.deepcopy(sample_inputs)
            node: Any = mutated
            for k in path[:-1]:
                node = node[k]
            original = node[path[-1]]
            if repl is _DELETE:
                if isinstance(node, list):
                    continue
                del node[path[-1]]
            else:
                node[path[-1]] = repl
            try:
                build_report(mutated)
            except ReportError as exc:
                assert exc.field, (path, repl)
                continue
            built += 1
            unchanged = repl is not _DELETE and records.digest(repl) == records.digest(original)
            assert unchanged or any(path[:len(u)] == u for u in _UNBOUND), (path, repl)
    assert built > 0


def test_ratings_in_the_shapes_the_cli_prints(sample_inputs: dict[str, Any]) -> None:
    """`rating get` prints {"ratings": [...]}, `rating compute` one record."""
    expected = build_report(copy.deepcopy(sample_inputs))
    rating = sample_inputs.pop("ratings")[0]
    for given in ({"ratings": {"ratings": [rating]}}, {"ratings": rating}, {"rating": rating}):
        assert build_report({**copy.deepcopy(sample_inputs), **given}) == expected


def test_energy_mix_in_gj(twelve_report: dict[str, Any]) -> None:
    """Worked by hand: electricity 1,472,448.0 kWh x 3.6 MJ = 5,300.8128 GJ; natural gas
    23,220 Nm3 = 2.322 x 10^4 Nm3 x 389.31 GJ = 903.97782 GJ; coal 24.5 t x 23.204 GJ/t =
    568.498 GJ (NCVs of cn-2023.1, GB/T 32150-2015 Table B.1)."""
    mix = twelve_report["energy"]["mix"]
    assert mix == {"unit": "GJ", "total_gj": "6773.289", "by_source": [
        {"source": "electricity", "gj": "5300.813", "share_percent": "78.3"},
        {"source": "natural_gas", "gj": "903.978", "share_percent": "13.3"},
        {"source": "bituminous_coal", "gj": "568.498", "share_percent": "8.4"}]}


def test_energy_mix_leaves_out_exports_and_converts_energy_units() -> None:
    from verifier.report._mix import energy_mix

    acc = accounting.compute({
        "enterprise": {"id": "x", "region": "southern"},
        "period": {"start": "2023-01-01", "end": "2023-12-31"}, "factor_set": "cn-2023.1",
        "activity": [{"source": "heat", "quantity": "800", "unit": "MJ"},
                     {"source": "diesel", "quantity": "10", "unit": "GJ"},
                     {"source": "fuel_oil", "quantity": "1", "unit": "tce"},
                     {"source": "electricity", "quantity": "1", "unit": "MWh"},
                     {"source": "electricity_export", "quantity": "1", "unit": "MWh"}]}
    ).to_dict()
    mix = energy_mix(acc)
    assert {e["source"]: e["gj"] for e in mix["by_source"]} == {
        "fuel_oil": "29.308", "diesel": "10.000", "electricity": "3.600", "heat": "0.800"}
    assert mix["total_gj"] == "43.708"
