"""Validation of an enterprise-period input document, with evidence on failure.

The document shape (extra keys are refused so a typo cannot be ignored)::

    {"enterprise": {"id", "industry"?, "region"?, "name"?},
     "period": {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"},
     "factor_set": "cn-2023",
     "activity": [{"source", "quantity", "unit", "region"?, "factor"?, "label"?}],
     "denominators"?: {"output_value" | "value_added" | "tax_paid" | "product_output":
                       {"quantity", "unit"}},
     "rule_sets"?: ["zj-ce-2023", ...], "benchmark_set"?: "cn-illustrative-1"}

Quantities are plain decimal strings (``"1250.5"``): at most 18 digits before
the point and 12 after, no sign, exponent, spaces or underscores.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from json.encoder import encode_basestring as _quote
from typing import Any, NamedTuple, NoReturn

from ._canonical import EXACT
from ._errors import (
    InputError,
    MissingFactorError,
    PeriodError,
    QuantityError,
    UnitError,
    UnknownSourceError,
)
from ._factors import EXPLICIT_SOURCES, FactorSet
from ._text import id_problem
from ._units import CONVERSIONS, LITRES, MONEY_UNIT, kind_of_unit

__all__ = [
    "QUANTITY",
    "DENOMINATORS",
    "Head",
    "parse_head",
    "parse_quantity",
    "parse_explicit_factor",
    "diagnose_line",
]

QUANTITY = re.compile(r"[0-9]{1,18}(?:\.[0-9]{1,12})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_FREE_UNIT = re.compile(r"[^\x00-\x1f\x7f/]{1,32}")
TOP_KEYS = frozenset(
    {"enterprise", "period", "factor_set", "activity", "denominators", "rule_sets",
     "benchmark_set"}
)
_ENTERPRISE_KEYS = frozenset({"id", "industry", "region", "name"})
_PERIOD_KEYS = frozenset({"start", "end"})
_REQUIRED_TOP = frozenset({"enterprise", "period", "factor_set", "activity"})
_DATE_MATCH = _DATE.fullmatch
_QUANTITY_MATCH = QUANTITY.fullmatch
_ISODATE = datetime.date.fromisoformat
_MONEY = CONVERSIONS["money"]
_MONEY_INTENSITY = "tCO2e/" + MONEY_UNIT
_DENOMINATOR_KEYS = frozenset({"quantity", "unit"})
LINE_KEYS = frozenset({"source", "quantity", "unit", "region", "factor", "label"})
#: denominator name -> unit of the intensity numerator per unit, in order of output
DENOMINATORS = ("output_value", "value_added", "product_output", "tax_paid")
_DENOMINATOR_SET = frozenset(DENOMINATORS)


class Head(NamedTuple):
    """The validated parts of an input other than its activity lines."""

    enterprise: Mapping[str, str]
    start: str
    end: str
    factor_set: str
    # name -> (quantity in the canonical unit, intensity unit, quantity and unit as given)
    denominators: Mapping[str, tuple[Decimal, str, str, str]]
    rule_sets: tuple[str, ...] | None
    benchmark_set: str | None
    denominators_json: str | None = None  # canonical JSON of doc["denominators"], if known


def _mapping(field: str, value: Any, keys: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):  # JSON-shaped documents only: dict, list, str
        raise InputError(field, value, "an object")
    if not keys.issuperset(value):
        unknown = sorted(str(k) for k in set(value) - keys)
        raise InputError(f"{field}.{unknown[0]}", value[unknown[0]],
                         "no such field; known: " + ", ".join(sorted(keys)))
    return value


def _text(field: str, value: Any, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise InputError(field, value, "a non-empty string of at most 200 characters")
    problem = id_problem(value)
    if problem:
        raise InputError(field, value, "text without control or formatting characters",
                         problem)
    return value


def parse_quantity(field: str, value: Any, positive: bool = False) -> Decimal:
    """A validated quantity; raises QuantityError naming the field and value."""
    if isinstance(value, str) and QUANTITY.fullmatch(value):
        quantity = Decimal(value)
        if positive and not quantity:
            raise QuantityError(field, value, "a positive decimal string", "zero divides nothing")
        return quantity
    if isinstance(value, bool) or not isinstance(value, str):
        if isinstance(value, float | int):
            raise QuantityError(field, value, 'a decimal string such as "12.5"',
                                "JSON numbers are binary floats; write the quantity in quotes")
        raise QuantityError(field, value, 'a decimal string such as "12.5"')
    try:
        parsed = Decimal(value.strip().replace("_", ""))
    except InvalidOperation:
        raise QuantityError(field, value, 'a decimal string such as "12.5"',
                            "not a number") from None
    if not parsed.is_finite():
        raise QuantityError(field, value, "a finite decimal string", "not finite")
    if parsed < 0 or value.strip().startswith("-"):
        raise QuantityError(field, value, "a non-negative decimal string", "negative")
    raise QuantityError(field, value, "plain decimal notation, at most 18 digits before the "
                        "point and 12 after, no sign, exponent, spaces or underscores")


def _date(field: str, value: Any) -> datetime.date:
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError as exc:
            raise PeriodError(field, value, "an ISO date YYYY-MM-DD", str(exc)) from None
    raise PeriodError(field, value, "an ISO date YYYY-MM-DD")


def _denominator(name: str, value: Any) -> tuple[Decimal, str, str, str]:
    field = f"denominators.{name}"
    entry = _mapping(field, value, _DENOMINATOR_KEYS)
    quantity = parse_quantity(f"{field}.quantity", entry.get("quantity"), positive=True)
    unit = entry.get("unit")
    if name == "product_output":
        if not isinstance(unit, str) or not _FREE_UNIT.fullmatch(unit):
            raise UnitError(f"{field}.unit", unit, "the product's unit, e.g. \"t\" (no '/')")
        return quantity, "tCO2e/" + unit, entry["quantity"], unit
    money = CONVERSIONS["money"]
    if not isinstance(unit, str) or unit not in money:
        raise UnitError(f"{field}.unit", unit, "one of " + ", ".join(money))
    return EXACT.multiply(quantity, money[unit]), _MONEY_INTENSITY, entry["quantity"], unit


def parse_head(doc: Any) -> Head:
    """Validate everything but the activity lines."""
    head = _fast_head(doc)
    return head if head is not None else _checked_head(doc)


def _fast_head(doc: Any) -> Head | None:
    """The hot path: accepts only what :func:`_checked_head` accepts, else None.

    None means "let the checked path decide" (it then raises with evidence, or
    accepts something this path was too cautious about).
    """
    if type(doc) is not dict or not TOP_KEYS.issuperset(doc) or not _REQUIRED_TOP.issubset(doc):
        return None
    ent = doc["enterprise"]
    period = doc["period"]
    if type(ent) is not dict or "id" not in ent or not _ENTERPRISE_KEYS.issuperset(ent) \
            or type(period) is not dict or len(period) != 2 \
            or type(doc["activity"]) is not list:
        return None
    for value in ent.values():
        if type(value) is not str or not 0 < len(value) <= 200 or value.isspace() \
                or not value.isprintable():  # printable: no Cc, Cf, Cs, Zl, Zp (id_problem)
            return None
    start = period.get("start")
    end = period.get("end")
    if type(start) is not str or type(end) is not str or _DATE_MATCH(start) is None \
            or _DATE_MATCH(end) is None or start > end:
        return None
    try:
        _ISODATE(start)
        _ISODATE(end)
    except ValueError:
        return None
    denominators: dict[str, tuple[Decimal, str, str, str]] = {}
    denominators_json = None
    if "denominators" in doc:
        raw = doc["denominators"]
        if type(raw) is not dict:
            return None
        fragments = []
        for name in sorted(raw):
            entry = raw[name]
            if name not in _DENOMINATOR_SET or type(entry) is not dict or len(entry) != 2:
                return None
            quantity = entry.get("quantity")
            unit = entry.get("unit")
            if type(quantity) is not str or _QUANTITY_MATCH(quantity) is None \
                    or type(unit) is not str:
                return None
            value = Decimal(quantity)
            if not value:
                return None
            if name == "product_output":
                if _FREE_UNIT.fullmatch(unit) is None:
                    return None
                denominators[name] = (value, "tCO2e/" + unit, quantity, unit)
            elif unit == MONEY_UNIT:
                denominators[name] = (value, _MONEY_INTENSITY, quantity, unit)
            elif unit in _MONEY:
                denominators[name] = (EXACT.multiply(value, _MONEY[unit]), _MONEY_INTENSITY,
                                      quantity, unit)
            else:
                return None
            # name, quantity: from fixed sets and the quantity pattern; nothing to escape
            fragments.append(f'"{name}":{{"quantity":"{quantity}","unit":{_quote(unit)}}}')
        denominators_json = "{" + ",".join(fragments) + "}"
    rule_sets = doc.get("rule_sets")
    if rule_sets is not None:
        if type(rule_sets) is not list or not rule_sets \
                or not all(type(v) is str for v in rule_sets):
            return None
        rule_sets = tuple(rule_sets)
    elif "rule_sets" in doc:
        return None
    benchmark_set = doc.get("benchmark_set")
    if benchmark_set is not None and (type(benchmark_set) is not str
                                      or not 0 < len(benchmark_set) <= 200
                                      or benchmark_set.isspace()
                                      or not benchmark_set.isprintable()):
        return None
    return Head(dict(ent), start, end, doc["factor_set"], denominators, rule_sets,
                benchmark_set, denominators_json)


def _checked_head(doc: Any) -> Head:
    """Field-by-field validation; raises the precise error for what is wrong."""
    doc = _mapping("input", doc, TOP_KEYS)
    for key in ("enterprise", "period", "factor_set", "activity"):
        if key not in doc:
            raise InputError(key, None, "a value", "missing")
    ent = _mapping("enterprise", doc["enterprise"], _ENTERPRISE_KEYS)
    _text("enterprise.id", ent.get("id"))
    for key in ("industry", "region", "name"):
        if key in ent:
            _text(f"enterprise.{key}", ent[key])
    period = _mapping("period", doc["period"], _PERIOD_KEYS)
    start = _date("period.start", period.get("start"))
    end = _date("period.end", period.get("end"))
    if start > end:
        raise PeriodError("period.end", period["end"], f"a date on or after {period['start']}",
                          "the period ends before it starts")
    if not isinstance(doc["activity"], list):
        raise InputError("activity", doc["activity"], "a list of activity lines")
    denominators: dict[str, tuple[Decimal, str, str, str]] = {}
    if "denominators" in doc:
        dens = _mapping("denominators", doc["denominators"], frozenset(DENOMINATORS))
        for name in DENOMINATORS:
            if name in dens:
                denominators[name] = _denominator(name, dens[name])
    rule_sets: tuple[str, ...] | None = None
    if "rule_sets" in doc:
        raw = doc["rule_sets"]
        if not isinstance(raw, list) or not raw or not all(isinstance(v, str) for v in raw):
            raise InputError("rule_sets", raw, "a non-empty list of rule-set versions")
        rule_sets = tuple(raw)
    benchmark_set = doc.get("benchmark_set")
    if benchmark_set is not None:
        _text("benchmark_set", benchmark_set)
    return Head(dict(ent), period["start"], period["end"], doc["factor_set"], denominators,
                rule_sets, benchmark_set)


def parse_explicit_factor(field: str, value: Any, unit: Any) -> Decimal:
    """The tCO2e-per-unit factor given on a process or biomass line."""
    if not isinstance(unit, str) or not _FREE_UNIT.fullmatch(unit):
        raise UnitError(f"{field[: -len('.factor')]}.unit", unit, "a unit without '/'")
    entry = _mapping(field, value, frozenset({"value", "unit", "source"}))
    factor = parse_quantity(f"{field}.value", entry.get("value"))
    expected = (f"tCO2e/{unit}", f"tCO2/{unit}")
    if entry.get("unit") not in expected:
        raise UnitError(f"{field}.unit", entry.get("unit"), " or ".join(expected),
                        "the factor's unit must fit the line's unit")
    _text(f"{field}.source", entry.get("source"))
    return factor


def diagnose_line(fs: FactorSet, index: int, line: Any, region: str | None) -> NoReturn:
    """Raise the precise error for an activity line the fast path refused."""
    field = f"activity[{index}]"
    line = _mapping(field, line, LINE_KEYS)
    for key in ("source", "quantity", "unit"):
        if key not in line:
            raise InputError(f"{field}.{key}", None, "a value", "missing")
    source = line["source"]
    if not isinstance(source, str) or (source not in EXPLICIT_SOURCES
                                       and not fs.units_for(source)):
        raise UnknownSourceError(f"{field}.source", source,
                                 "one of " + ", ".join(fs.sources()),
                                 f"factor set {fs.version}")
    parse_quantity(f"{field}.quantity", line["quantity"])
    if "label" in line:
        _text(f"{field}.label", line["label"])
    if source in EXPLICIT_SOURCES:
        if "factor" not in line:
            raise InputError(f"{field}.factor", None,
                             '{"value", "unit", "source"}', f"a {source} line needs its factor")
        if "region" in line:
            raise InputError(f"{field}.region", line["region"], "no region on a "
                             f"{source} line")
        parse_explicit_factor(f"{field}.factor", line["factor"], line["unit"])
        raise AssertionError("diagnose_line found nothing wrong")  # pragma: no cover
    if "factor" in line:
        raise InputError(f"{field}.factor", line["factor"], "no factor: the factor set's "
                         f"factor for {source} applies")
    unit = line["unit"]
    units = fs.units_for(source)
    if isinstance(unit, str) and unit in LITRES and source in fs.fuels:
        raise UnitError(f"{field}.unit", unit, f"a unit of {source}: " + ", ".join(units),
                        f"litres need a density, and factor set {fs.version} has no sourced "
                        f"density for {source}: convert with the density your supplier "
                        "states (t = L x kg/L / 1000) and give t or kg")
    if unit not in units:
        kind = kind_of_unit(unit) if isinstance(unit, str) else None
        detail = f"{unit} measures {kind}, not {source}" if kind else "unknown unit"
        raise UnitError(f"{field}.unit", unit, f"a unit of {source}: " + ", ".join(units),
                        detail)
    if source in fs.regional:
        where = f"{field}.region" if "region" in line else "enterprise.region"
        reg = line.get("region", region)
        if reg is None:
            raise InputError("enterprise.region", None, "a grid region",
                             f"{field} is electricity and has no region of its own")
        raise MissingFactorError(where, reg, "a region with a grid factor in "
                                 f"{fs.version}: " + ", ".join(fs.grid),
                                 f"data year {fs.grid_data_year}")
    if "region" in line:
        raise InputError(f"{field}.region", line["region"], f"no region on a {source} line")
    raise AssertionError("diagnose_line found nothing wrong")  # pragma: no cover
