"""Units the engine accepts, and their exact conversion to each canonical unit.

Every quantity kind has one canonical unit in which factors are expressed
(MWh for electricity, GJ for heat, t for solid and liquid fuels, 10^4 Nm3 for
natural gas, 10^4 CNY for money).  Conversions are exact decimal multipliers.
"""

from __future__ import annotations

from decimal import Decimal

__all__ = [
    "CANONICAL",
    "CONVERSIONS",
    "MONEY_UNIT",
    "kind_of_unit",
]

#: quantity kind -> canonical unit
CANONICAL = {
    "electricity": "MWh",
    "heat": "GJ",
    "mass": "t",
    "gas_volume": "10^4 Nm3",
    "money": "10^4 CNY",
}

#: quantity kind -> accepted unit -> exact multiplier to the canonical unit
CONVERSIONS: dict[str, dict[str, Decimal]] = {
    "electricity": {"MWh": Decimal("1"), "kWh": Decimal("0.001"), "GWh": Decimal("1000")},
    "heat": {"GJ": Decimal("1"), "MJ": Decimal("0.001"), "TJ": Decimal("1000")},
    "mass": {"t": Decimal("1"), "kg": Decimal("0.001"), "10^4 t": Decimal("10000")},
    "gas_volume": {
        "10^4 Nm3": Decimal("1"),
        "Nm3": Decimal("0.0001"),
        # m3 is taken as normal cubic metres (0 degC, 101.325 kPa), as fuel statistics report
        "10^4 m3": Decimal("1"),
        "m3": Decimal("0.0001"),
    },
    "money": {"10^4 CNY": Decimal("1"), "CNY": Decimal("0.0001"), "10^8 CNY": Decimal("10000")},
}

MONEY_UNIT = CANONICAL["money"]


def kind_of_unit(unit: str) -> str | None:
    """The quantity kind a unit belongs to, or None when the unit is unknown."""
    for kind, table in CONVERSIONS.items():
        if unit in table:
            return kind
    return None
