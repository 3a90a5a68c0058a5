"""What a report says about itself must agree, beyond what a JSON Schema can state.

Run by ``validate`` after the schema: the id names the enterprise, period and version; the
energy totals are the exact sums of their months; months lie in the period; the method,
rating and data-quality sections say what the attestation says; one rating transaction per
rating. These need no ledger and no recomputation, so a report (or its PDF) that was edited
in one place is refused at once, with the field named. Recomputing the figures themselves
from the records is the verifier's part (it needs the proof bundle).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ._errors import ReportSchemaError
from ._mix import share

__all__ = ["check_consistency"]

_RATABLE = ("unmodified", "qualified")
_NOT_CONSUMED = frozenset({"electricity_export", "heat_export", "process", "biomass"})


def _same(field: str, expected: Any, found: Any, detail: str) -> None:
    if expected != found:
        raise ReportSchemaError(field, detail, expected=expected, found=found)


def _months(field: str, months: list[str], start: str, end: str) -> None:
    if months != sorted(set(months)):
        raise ReportSchemaError(field, "months must be in order, each once", found=months)
    for i, m in enumerate(months):
        if not start[:7] <= m <= end[:7]:
            raise ReportSchemaError(f"{field}[{i}].month", "a month outside the period",
                                    expected=f"{start[:7]}..{end[:7]}", found=m)


def _check_mix(mix: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    by = mix["by_source"]
    gj = [Decimal(e["gj"]) for e in by]
    total = sum(gj, Decimal(0))
    if total != Decimal(mix["total_gj"]):
        raise ReportSchemaError("energy.mix.total_gj", "is not the sum of by_source",
                                expected=str(total), found=mix["total_gj"])
    _same("energy.mix.by_source", sorted((-g, e["source"]) for g, e in zip(gj, by, strict=True)),
          [(-g, e["source"]) for g, e in zip(gj, by, strict=True)], "largest first")
    consumed = sorted({ln["source"] for ln in lines} - _NOT_CONSUMED)
    _same("energy.mix.by_source", consumed, sorted(e["source"] for e in by),
          "one entry per consumed source of emissions.lines")
    for i, (g, e) in enumerate(zip(gj, by, strict=True)):
        _same(f"energy.mix.by_source[{i}].share_percent", share(g, total),
              e["share_percent"], "gj / total_gj x 100, to 0.1")


def check_consistency(r: dict[str, Any]) -> None:
    """Raise ``ReportSchemaError`` naming the first field that disagrees."""
    start, end = r["period"]["start"], r["period"]["end"]
    rep, ent = r["report"], r["enterprise"]
    _same("report.id", f"CCR-{ent['uscc']}-{start.replace('-', '')}-{end.replace('-', '')}"
          f"-v{rep['version']}", rep["id"], "names another enterprise, period or version")
    if (rep["version"] == 1) != (rep["supersedes"] is None):
        raise ReportSchemaError("report.supersedes", "null exactly for version 1",
                                found=rep["supersedes"])
    if rep["supersedes"] is not None:
        _same("report.supersedes.id", rep["id"][: rep["id"].rindex("-v")]
              + f"-v{rep['version'] - 1}", rep["supersedes"]["id"], "not the previous version")
    for i, s in enumerate(r["energy"]["sources"]):
        base = f"energy.sources[{i}]"
        _months(f"{base}.months", [m["month"] for m in s["months"]], start, end)
        total = sum((Decimal(m["quantity"]) for m in s["months"]), Decimal(0))
        if total != Decimal(s["total"]):
            raise ReportSchemaError(f"{base}.total", "is not the sum of the months",
                                    expected=str(total), found=s["total"])
    _check_mix(r["energy"]["mix"], r["emissions"]["lines"])
    _same("energy.sources", sorted(s["source"] for s in r["energy"]["sources"]),
          [s["source"] for s in r["energy"]["sources"]], "sources in order")
    _months("emissions.by_month", [m["month"] for m in r["emissions"]["by_month"]], start, end)
    lines = r["emissions"]["lines"]
    _same("emissions.lines", list(range(len(lines))), [ln["index"] for ln in lines],
          "lines in the accounting result's order")
    _same("boundary.sources", sorted({ln["source"] for ln in lines}), r["boundary"]["sources"],
          "the sources of emissions.lines")
    for i, ln in enumerate(lines):
        scope = ln["ghg_protocol_scope"]
        _same(f"emissions.lines[{i}].iso14064_category", 2 if scope == 2 else 1,
              ln["iso14064_category"], "category 2 is scope 2 (imported energy), else 1")
    _same("intensities", ["output_value", "value_added", "product_output", "tax_paid"],
          [i["metric"] for i in r["intensities"]], "the four metrics, in order")
    st = r["attestation"]["statement"]
    _same("attestation.statement.enterprise.uscc", ent["uscc"], st["enterprise"]["uscc"],
          "another enterprise")
    _same("attestation.statement.period", r["period"], st["period"], "another period")
    fs = r["method"]["factor_set"]
    _same("attestation.statement.criteria.factor_set", {"version": fs["version"],
          "digest": fs["digest"]}, st["criteria"]["factor_set"], "another factor set")
    res = r["method"]["result"]
    _same("attestation.statement.result", {"version": res["version"],
          "digest": res["record_digest"]}, st["result"], "another result")
    _same("rating.attestation_opinion", st["opinion"], r["rating"]["attestation_opinion"],
          "the attestation's opinion")
    att = r["attestation"]
    _same("attestation.withdrawn", att["status"] == "withdrawn", att["withdrawn"] is not None,
          "set exactly when the status is withdrawn")
    verified = att["status"] == "valid" and st["opinion"] in _RATABLE
    _same("data_quality.pcaf_score", 1 if verified else 2, r["data_quality"]["pcaf_score"],
          "1 exactly when an unmodified or qualified attestation is in force")
    if rep["status"] == "valid" and att["status"] != "valid":
        raise ReportSchemaError("report.status", "a valid report rests on a valid attestation",
                                expected=att["status"], found=rep["status"])
    ratings = r["rating"]["ratings"]
    _same("rating.ratings", sorted(g["rule_set"]["version"] for g in ratings),
          [g["rule_set"]["version"] for g in ratings], "one per rule set, in order")
    _same("ledger.rating_tx_ids", len(ratings), len(r["ledger"]["rating_tx_ids"]),
          "one transaction per rating")
