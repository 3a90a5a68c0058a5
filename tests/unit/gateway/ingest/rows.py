"""Readings CSV for the tests (the header of issue 11)."""

from __future__ import annotations

import datetime as dt

HEADER = "meter_id,uscc,interval_start,source,quantity,unit,quality\n"
USCC = "91350100M000100Y43"
T0 = dt.datetime(2026, 11, 1, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def row(meter: str, slot: int, quantity: str = "1.5", source: str = "electricity",
        unit: str = "kWh") -> str:
    start = (T0 + dt.timedelta(minutes=15 * slot)).isoformat()
    return f"{meter},{USCC},{start},{source},{quantity},{unit},measured\n"


def csv_text(n: int, meters: int = 4) -> str:
    return HEADER + "".join(row(f"M{i % meters}", i // meters, f"{i}.25") for i in range(n))
