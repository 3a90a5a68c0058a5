"""Command line: ``python -m accounting {compute,rate,verify,rate-personal,factors,rules}``.

Bad input prints one line on stderr naming the field and the value, and exits
with status 2; there is never a traceback for bad input.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Sequence
from typing import Any

from ._canonical import canonical_json
from ._data import list_versions
from ._emissions import compute
from ._errors import AccountingError, InputError
from ._factors import load_factor_set
from ._ratings import rate, rate_personal
from ._rules import load_rule_set
from ._table import rated_table, result_table
from ._text import MAX_DEPTH, MAX_INT_DIGITS, check_tree
from ._verify import ResultMismatchError, verify_result

__all__ = ["main"]

CSV_COLUMNS = ("source", "quantity", "unit", "region", "label")


class _Usage(Exception):
    """Bad input that is not an accounting error (unreadable file, bad JSON)."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Usage(f"duplicate key {key!r} in a JSON object")
        out[key] = value
    return out


def _read(path: str) -> str:
    """The file's text; a UTF-8 byte order mark (as spreadsheets write) is dropped."""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise _Usage(f"{path}: cannot read: {exc}") from None
    return text[1:] if text.startswith("\ufeff") else text


def _parse_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _Usage(f"an integer of {len(digits)} digits (at most {MAX_INT_DIGITS}; "
                     "quantities are decimal strings)")
    return int(digits)


def _load_json(path: str) -> Any:
    """Parse JSON input: the one place where CLI input becomes a Python tree.

    Refused here, with one line and exit status 2: invalid JSON, duplicate keys,
    integers over the digit limit, nesting deeper than MAX_DEPTH (including
    the depth at which the json module itself gives up), and lone surrogates.
    """
    text = _read(path)
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise _Usage(f"{path}: not valid JSON: {exc}") from None
    except RecursionError:
        raise _Usage(f"{path}: JSON nested deeper than {MAX_DEPTH} levels") from None
    check_tree(doc)
    return doc


def _csv_doc(path: str, args: argparse.Namespace) -> dict[str, Any]:
    rows = list(csv.DictReader(io.StringIO(_read(path))))
    activity = []
    for i, row in enumerate(rows):
        extra = sorted(k for k in row if k not in CSV_COLUMNS)
        if extra:
            raise InputError(f"{path}: column {extra[0]!r}", extra[0],
                             "columns " + ", ".join(CSV_COLUMNS))
        line = {k: v for k, v in row.items() if v not in (None, "")}
        if not line:
            raise InputError(f"{path}: row {i + 2}", row, "source, quantity, unit")
        activity.append(line)
    enterprise = {"id": args.enterprise_id}
    for key in ("industry", "region"):
        if getattr(args, key):
            enterprise[key] = getattr(args, key)
    doc: dict[str, Any] = {
        "enterprise": enterprise,
        "period": {"start": args.start, "end": args.end},
        "factor_set": args.factor_set,
        "activity": activity,
    }
    if args.denominator:
        dens = {}
        for spec in args.denominator:
            name, _, rest = spec.partition("=")
            quantity, _, unit = rest.partition(":")
            if not name or not quantity or not unit:
                raise InputError("--denominator", spec, "NAME=QUANTITY:UNIT, e.g. "
                                 "value_added=5200:10^4 CNY")
            dens[name] = {"quantity": quantity, "unit": unit}
        doc["denominators"] = dens
    return doc


def _document(args: argparse.Namespace) -> Any:
    if args.file.lower().endswith(".csv"):
        missing = [o for o in ("enterprise_id", "start", "end", "factor_set")
                   if not getattr(args, o)]
        if missing:
            raise _Usage("a CSV file needs --" + ", --".join(m.replace("_", "-")
                                                             for m in missing))
        return _csv_doc(args.file, args)
    return _load_json(args.file)


def _out(data: bytes | str) -> None:
    if isinstance(data, bytes):
        sys.stdout.buffer.write(data + b"\n")
    else:
        sys.stdout.write(data + "\n")
    sys.stdout.flush()


def _cmd_compute(args: argparse.Namespace) -> None:
    result = compute(_document(args))
    _out(result_table(result) if args.table else result.to_json())


