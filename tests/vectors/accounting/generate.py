"""Generate the accounting golden vectors (inputs -> canonical outputs or errors).

    python tests/vectors/accounting/generate.py          # rewrite the vector files
    python tests/vectors/accounting/generate.py --check  # exit 1 if any file would change

Hand-worked cases carry their arithmetic (from the sourced formulas and factors)
in "hand_worked" and the hand result in "hand_total_tco2e"; generation fails if
the engine disagrees with the hand result, so a vector can never be regenerated
into a wrong answer silently.  Each hand-worked step is itself checked with exact
rational arithmetic (``label: EXPRESSION = VALUE[...] [-> ROUNDED]``: VALUE is
exact, or its leading digits when followed by "...", and ROUNDED is VALUE
rounded half up), so a step that is wrong but happens to round right fails too.
The unit tests re-run this in --check mode.
"""

from __future__ import annotations

import ast
import copy
import json
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

import accounting  # noqa: E402

ENT = {"id": "91440101MA5XXXXXXX", "industry": "C38", "region": "southern"}


def period(activity: list[dict[str, Any]], factor_set: str = "cn-2023",
           **extra: Any) -> dict[str, Any]:
    """One calendar year, the data year of the factor set (the engine refuses others)."""
    year = accounting.load_factor_set(factor_set).grid_data_year
    return {"enterprise": dict(ENT), "period": {"start": f"{year}-01-01",
                                                "end": f"{year}-12-31"},
            "factor_set": factor_set, "activity": activity, **extra}


def _exact(node: ast.AST, text: str) -> Fraction:
    """Exact value of an arithmetic expression; number literals read as written."""
    if isinstance(node, ast.Expression):
        return _exact(node.body, text)
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return Fraction(ast.get_source_segment(text, node) or "")
    if isinstance(node, ast.BinOp):
        a, b = _exact(node.left, text), _exact(node.right, text)
        ops = {ast.Add: a + b, ast.Sub: a - b, ast.Mult: a * b}
        if isinstance(node.op, ast.Div):
            return a / b
        return ops[type(node.op)]
    raise SystemExit(f"hand-worked step: cannot evaluate {ast.dump(node)}")


def _round_half_up(value: Fraction, places: int) -> Fraction:
    scaled = value * 10**places
    q = scaled.numerator // scaled.denominator
    if scaled - q >= Fraction(1, 2):
        q += 1
    return Fraction(q, 10**places)


