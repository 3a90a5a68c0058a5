"""``build_report(inputs)``: the standardized carbon credit report from the ledger's records.

``inputs`` (a mapping; the records exactly as ``results get``, ``attestation get`` and
``rating get`` print them, docs/results.md):

* ``result``: the result record (its ``inputs.monthly`` gives energy and emissions by month);
* ``attestation``: the attestation record;
* ``ratings``: the rating records, one per rule set: a list, or ``{"ratings": [...]}`` as
  ``rating get`` prints them, or one record as ``rating compute`` prints it (``rating`` is
  accepted as the key too);
* ``enterprise`` (optional): the enterprise record; when given it must agree with the
  result's copy (the name, the industry, the region);
* ``report`` (optional): ``{"version": 1, "supersedes": null | {"id", "digest"},
  "status": "valid" | "withdrawn" | "superseded"}``;
* ``ledger`` (optional): ``{"channel", "checkpoint": {"origin", "size", "root"}}``;
* ``green_power`` (optional): ``{"quantity", "unit"}`` of green power bought, when the
  result prices the rest of the grid electricity at the national residual factor.

Every figure is copied from the records after they are checked against each other
(``_records``); the one figure computed here, location-based scope 2 when green power was
bought, comes from ``accounting`` with the same factor set, so anyone can recompute it.
The document is validated against the published schema before it is returned.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import accounting

from . import _records as rec
from ._errors import ReportInputError
from ._mix import energy_mix
from ._schema import SCHEMA_NAME, validate

__all__ = ["build_report", "report_id"]

_INPUT_KEYS = frozenset({"result", "attestation", "ratings", "rating", "enterprise", "report",
                         "ledger", "green_power", "monthly_totals"})
_METRICS = ("output_value", "value_added", "product_output", "tax_paid")
_RESIDUAL = frozenset({"national_residual", "national_fossil"})
_RATABLE = frozenset({"unmodified", "qualified"})


def report_id(uscc: str, start: str, end: str, version: int) -> str:
    return f"CCR-{uscc}-{start.replace('-', '')}-{end.replace('-', '')}-v{version}"


def _report_section(inputs: Mapping[str, Any], uscc: str, period: dict[str, str],
                    att_status: str) -> dict[str, Any]:
    opts = inputs.get("report") or {}
    if not isinstance(opts, dict) or set(opts) - {"version", "supersedes", "status"}:
        raise ReportInputError("report", "must be {version, supersedes, status}", found=opts)
    version = opts.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ReportInputError("report.version", "an integer from 1", found=version)
    supersedes = opts.get("supersedes")
    if (version == 1) != (supersedes is None):
        raise ReportInputError("report.supersedes", "null for version 1, else the previous "
                               "version's {id, digest}", found=supersedes)
    if supersedes is not None:
        prev = report_id(uscc, period["start"], period["end"], version - 1)
        if not isinstance(supersedes, dict) or supersedes.get("id") != prev:
            raise ReportInputError("report.supersedes.id", "the previous version",
                                   expected=prev, found=supersedes)
    status = opts.get("status", "valid")
    if status == "valid" and att_status != "valid":
        raise ReportInputError("attestation.status", "a valid report cannot rest on an "
                               "attestation that is not valid", expected="valid",
                               found=att_status)
    return {"id": report_id(uscc, period["start"], period["end"], version),
            "version": version, "supersedes": supersedes, "status": status}


def _enterprise(inputs: Mapping[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    ent = rec.get(result, "result.enterprise", dict)
    given = inputs.get("enterprise")
    if given is not None:
        for k in ("uscc", "name", "industry", "region"):
            rec.same(f"enterprise.{k}", ent.get(k), rec.get(given, f"enterprise.{k}"),
                     "differs from the result record's copy")
    if ent.get("uscc") != result["uscc"]:
        raise ReportInputError("result.enterprise.uscc", "another enterprise",
                               expected=result["uscc"], found=ent.get("uscc"))
    return {"uscc": result["uscc"], "name": rec.get(result, "result.enterprise.name", str),
            "industry": {"classification": "GB/T 4754-2017",
                         "code": rec.get(result, "result.enterprise.industry", str)},
            "region": rec.get(result, "result.enterprise.region", str)}


def _energy(result: dict[str, Any]) -> dict[str, Any]:
    totals = result["inputs"]["totals"]["totals"]
    monthly = result["inputs"]["monthly"]
    source_map = rec.get(result, "result.source_map", dict)
    sources = []
    for source in sorted(totals):
        months = []
        for month in sorted(monthly):
            t = monthly[month]["totals"].get(source)
            if t is not None:
                months.append({"month": month, "quantity": t["quantity"],
                               "readings": t.get("readings", 0)})
        if source not in source_map:
            raise ReportInputError(f"result.source_map.{source}", "missing")
        sources.append({"source": source, "accounting_source": source_map[source],
                        "unit": totals[source]["unit"], "data_source": "metered_by_utility",
                        "months": months, "total": totals[source]["quantity"]})
    return {"sources": sources}


def _location_based_scope2(result: dict[str, Any], acc: dict[str, Any],
                           green: Any) -> tuple[str, str | None]:
    """(location-based, market-based or None) scope 2."""
    acc_input = result["accounting_input"]
    residual = [i for i, line in enumerate(acc_input.get("activity", []))
                if line.get("source") == "electricity" and line.get("region") in _RESIDUAL]
    if not residual:
        if green is not None:
            raise ReportInputError("green_power", "given, but the result prices no grid "
                                   "electricity at the residual factor (no market-based "
                                   "figure to report)")
        return acc["scope2_tco2e"], None
    doc = copy.deepcopy(acc_input)
    for i in residual:
        del doc["activity"][i]["region"]
    if green is not None:
        if not isinstance(green, dict) or set(green) != {"quantity", "unit"}:
            raise ReportInputError("green_power", "must be {quantity, unit}", found=green)
        doc["activity"].append({"source": "electricity", "quantity": green["quantity"],
                                "unit": green["unit"], "label": "green power"})
    doc.pop("rule_sets", None)
    doc.pop("benchmark_set", None)
    try:
        location = accounting.compute(doc)
    except accounting.AccountingError as exc:
        raise ReportInputError(f"green_power.{exc.field}" if green is not None else "result",
                               f"location-based scope 2: {exc.detail}") from None
    return str(location.scope2_tco2e), acc["scope2_tco2e"]


def _emissions(result: dict[str, Any], acc: dict[str, Any], green: Any) -> dict[str, Any]:
    lines = []
    for line in acc["lines"]:
        out = {"index": line["index"], "source": line["source"], "quantity": line["quantity"],
               "unit": line["unit"], "tco2e": line["tco2e"],
               "ghg_protocol_scope": line["scope"],
               "iso14064_category": 2 if line["scope"] == 2 else 1,
               "factors": [dict(f) for f in line["factors"]]}
        if "region" in line:
            out["region"] = line["region"]
        lines.append(out)
    location, market = _location_based_scope2(result, acc, green)
    monthly = result["inputs"]["monthly"]
    by_month = [{"month": m,
                 "tco2e": rec.get(result, f"result.inputs.monthly.{m}.total_tco2e", str)}
                for m in sorted(monthly)]
    return {"lines": lines, "by_month": by_month, "scope1_tco2e": acc["scope1_tco2e"],
            "scope2_location_based_tco2e": location, "scope2_market_based_tco2e": market,
            "total_tco2e": acc["total_tco2e"], "biomass_tco2e": acc["biomass_tco2e"]}


def _intensities(acc: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for metric in _METRICS:
        i = acc["intensities"].get(metric, {"absent": True})
        if i.get("absent"):
            out.append({"metric": metric, "value": None, "unit": None, "denominator": None})
        else:
            out.append({"metric": metric, "value": i["value"], "unit": i["unit"],
                        "denominator": dict(i["denominator"])})
    return out


def _ratings(inputs: Mapping[str, Any], result: dict[str, Any], att: dict[str, Any],
             computed: accounting.Result) -> tuple[dict[str, Any], list[str | None]]:
    records = inputs.get("ratings", inputs.get("rating"))
    if isinstance(records, dict) and set(records) == {"ratings"}:
        records = records["ratings"]          # as `rating get` prints them
    elif isinstance(records, dict):
        records = [records]                   # one record, as `rating compute` prints it
    if not isinstance(records, list) or not records:
        raise ReportInputError("ratings", "at least one rating record (a report rests on a "
                               "rating, which rests on the attestation)")
    opinion = att["statement"]["opinion"]
    if opinion not in _RATABLE:
        raise ReportInputError("attestation.statement.opinion", "a rating needs an "
                               "unmodified or qualified opinion", found=opinion)
    benchmark = None
    out = []
    for i, r in enumerate(records):
        rec.check_rating(r, i, result, att)
        bs = rec.get(r, f"ratings[{i}].benchmark_set", dict)
        if benchmark is not None and bs != benchmark:
            raise ReportInputError(f"ratings[{i}].benchmark_set", "all ratings of a report "
                                   "use one benchmark set", expected=benchmark, found=bs)
        benchmark = bs
        industry = rec.get(r, f"ratings[{i}].industry", str)
        try:
            again = accounting.rate_result(
                computed, accounting.load_rule_set(r["rule_set"]["version"]),
                accounting.load_benchmark_set(bs.get("version")), industry).to_dict()
        except accounting.AccountingError as exc:
            raise ReportInputError(f"ratings[{i}].{exc.field}", str(exc.detail)) from None
        if again != r["rating"]:
            given = rec.get(r, f"ratings[{i}].rating", dict)
            absent = "<absent>"
            diff = sorted(k for k in set(again) | set(given)
                          if again.get(k, absent) != given.get(k, absent))
            raise ReportInputError(f"ratings[{i}].rating.{diff[0]}", "does not recompute "
                                   "with the cited rule and benchmark sets",
                                   expected=again.get(diff[0], absent),
                                   found=given.get(diff[0], absent))
        out.append((r["rule_set"]["version"], again, rec.get(r, f"ratings[{i}].rated.tx_id")))
    out.sort(key=lambda t: t[0])
    loaded = accounting.load_benchmark_set(benchmark["version"])  # type: ignore[index]
    if benchmark.get("digest") != loaded.digest:  # type: ignore[union-attr]
        raise ReportInputError("ratings[0].benchmark_set.digest", "not the digest of the "
                               "cited version", expected=loaded.digest,
                               found=benchmark.get("digest"))  # type: ignore[union-attr]
    section = {
        "benchmark_set": {"version": loaded.version, "digest": loaded.digest,
                          "sourced": loaded.sourced},
        "attestation_opinion": opinion,
        "ratings": [{"rule_set": dict(g["rule_set"]), "scheme": g["scheme"],
                     "sourced": g["sourced"], "bands": list(g["bands"]),
                     "industry": g["industry"], "label": g["label"], "reason": g["reason"],
                     "dimensions": [dict(d) for d in g["dimensions"]]}
                    for _v, g, _tx in out]}
    return section, [tx for _v, _g, tx in out]


def _data_quality(att: dict[str, Any]) -> dict[str, Any]:
    opinion = att["statement"]["opinion"]
    if att["status"] == "valid" and opinion in _RATABLE:
        return {"pcaf_score": 1, "basis": f"verified emissions (PCAF option 1a): an "
                f"ISO 14064-3 attestation, opinion {opinion}, "
                f"{att['statement']['assurance']} assurance, by "
                f"{att['statement']['verifier']['name']}, in force"}
    return {"pcaf_score": 2, "basis": "emissions computed from metered energy with published "
            "factors (PCAF option 2a), not verified: the attestation is "
            f"{att['status']}, its opinion {opinion}"}


def _ledger(inputs: Mapping[str, Any], result: dict[str, Any], att: dict[str, Any],
            rating_txs: list[str | None]) -> dict[str, Any]:
    opts = inputs.get("ledger") or {}
    if not isinstance(opts, dict) or set(opts) - {"channel", "checkpoint"}:
        raise ReportInputError("ledger", "must be {channel, checkpoint}", found=opts)
    op = result["inputs"].get("operating_data") or {}
    return {"channel": opts.get("channel"),
            "result_tx_id": rec.get(result, "result.computed.tx_id"),
            "operating_data_tx_id": op.get("tx_id"),
            "attestation_tx_id": rec.get(att, "attestation.attested.tx_id"),
            "rating_tx_ids": rating_txs,
            "checkpoint": opts.get("checkpoint")}


def _unwrap_result(given: Any) -> dict[str, Any]:
    """The result record; ``results get`` prints it as ``{"digest", "record"}``."""
    if isinstance(given, dict) and set(given) == {"digest", "record"}:
        record = given["record"]
        rec.get(given, "result.record", dict)
        if rec.digest_of(record) != given["digest"]:
            raise ReportInputError("result.digest", "is not the digest of result.record",
                                   expected=rec.digest_of(record), found=given["digest"])
        given = record
    if not isinstance(given, dict):
        raise ReportInputError("result", "must be the result record (a JSON object)")
    return given


def _check_monthly(given: Any, result: dict[str, Any]) -> None:
    """``monthly_totals`` ({"uscc", "period", "months"}), when given, is the record's own."""
    if given is None:
        return
    expected = {"uscc": result["uscc"], "period": result["period"],
                "months": result["inputs"]["monthly"]}
    if not isinstance(given, dict):
        raise ReportInputError("monthly_totals", "must be {uscc, period, months}")
    for k in sorted(set(expected) | set(given)):
        rec.same(f"monthly_totals.{k}", expected.get(k), given.get(k),
                 "differs from the result record")