def _cmd_rate(args: argparse.Namespace) -> None:
    rated = rate(_document(args))
    _out(rated_table(rated) if args.table else rated.to_json())


def _cmd_rate_personal(args: argparse.Namespace) -> None:
    doc = _load_json(args.file)
    if not isinstance(doc, dict) or not {"behaviours", "population"} <= set(doc) \
            or not set(doc) <= {"behaviours", "population", "rule_set"}:
        raise InputError("input", doc, 'an object {"behaviours", "population", "rule_set"?}')
    rating = rate_personal(doc["behaviours"], doc["population"],
                           doc.get("rule_set", "personal-3g-d1"))
    _out(rating.to_json())


def _cmd_verify(args: argparse.Namespace) -> None:
    claimed = _read_bytes(args.result)
    verify_result(_load_json(args.file), claimed)
    _out("ok: the result recomputes byte for byte")


def _read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read().rstrip(b"\n")
    except OSError as exc:
        raise _Usage(f"{path}: cannot read: {exc}") from None


def _cmd_factors(args: argparse.Namespace) -> None:
    if args.set is None:
        sets = [load_factor_set(v).summary() for v in list_versions("factors")]
        newer = {s["supersedes"]: s["version"] for s in sets if "supersedes" in s}
        for entry in sets:  # a released set cannot name its successor; the listing does
            if entry["version"] in newer:
                entry["superseded_by"] = newer[entry["version"]]
        _out(canonical_json({"factor_sets": sets}))
        return
    fs = load_factor_set(args.set)
    _out(canonical_json(dict(fs.summary(), factors=fs.factor_rows())))


def _cmd_rules(args: argparse.Namespace) -> None:
    versions = list_versions("rules") if args.set is None else [args.set]
    _out(canonical_json({"rule_sets": [load_rule_set(v).summary() for v in versions]}))


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m accounting",
                                description="Carbon accounting: emissions, intensities, ratings")
    sub = p.add_subparsers(dest="command", required=True)
    for name, helptext in (("compute", "emissions and intensities of an enterprise-period"),
                           ("rate", "compute, then rate against industry benchmarks")):
        c = sub.add_parser(name, help=helptext)
        c.add_argument("file", help="input JSON (or CSV of activity lines; '-' for stdin)")
        c.add_argument("--table", action="store_true", help="readable breakdown, not JSON")
        g = c.add_argument_group("CSV input (activity lines only; the rest from options)")
        g.add_argument("--enterprise-id")
        g.add_argument("--industry")
        g.add_argument("--region")
        g.add_argument("--start", help="period start, YYYY-MM-DD")
        g.add_argument("--end", help="period end, YYYY-MM-DD")
        g.add_argument("--factor-set")
        g.add_argument("--denominator", action="append",
                       help="NAME=QUANTITY:UNIT, e.g. 'value_added=5200:10^4 CNY'")
    v = sub.add_parser("verify", help="recompute a claimed result from its inputs")
    v.add_argument("file", help="the input JSON")
    v.add_argument("result", help="the claimed result (canonical JSON, as printed)")
    rp = sub.add_parser("rate-personal", help="three greens for a personal account")
    rp.add_argument("file", help='JSON {"behaviours", "population", "rule_set"?}')
    f = sub.add_parser("factors", help="list factor sets, or one set's factors with sources")
    f.add_argument("--set", help="a factor-set version, e.g. cn-2023")
    r = sub.add_parser("rules", help="list rule sets with their bands")
    r.add_argument("--set", help="a rule-set version")
    return p


_COMMANDS = {
    "compute": _cmd_compute,
    "rate": _cmd_rate,
    "rate-personal": _cmd_rate_personal,
    "verify": _cmd_verify,
    "factors": _cmd_factors,
    "rules": _cmd_rules,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 1 result mismatch, 2 bad input)."""
    args = _parser().parse_args(argv)
    try:
        _COMMANDS[args.command](args)
    except ResultMismatchError as exc:
        print(f"mismatch: {exc}", file=sys.stderr)
        return 1
    except AccountingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except _Usage as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
