"""Units the engine accepts, and their exact conversion to each canonical unit.

Every quantity kind has one canonical unit in which factors are expressed
(MWh for electricity, GJ for heat, t for solid and liquid fuels, 10^4 Nm3 for
natural gas, 10^4 CNY for money).  Conversions are exact decimal multipliers.
A fuel may also be given by its energy (GJ, MJ, TJ, tce): the line then uses
the fuel's carbon content and oxidation rate per GJ, without its NCV.  Litres
are refused: a litre of fuel needs a density, and no shipped set has a
sourced one.
"""

from __future__ import annotations

from decimal import Decimal

__all__ = [
    "TCE_GJ",
    "LITRES",
    "CANONICAL",
    "CONVERSIONS",
    "MONEY_UNIT",
    "kind_of_unit",
]

#: GJ per tonne of standard coal equivalent (GB/T 2589-2020: 1 kgce = 29307.6 kJ)
TCE_GJ = Decimal("29.3076")
#: volume units of liquids: refused for fuels, whose factor sets carry no sourced density
LITRES = frozenset({"L", "l", "litre", "litres", "liter", "liters", "10^3 L", "kL", "m3 liquid"})

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
    "electricity": {"MWh": Decimal("1"), "kWh": Decimal("0.001"), "GWh": Decimal("1000"),
                    "10^4 kWh": Decimal("10")},  # energy statistics report in 10^4 kWh
    "heat": {"GJ": Decimal("1"), "MJ": Decimal("0.001"), "TJ": Decimal("1000"),
             # tonne of standard coal equivalent: 29307.6 kJ/kgce (7000 kcal_IT/kgce),
             # GB/T 2589-2020 General principles for calculation of the comprehensive
             # energy consumption; exact by definition
             "tce": TCE_GJ},
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