def build_report(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The report document (a dict), checked against its records and the schema."""
    if not isinstance(inputs, Mapping):
        raise ReportInputError("$", "inputs must be a mapping of records")
    unknown = sorted(set(inputs) - _INPUT_KEYS)
    if unknown:
        raise ReportInputError(unknown[0], "unknown input", expected=sorted(_INPUT_KEYS))
    result = _unwrap_result(inputs.get("result"))
    acc = rec.check_result(result)
    _check_monthly(inputs.get("monthly_totals"), result)
    att = inputs.get("attestation")
    statement = rec.check_attestation(att, result)
    assert isinstance(att, dict)
    computed = accounting.compute(result["accounting_input"])
    rating, rating_txs = _ratings(inputs, result, att, computed)
    period = {"start": result["period"]["start"], "end": result["period"]["end"]}
    enterprise = _enterprise(inputs, result)
    withdrawn = att.get("withdrawn")
    report = {
        "schema": SCHEMA_NAME,
        "report": _report_section(inputs, result["uscc"], period, att["status"]),
        "enterprise": enterprise,
        "period": period,
        "boundary": {"entity": f"{enterprise['name']} (USCC {enterprise['uscc']})",
                     "consolidation": "operational_control",
                     "sources": sorted({line["source"] for line in acc["lines"]})},
        "method": {"standard": "GB/T 32150-2015", "engine": acc["schema"],
                   "factor_set": {k: acc["factor_set"][k]
                                  for k in ("version", "digest", "data_year")},
                   "inputs_digest": acc["inputs_digest"],
                   "result": {"version": result["version"],
                              "record_digest": rec.digest_of(result),
                              "accounting_digest": result["result_digest"]}},
        "energy": {**_energy(result), "mix": energy_mix(acc)},
        "emissions": _emissions(result, acc, inputs.get("green_power")),
        "intensities": _intensities(acc),
        "rating": rating,
        "attestation": {"statement": statement, "statement_digest": att["statement_digest"],
                        "signature": att["signature"],
                        "signature_algorithm": rec.get(att, "attestation.signature_algorithm"),
                        "signer_certificate": att["certificate"], "status": att["status"],
                        "withdrawn": None if withdrawn is None else
                        {"tx_id": withdrawn.get("tx_id"), "reason": withdrawn.get("reason")}},
        "data_quality": _data_quality(att),
        "ledger": _ledger(inputs, result, att, rating_txs),
    }
    validate(report)
    return report