def check_step(case: str, step: str) -> None:
    """Fail unless ``label: EXPRESSION = VALUE[...] [-> ROUNDED]`` is exactly right."""
    body = step.split(": ", 1)[-1]
    if " = " not in body:
        raise SystemExit(f"{case}: hand-worked step {step!r} has no ' = VALUE'")
    expression, _, claim = body.rpartition(" = ")
    claim, _, rounded = claim.partition(" -> ")
    text = expression.replace(" x ", " * ")
    exact = _exact(ast.parse(text, mode="eval"), text)
    truncated = claim.endswith("...")
    digits = claim.rstrip(".")
    places = len(digits.partition(".")[2])
    scaled = exact * 10**places
    shown = Fraction(scaled.numerator // scaled.denominator, 10**places)
    if (truncated and shown != Fraction(digits)) or (not truncated and exact != Fraction(digits)):
        raise SystemExit(f"{case}: hand-worked step {step!r} is wrong: "
                         f"{expression} = {float(exact)!r}")
    if rounded:
        want = Fraction(rounded.strip())
        if _round_half_up(exact, len(rounded.strip().partition(".")[2])) != want:
            raise SystemExit(f"{case}: {step!r}: {float(exact)!r} does not round to {rounded}")


def L(source: str, quantity: str, unit: str, **extra: Any) -> dict[str, Any]:  # noqa: N802
    return {"source": source, "quantity": quantity, "unit": unit, **extra}


ISSUE = period(
    [L("electricity", "1250.5", "MWh"), L("natural_gas", "12.3", "10^4 Nm3"),
     L("heat", "800", "GJ"), L("bituminous_coal", "40", "t")],
    denominators={"value_added": {"quantity": "5200", "unit": "10^4 CNY"}})

CASES: list[dict[str, Any]] = [
    {"name": "southern-grid-2022", "kind": "compute",
     "description": "1000 MWh purchased on the Southern grid with the 2022 factor",
     "hand_worked": ["electricity, MEE/NBS 2022 Southern tCO2/MWh: 1000 x 0.3869 = 386.9"],
     "hand_total_tco2e": "386.900",
     "input": period([L("electricity", "1000", "MWh")], "cn-2022")},
    {"name": "issue-example", "kind": "compute",
     "description": "The issue's example enterprise-period (cn-2023, Southern grid)",
     "hand_worked": [
         "electricity: 1250.5 x 0.4042 = 505.4521",
         "natural gas: 12.3 x 389.31 x 0.0153 x 0.99 x 44 / 12 = 265.949223507",
         "heat: 800 x 0.11 = 88",
         "bituminous coal: 40 x 23.204 x 0.02618 x 0.93 x 44 / 12 = 82.860370208",
         "total: 505.4521 + 265.949223507 + 88 + 82.860370208 = 942.261693715 -> 942.262",
         "per value added, tCO2e/10^4 CNY: 942.262 / 5200 = 0.181204230... -> 0.181204"],
     "hand_total_tco2e": "942.262",
     "input": ISSUE},
    {"name": "diesel-by-hand", "kind": "compute",
     "description": "Combustion of 3.5 t diesel",
     "hand_worked": ["carbon, tC: 3.5 x 43.33 x 0.0202 x 0.98 = 3.00216238",
                     "CO2: 3.00216238 x 44 / 12 = 11.007928726... -> 11.008"],
     "hand_total_tco2e": "11.008",
     "input": period([L("diesel", "3.5", "t")])},
    {"name": "national-kwh-2021", "kind": "compute",
     "description": "kWh are converted exactly: 123456 kWh = 123.456 MWh, national 2021",
     "hand_worked": ["electricity, MWh x tCO2/MWh: 123.456 x 0.5568 = 68.7403008 -> 68.740"],
     "hand_total_tco2e": "68.740",
     "input": dict(period([L("electricity", "123456", "kWh")], "cn-2021"),
                   enterprise={"id": "E-national", "region": "national"})},
    {"name": "exports-net", "kind": "compute",
     "description": "Exported electricity and heat subtract from scope 2",
     "hand_worked": ["net electricity: (100 - 30) x 0.4042 = 28.294",
                     "net heat: (50 - 20) x 0.11 = 3.3",
                     "scope 2: 28.294 + 3.3 = 31.594"],
     "hand_total_tco2e": "31.594",
     "input": period([L("electricity", "100", "MWh"), L("electricity_export", "30", "MWh"),
                      L("heat", "50", "GJ"), L("heat_export", "20", "GJ")])},
    {"name": "guangdong-2021-secondary", "kind": "compute",
     "description": "Provincial factor (secondary source) where the set has one",
     "hand_worked": ["electricity, Guangdong 2021 (unconfirmed): 1000 x 0.4715 = 471.5"],
     "hand_total_tco2e": "471.500",
     "input": dict(period([L("electricity", "1000", "MWh")], "cn-2021"),
                   enterprise={"id": "E-gd", "region": "guangdong"})},
    {"name": "process-and-biomass", "kind": "compute",
     "description": "Process line with its own factor (scope 1); biomass apart",
     "hand_worked": ["process: 1000 x 0.525 = 525",
                     "biomass, reported and excluded: 10 x 1.5 = 15"],
     "hand_total_tco2e": "525.000",
     "input": period([
         L("process", "1000", "t clinker",
           factor={"value": "0.525", "unit": "tCO2/t clinker", "source": "plant test 2023"}),
         L("biomass", "10", "t",
           factor={"value": "1.5", "unit": "tCO2/t", "source": "lab analysis"})])},
    {"name": "all-intensities", "kind": "compute",
     "description": "Every denominator; tax paid given in CNY",
     "hand_worked": ["electricity: 1000 x 0.4042 = 404.2",
                     "per output value: 404.2 / 20000 = 0.02021 -> 0.020210",
                     "per product: 404.2 / 800 = 0.50525 -> 0.505250",
                     "per tax paid (3000000 CNY = 300 x 10^4 CNY): 404.2 / 300 = 1.347333..."
                     " -> 1.347333"],
     "hand_total_tco2e": "404.200",
     "input": period([L("electricity", "1000", "MWh")], denominators={
         "output_value": {"quantity": "20000", "unit": "10^4 CNY"},
         "product_output": {"quantity": "800", "unit": "t"},
         "tax_paid": {"quantity": "3000000", "unit": "CNY"}})},
    {"name": "zhejiang-boundary", "kind": "rate",
     "description": "K = 0.6 exactly on the reported intensity: grade 1 (inclusive)",
     "hand_worked": ["total: 1000 x 0.3869 = 386.9",
                     "L: 386.9 / 1612.084 = 0.2399999007... -> 0.240000",
                     "K: 0.240000 / 0.40 = 0.6"],
     "hand_total_tco2e": "386.900",
     "input": period([L("electricity", "1000", "MWh")], "cn-2022", rule_sets=["zj-ce-2023"],
                     denominators={"value_added": {"quantity": "1612.084",
                                                   "unit": "10^4 CNY"}})},
    {"name": "all-default-ratings", "kind": "rate",
     "description": "Issue example rated with the default rule sets",
     "input": dict(ISSUE, denominators={
         "value_added": {"quantity": "5200", "unit": "10^4 CNY"},
         "tax_paid": {"quantity": "400", "unit": "10^4 CNY"},
         "product_output": {"quantity": "1500", "unit": "unit"}})},
    {"name": "personal-three-greens", "kind": "personal",
     "description": "Reduction 2.3 t; 1 of 10 strictly better: share 0.1, not < 0.1",
     "input": {"behaviours": {"commute": {"baseline": "3.0", "actual": "1.2"},
                              "heating": {"baseline": "1.5", "actual": "1.0"}},
               "population": ["0", "0.5", "1", "1.2", "1.5", "1.8", "2", "2.2", "2.3",
                              "4"]}},
]


CASES += [
    {"name": "green-power-residual-2023", "kind": "compute",
     "description": "A green-power purchaser: grid electricity other than its green-power "
                    "purchases at the MEE/NBS factor excluding market-traded non-fossil "
                    "power; heat given in tce",
     "hand_worked": ["residual-mix electricity: 600 x 0.6096 = 365.76",
                     "heat, 1 tce = 29.3076 GJ: 2 x 29.3076 x 0.11 = 6.447672",
                     "total: 365.76 + 6.447672 = 372.207672 -> 372.208"],
     "hand_total_tco2e": "372.208",
     "input": period([L("electricity", "600", "MWh", region="national_residual"),
                      L("heat", "2", "tce")], "cn-2023.1")},
    {"name": "fossil-only-2022", "kind": "compute",
     "description": "Electricity known to come from fossil generation: the MEE/NBS national "
                    "fossil-fuel electricity factor",
     "hand_worked": ["electricity: 250 x 0.8325 = 208.125"],
     "hand_total_tco2e": "208.125",
     "input": period([L("electricity", "250", "MWh", region="national_fossil")],
                     "cn-2022.1")},
    {"name": "units-10k-kwh-and-tce", "kind": "compute",
     "description": "Electricity in 10^4 kWh; diesel by energy in tce (CC x OF, no NCV)",
     "hand_worked": ["electricity, 10^4 kWh = 10 MWh: 12.5 x 10 x 0.3869 = 48.3625",
                     "diesel: 10 x 29.3076 x 0.0202 x 0.98 x 44 / 12 = 21.273019152",
                     "total: 48.3625 + 21.273019152 = 69.635519152 -> 69.636"],
     "hand_total_tco2e": "69.636",
     "input": period([L("electricity", "12.5", "10^4 kWh"), L("diesel", "10", "tce")],
                     "cn-2022.1")},
]


def mutation(name: str, description: str, path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(ISSUE)
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return {"name": f"error-{name}", "kind": "compute", "description": description,
            "input": doc}


CASES += [
    mutation("unknown-source", "unknown source", ("activity", 0, "source"), "electricity2"),
    mutation("unit-of-other-kind", "kg of electricity", ("activity", 0, "unit"), "kg"),
    mutation("unknown-unit", "unknown unit", ("activity", 3, "unit"), "ton"),
    mutation("negative", "negative quantity", ("activity", 1, "quantity"), "-12.3"),
    mutation("non-numeric", "non-numeric quantity", ("activity", 1, "quantity"), "twelve"),
    mutation("non-finite", "non-finite quantity", ("activity", 1, "quantity"), "Infinity"),
    mutation("binary-float", "JSON number instead of decimal string",
             ("activity", 2, "quantity"), 800.0),
    mutation("bad-date", "period start does not parse", ("period", "start"), "2023-02-29"),
    mutation("reversed-period", "period ends before it starts", ("period", "end"),
             "2022-12-31"),
    mutation("unknown-factor-set", "unknown factor set", ("factor_set",), "cn-2030"),
    mutation("no-grid-factor", "region without a grid factor for 2023",
             ("enterprise", "region"), "guangdong"),
    mutation("missing-unit", "activity line without unit", ("activity", 0, "unit"), KeyError),
    mutation("zero-denominator", "zero value added",
             ("denominators", "value_added", "quantity"), "0"),
    mutation("factor-year", "a 2021 factor set for a 2023 period", ("factor_set",), "cn-2021"),
    mutation("period-across-years", "a period across two calendar years",
             ("period", "start"), "2022-07-01"),
    mutation("litres", "coal in litres: no sourced density", ("activity", 3, "unit"), "L"),
]


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    for step in case.get("hand_worked", ()):
        check_step(case["name"], step)
    out = {k: case[k] for k in ("description", "kind", "input", "hand_worked",
                                "hand_total_tco2e") if k in case}
    try:
        if case["kind"] == "personal":
            result: Any = accounting.rate_personal(**case["input"])
        elif case["kind"] == "rate":
            result = accounting.rate(case["input"])
        else:
            result = accounting.compute(case["input"])
    except accounting.AccountingError as exc:
        out["expected"] = {"error": exc.evidence()}
        return out
    raw = result.to_json()
    data = json.loads(raw)
    if "hand_total_tco2e" in case and data["total_tco2e"] != case["hand_total_tco2e"]:
        raise SystemExit(f"{case['name']}: engine gives {data['total_tco2e']}, "
                         f"hand-worked {case['hand_total_tco2e']}")
    out["expected"] = {"output": data,
                       "output_sha256": accounting.sha256_digest(raw)}
    return out


def render(case: dict[str, Any]) -> str:
    return json.dumps(run_case(case), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    drift = []
    wanted = {f"{c['name']}.json" for c in CASES}
    for case in CASES:
        path = HERE / f"{case['name']}.json"
        text = render(case)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            drift.append(path.name)
            if not check:
                path.write_text(text, encoding="utf-8")
    stale = sorted(p.name for p in HERE.glob("*.json") if p.name not in wanted)
    if check and (drift or stale):
        print("accounting vectors drifted: " + ", ".join(drift + stale), file=sys.stderr)
        return 1
    for name in stale:
        (HERE / name).unlink()
    print(f"{len(CASES)} vectors {'checked' if check else 'written'}"
          + (f", {len(drift)} changed" if drift and not check else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
