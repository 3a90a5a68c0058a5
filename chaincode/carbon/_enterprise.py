"""The enterprise record: its fields, their validation, and region -> grid.

Record (canonical JSON in public state under ``enterprise/<uscc>``)::

    {"uscc", "name", "industry", "region", "grid", "areas": [...], "status",
     "status_reason", "meters": [...], "certificate": null | {...}, "version"}

* uscc: GB 32100-2015 (_uscc.py); industry: GB/T 4754-2017 (_industry.py).
* region: a grid region some factor set of the shipped ``accounting`` package has a grid
  factor for (read through ``accounting.load_factor_set``), except the per-line
  pseudo-regions ``national_residual`` and ``national_fossil``, which name a kind of
  electricity, not a place.  grid: the regional grid the region belongs to; a provincial
  grid (today only ``guangdong``, in the China Southern Power Grid) maps to its regional
  grid, any other region is a grid itself.
* areas: the six account areas of the seeds, default ``["industry"]``, kept in the order
  below.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import accounting

from . import _args
from ._industry import IndustryError, validate_industry
from ._uscc import UsccError, validate_uscc

AREAS = ("industry", "energy", "construction", "transport", "agriculture_forestry",
         "daily_life")
STATUSES = ("active", "suspended", "closed")
NOT_PLACES = frozenset({"national_residual", "national_fossil"})
PROVINCIAL_GRIDS = {"guangdong": "southern"}
RECORD_FIELDS = frozenset({"uscc", "name", "industry", "region", "areas"})
CHANGE_FIELDS = frozenset({"name", "industry", "region", "areas"})


@cache
def known_regions() -> tuple[str, ...]:
    regions: set[str] = set()
    for v in accounting.factor_set_versions():
        regions.update(accounting.load_factor_set(v).grid)
    return tuple(sorted(regions - NOT_PLACES))


def grid_of(region: str) -> str:
    return PROVINCIAL_GRIDS.get(region, region)


def uscc(field: str, value: Any) -> str:
    try:
        return validate_uscc(value)
    except UsccError as exc:
        raise _args.bad(field, "a valid USCC (GB 32100-2015)", str(exc)) from None


def industry(field: str, value: Any) -> str:
    try:
        return validate_industry(value)
    except IndustryError as exc:
        raise _args.bad(field, "a GB/T 4754-2017 industry code", str(exc)) from None


def region(field: str, value: Any) -> str:
    return _args.choice(field, value, known_regions())


def areas(field: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise _args.bad(field, "a non-empty list of " + ", ".join(AREAS), value)
    for i, a in enumerate(value):
        _args.choice(f"{field}[{i}]", a, AREAS)
    if len(set(value)) != len(value):
        raise _args.bad(field, "each area once", value)
    return [a for a in AREAS if a in value]


def _apply(record: dict[str, Any], doc: dict[str, Any], field: str) -> None:
    if "name" in doc:
        record["name"] = _args.text(f"{field}.name", doc["name"], 200)
    if "industry" in doc:
        record["industry"] = industry(f"{field}.industry", doc["industry"])
    if "region" in doc:
        record["region"] = region(f"{field}.region", doc["region"])
        record["grid"] = grid_of(record["region"])
    if "areas" in doc:
        record["areas"] = areas(f"{field}.areas", doc["areas"])


def new_record(doc: dict[str, Any]) -> dict[str, Any]:
    """A validated new record from register_enterprise's record_json."""
    _args.only_keys("record", doc, RECORD_FIELDS, {"uscc", "name", "industry", "region"})
    record: dict[str, Any] = {"uscc": uscc("record.uscc", doc["uscc"]), "areas": ["industry"],
                              "status": "active", "status_reason": None, "meters": [],
                              "certificate": None, "version": 1}
    _apply(record, doc, "record")
    return record


def changed_record(record: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    _args.only_keys("changes", changes, CHANGE_FIELDS)
    if not changes:
        raise _args.bad("changes", "at least one of " + ", ".join(sorted(CHANGE_FIELDS)), {})
    out = dict(record)
    _apply(out, changes, "changes")
    out["version"] = record["version"] + 1
    return out
