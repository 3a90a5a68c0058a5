"""Emissions and intensities of an enterprise-period (GB/T 32150-2015 structure).

E_total = E_combustion + E_process + E_electricity_purchased + E_heat_purchased
          - E_electricity_exported - E_heat_exported        (biomass apart)

Each line is kept as an exact decimal multiple of 1/12 tCO2e (see
``_factors``): sums are exact, and each reported figure is divided by 12 and
rounded once, half away from zero, to 0.001 t.  Scope 1 is combustion plus
process; scope 2 is purchased electricity and heat net of exports.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from decimal import Decimal, localcontext
from json.encoder import encode_basestring as _quote
from typing import Any

from ._canonical import EXACT, canonical_json, encode_tree, sha256_digest
from ._errors import FactorYearError, InputError
from ._factors import EXPLICIT_SOURCES, Entry, FactorSet, factor_set_versions, load_factor_set
from ._inputs import (
    DENOMINATORS,
    LINE_KEYS,
    QUANTITY,
    Head,
    _text,
    diagnose_line,
    parse_explicit_factor,
    parse_head,
)
from ._result import CATEGORIES, Intensity, Result
from ._text import check_tree

__all__ = ["compute", "compute_with_head", "inputs_digest"]

_ZERO = Decimal(0)
_new = tuple.__new__  # builds a named tuple without its Python-level __new__
_ZERO3 = Decimal("0.000")
_ONE = Decimal(1)
_THOUSAND = Decimal(1000)
_TWELVE = Decimal(12)
_SIX = Decimal(6)
_MILLION = Decimal(1_000_000)
_match = QUANTITY.fullmatch
_REQUIRED = frozenset({"source", "quantity", "unit"})


def _r12(x12: Decimal) -> Decimal:
    """x12 / 12 rounded half away from zero to 0.001 (exact; EXACT context active)."""
    if x12 >= 0:
        q, r = divmod(x12 * _THOUSAND, _TWELVE)
        if r >= _SIX:
            q += 1
        return q.scaleb(-3) if q else _ZERO3  # never a negative zero (0 x an export)
    q, r = divmod(-x12 * _THOUSAND, _TWELVE)
    if r >= _SIX:
        q += 1
    return (-q).scaleb(-3) if q else _ZERO3


def inputs_digest(doc: Mapping[str, Any]) -> str:
    """sha256 of the canonical JSON of an input document (every key; floats refused)."""
    return sha256_digest(canonical_json(doc))


def _digest(doc: Mapping[str, Any], lines: list[str], head: Head) -> str:
    """The inputs digest from the canonical JSON of each line.

    On the hot path, a line with exactly source, quantity and unit, all found in
    the factor set's tables or matching the quantity pattern, is written with an
    f-string: none of its characters needs JSON escaping.  A test holds this to
    ``sha256_digest(canonical_json(doc))``.
    """
    # "activity" sorts before every other top-level key
    parts = ['{"activity":[', ",".join(lines), "]"]
    for key in _REST_KEYS:
        if key in doc:
            parts.append(f',"{key}":')
            if key == "period":
                # validated: two YYYY-MM-DD strings, nothing to escape
                parts.append(f'{{"end":"{head.end}","start":"{head.start}"}}')
            elif key == "denominators" and head.denominators_json:
                parts.append(head.denominators_json)
            else:
                parts.append(_REST_ENCODERS[key](doc[key]))
    parts.append("}")
    try:
        data = "".join(parts).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate somewhere: name its field
        check_tree(doc)
        raise InputError("input", None, "well-formed Unicode text",
                         "a string has no UTF-8 encoding") from None
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _str(value: Any) -> str:
    return _quote(value) if type(value) is str else encode_tree(value)


def _flat_object(value: Any) -> str:
    """Canonical JSON of a dict of strings (enterprise, period)."""
    if type(value) is not dict:
        return encode_tree(value)
    items = []
    for key in sorted(value):
        item = value[key]
        if type(item) is not str:
            return encode_tree(value)
        items.append(_quote(key) + ":" + _quote(item))
    return "{" + ",".join(items) + "}"


def _denominators(value: Any) -> str:
    if type(value) is not dict:
        return encode_tree(value)
    return "{" + ",".join(_quote(k) + ":" + _flat_object(value[k]) for k in sorted(value)) + "}"


def _string_list(value: Any) -> str:
    if type(value) is not list or not all(type(v) is str for v in value):
        return encode_tree(value)
    return "[" + ",".join(_quote(v) for v in value) + "]"


# canonical JSON of every top-level key but activity, in sorted key order
_REST_KEYS = ("benchmark_set", "denominators", "enterprise", "factor_set", "period",
              "rule_sets")
_REST_ENCODERS = {
    "benchmark_set": _str,
    "denominators": _denominators,
    "enterprise": _flat_object,
    "factor_set": _str,
    "period": _flat_object,
    "rule_sets": _string_list,
}


def _general_line(fs: Any, index: int, line: Any, region: str | None
                  ) -> tuple[Entry, str | None, Mapping[str, str] | None]:
    """Entry of a line with optional fields (region, factor, label); raises on error."""
    if not (isinstance(line, dict) and _REQUIRED.issubset(line) and LINE_KEYS.issuperset(line)):
        diagnose_line(fs, index, line, region)
    source = line.get("source")
    if "label" in line:
        _text(f"activity[{index}].label", line["label"])
    if isinstance(source, str) and source in EXPLICIT_SOURCES and "factor" in line \
            and "region" not in line:
        field = f"activity[{index}].factor"
        value = parse_explicit_factor(field, line["factor"], line.get("unit"))
        category, scope = EXPLICIT_SOURCES[source]
        explicit = {k: str(v) for k, v in line["factor"].items()}
        entry = Entry(category, scope, EXACT.multiply(value, _TWELVE), (), _ONE, line['unit'],
                      "")
        return entry, None, explicit
    if "factor" in line:
        diagnose_line(fs, index, line, region)
    try:
        if source in fs.regional:
            reg = line.get("region", region)
            return fs.regional[source][line["unit"]][reg], reg, None
        if "region" not in line:
            return fs.flat[source][line["unit"]], None, None
    except (KeyError, TypeError):
        pass
    diagnose_line(fs, index, line, region)


def compute(doc: Mapping[str, Any]) -> Result:
    """Emissions and intensities of one enterprise-period input document."""
    return compute_with_head(doc, parse_head(doc))


def compute_with_head(doc: Mapping[str, Any], head: Head) -> Result:
    """:func:`compute` for a document whose head :func:`parse_head` already validated."""
    fs = load_factor_set(head.factor_set)
    _check_year(head, fs)
    region = head.enterprise.get("region")
    flat, regional = fs.flat, fs.regional
    lines: list[tuple[Any, ...]] = []  # LineResult fields, built into objects on demand
    plain: list[str] = []  # canonical JSON of each line, for the inputs digest
    sums = dict.fromkeys(CATEGORIES, _ZERO)
    bio = _ZERO
    with localcontext(EXACT):
        for i, line in enumerate(doc["activity"]):
            try:
                # fast path: exactly source, quantity, unit; names from the set's tables
                if type(line) is dict and len(line) == 3:
                    qty = line["quantity"]
                    if _match(qty) is not None:
                        src = line["source"]
                        unit = line["unit"]
                        by_unit = flat.get(src)
                        if by_unit is not None:
                            entry = by_unit[unit]
                            reg = None
                        else:
                            entry = regional[src][unit][region or ""]
                            reg = region
                        x12 = Decimal(qty) * entry.k12
                        sums[entry.category] += x12  # never biomass: that needs a factor
                        plain.append('{"quantity":"' + qty + entry.json_tail)
                        lines.append((i, src, qty, unit, entry, x12, reg, None, None))
                        continue
            except (LookupError, TypeError):
                pass
            entry, reg, explicit = _general_line(fs, i, line, region)
            qty, src, unit = line["quantity"], line["source"], line["unit"]
            if not isinstance(qty, str) or _match(qty) is None:
                diagnose_line(fs, i, line, region)
            plain.append(encode_tree(line))
            x12 = Decimal(qty) * entry.k12
            if entry.category == "biomass":
                bio += x12
            else:
                sums[entry.category] += x12
            lines.append((i, src, qty, unit, entry, x12, reg, line.get("label"), explicit))
        s1 = sums["combustion"] + sums["process"]
        s2 = (sums["electricity_purchased"] + sums["electricity_exported"]
              + sums["heat_purchased"] + sums["heat_exported"])
        total = _r12(s1 + s2)
        intensities = _intensities(total, head)
        result = _new(Result, (
            head.enterprise, head.start, head.end, fs.version, fs.digest,
            _digest(doc, plain, head), tuple(lines), sums,
            _r12(s1), _r12(s2), total, _r12(bio) if bio else _ZERO3, intensities,
            fs.grid_data_year,
        ))
    return result


def _check_year(head: Head, fs: FactorSet) -> None:
    """The period lies in one calendar year, the data year of the set's grid factors.

    Refused, not split: activity lines give one quantity for the whole period,
    and only the reporter knows how it divides between years (see docs).
    """
    year = head.start[:4]
    if head.end[:4] != year:
        raise FactorYearError(
            "period.end", head.end, f"a date in {year}, the year the period starts",
            "a period lies in one calendar year, because grid factors are published per "
            "year: split the activity by year and compute each year with its own factor set")
    if int(year) != fs.grid_data_year:
        fitting = [v for v in factor_set_versions()
                   if load_factor_set(v).grid_data_year == int(year)]
        raise FactorYearError(
            "factor_set", fs.version,
            f"a factor set for data year {year}: " + (", ".join(fitting) or "none is shipped"),
            f"{fs.version} holds grid factors for {fs.grid_data_year}; the period is in {year}")


_ABSENT = {
    name: Intensity(name, None, None, None, None,
                    f"no {name} denominator given; the intensity is absent, not zero")
    for name in DENOMINATORS
}


def _intensities(total: Decimal, head: Head) -> dict[str, Intensity]:
    """Intensity = total_tco2e as reported / denominator, rounded half up to 0.000001.

    Runs inside the EXACT context: integer division with an exact remainder, as
    :func:`div_round_half_up`, inlined for the hot path.
    """
    out = dict(_ABSENT)
    if not head.denominators:
        return out
    scaled = abs(total) * _MILLION
    negative = total < 0
    for name, (value, unit, quantity, given_unit) in head.denominators.items():
        q, r = divmod(scaled, value)
        if r + r >= value:
            q += 1
        if negative and q:
            q = -q
        out[name] = _new(Intensity, (name, q.scaleb(-6), unit, quantity, given_unit, None))
    return out
