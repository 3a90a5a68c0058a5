"""The energy mix: each consumed source's energy in GJ and its share, from the result's lines.

Quantities come in their own units (kWh, Nm3, t), so a mix needs one unit. Each line of the
accounting result is converted with what the result itself states: its unit conversion
(``unit_conversion.multiplier`` to the factor's unit) and, for a fuel given by mass or
volume, the net calorific value (NCV) of the factor set (``fuel.<x>.ncv``, GJ per that
unit); electricity at 3.6 GJ/MWh (1 kWh = 3.6 MJ by definition; not a coal-equivalent
convention); heat and fuels given by energy are already GJ. Exports, process and biomass
lines consume no purchased or fossil energy and are left out. Arithmetic is exact; each GJ
figure is rounded once to 0.001 and each share to 0.1 percent, half away from zero (shares
are for reading and may not add up to exactly 100).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from ._errors import ReportInputError

__all__ = ["energy_mix", "share"]

_SKIP = frozenset({"electricity_export", "heat_export", "process", "biomass"})
_GJ_PER_MWH = Decimal("3.6")
_GJ_Q = Decimal("0.001")
_PCT_Q = Decimal("0.1")


def share(gj: Decimal, total: Decimal) -> str:
    """``gj`` as a percentage of ``total``, 0.1 quantum, half away from zero."""
    with localcontext() as ctx:
        ctx.prec = 100
        return str((gj * 100 / total).quantize(_PCT_Q, ROUND_HALF_UP)) if total else "0.0"


def _line_gj(line: dict[str, Any], i: int) -> Decimal:
    conv = line.get("unit_conversion") or {}
    field = f"result.result.lines[{i}]"
    try:
        q = Decimal(line["quantity"]) * Decimal(conv["multiplier"])
    except (KeyError, TypeError, ArithmeticError):
        raise ReportInputError(f"{field}.unit_conversion", "missing or not decimal",
                               found=conv) from None
    to = conv.get("to")
    ncv = [f for f in line.get("factors", []) if str(f.get("id", "")).endswith(".ncv")]
    if ncv:
        if ncv[0].get("unit") != f"GJ/{to}":
            raise ReportInputError(f"{field}.factors", "an NCV in GJ per the converted unit",
                                   expected=f"GJ/{to}", found=ncv[0].get("unit"))
        return q * Decimal(ncv[0]["value"])
    if to == "GJ":
        return q
    if to == "MWh" and line["source"] == "electricity":
        return q * _GJ_PER_MWH
    raise ReportInputError(f"{field}.unit", "no conversion to GJ for this line",
                           found=f"{line['source']} in {to}")


def energy_mix(acc: dict[str, Any]) -> dict[str, Any]:
    """``{"unit": "GJ", "total_gj", "by_source": [{"source", "gj", "share_percent"}]}``."""
    sums: dict[str, Decimal] = {}
    with localcontext() as ctx:
        ctx.prec = 100
        for i, line in enumerate(acc["lines"]):
            if line["source"] in _SKIP:
                continue
            sums[line["source"]] = sums.get(line["source"], Decimal(0)) + _line_gj(line, i)
        rounded = {s: v.quantize(_GJ_Q, ROUND_HALF_UP) for s, v in sums.items()}
        total = sum(rounded.values(), Decimal(0))
    order = sorted(rounded, key=lambda s: (-rounded[s], s))
    return {"unit": "GJ", "total_gj": str(total),
            "by_source": [{"source": s, "gj": str(rounded[s]),
                           "share_percent": share(rounded[s], total)} for s in order]}
