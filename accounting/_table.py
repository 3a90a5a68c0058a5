"""Readable text breakdowns of results (for people; scripts use the JSON)."""

from __future__ import annotations

from ._canonical import decimal_str
from ._ratings import RatedResult
from ._result import Result

__all__ = ["result_table", "rated_table"]


def result_table(result: Result) -> str:
    ent = result.enterprise
    out = [
        f"enterprise  {ent['id']}  industry {ent.get('industry', '-')}  "
        f"region {ent.get('region', '-')}",
        f"period      {result.period_start} .. {result.period_end}",
        f"factor set  {result.factor_set_version}  {result.factor_set_digest}",
        "",
        f"{'#':>3}  {'source':<20} {'quantity':>14} {'unit':<9} {'scope':>5} {'tCO2e':>14}",
    ]
    for line in result.lines:
        scope = "-" if line.scope is None else str(line.scope)
        out.append(f"{line.position:>3}  {line.source:<20} {line.quantity:>14} {line.unit:<9} "
                   f"{scope:>5} {decimal_str(line.tco2e):>14}")
    out.append("")
    for label, value in (("scope 1", result.scope1_tco2e), ("scope 2", result.scope2_tco2e),
                         ("total", result.total_tco2e),
                         ("biomass (excluded from totals)", result.biomass_tco2e)):
        out.append(f"{label:<32} {decimal_str(value):>14} tCO2e")
    out.append("")
    out.append("intensities")
    for name, intensity in result.intensities.items():
        if intensity.value is None:
            out.append(f"  {name:<16} absent ({intensity.reason})")
        else:
            out.append(f"  {name:<16} {decimal_str(intensity.value)} {intensity.unit}")
    out.append("")
    out.append(f"inputs digest {result.inputs_digest}")
    return "\n".join(out)


def rated_table(rated: RatedResult) -> str:
    out = [result_table(rated.result), "",
           f"benchmarks  {rated.benchmark_set.version}  {rated.benchmark_set.digest}"
           + ("" if rated.benchmark_set.sourced else "  (illustrative, not sourced)")]
    for rating in rated.ratings:
        rs = rating.rule_set
        note = "" if rs.sourced else "  (default thresholds, not sourced)"
        out.append(f"rating      {rs.name}: {rating.label or 'not rated'}{note}")
        out.append(f"            rule set {rs.version}  {rs.digest}")
        for dim in rating.dimensions:
            if dim.label is None or dim.intensity is None or dim.benchmark is None:
                out.append(f"            - {dim.name}: not rated ({dim.reason})")
            else:
                out.append(f"            - {dim.name}: {dim.label} ({dim.metric} "
                           f"{decimal_str(dim.intensity)} vs benchmark "
                           f"{decimal_str(dim.benchmark)} {dim.unit})")
    return "\n".join(out)
