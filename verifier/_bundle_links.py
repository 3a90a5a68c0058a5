"""Which audit entries a report relies on, and that each says what its record says.

Every record in a proof bundle is tied to the log by its own audit entry (docs/results.md,
"Audit entries"): the result and the ratings by the digest of the whole private record
(a salted record, so the digest is a commitment), the attestation by the digests of its
record, statement and the result it covers, the factor and rule sets by their governance
activation, the operating data and every metered batch by a salted commitment that the
bundle's openings open (SHA-256 of salt || value, as chaincode/carbon/_audit.py commits),
and the report by its digest. Corrections of readings are shown to be transactions of the
log; their values (new minus old reading) cannot be opened without the batch's readings.

Then the totals: the period's totals, and each month's, must be exactly the sum of the
per-transaction deltas the result cites; the deltas of batches carry the batch roots
that the openings tie to the log.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from ._bundle_format import Bundle
from ._entry import Leaf
from ._report_errors import ReportCheckError

__all__ = ["Relied", "link_entries", "check_totals", "digest_of"]


def digest_of(value: Any) -> str:
    """``sha256:`` of the ledger's canonical JSON of ``value`` (sorted keys, no spaces,
    UTF-8). The values come from :func:`verifier.loads_strict`, which refuses floats, so
    the encoder's output is the canonical form without walking the value first."""
    try:
        data = json.dumps(value, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError, RecursionError) as exc:
        raise ReportCheckError("FORMAT", f"a record cannot be encoded canonically: "
                               f"{exc}") from None
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def _commit(salt: bytes, value: bytes) -> str:
    return "sha256:" + hashlib.sha256(salt + value).hexdigest()


@dataclass(frozen=True)
class Relied:
    """An entry the report relies on: why, and where it is in the log."""

    what: str
    tx_id: str
    index: int
    leaf: Leaf


def _get(obj: Any, path: str) -> Any:
    cur = obj
    for part in path.split(".")[1:]:
        if not isinstance(cur, dict) or part not in cur:
            raise ReportCheckError("FORMAT", f"{path} is missing")
        cur = cur[part]
    return cur


class _Linker:
    def __init__(self, entries: dict[str, tuple[int, Leaf]]) -> None:
        self.entries = entries
        self.relied: dict[str, Relied] = {}

    def entry(self, what: str, tx_id: Any, name: str, keys: dict[str, Any] | None = None,
              timestamp: Any = None) -> Leaf:
        if not isinstance(tx_id, str) or tx_id not in self.entries:
            raise ReportCheckError("ENTRY_MISSING", f"the audit entry of {what} (tx "
                                   f"{tx_id}) is not in the bundle")
        index, leaf = self.entries[tx_id]
        if leaf.name != name:
            raise ReportCheckError("ENTRY_MISMATCH", f"{what}: entry {index} (tx {tx_id}) is "
                                   f"{leaf.name!r}, expected {name!r}")
        found_keys = leaf.entry.get("keys")
        for k, want in (keys or {}).items():
            got = found_keys.get(k) if isinstance(found_keys, dict) else None
            if got != want:
                raise ReportCheckError("ENTRY_MISMATCH", f"{what}: entry {index} (tx {tx_id})"
                                       f" has keys.{k} {got!r}, the record says {want!r}")
        if timestamp is not None and leaf.timestamp != timestamp:
            raise ReportCheckError("ENTRY_MISMATCH", f"{what}: entry {index} (tx {tx_id}) "
                                   f"has timestamp {leaf.timestamp!r}, the record says "
                                   f"{timestamp!r}")
        if tx_id not in self.relied:
            self.relied[tx_id] = Relied(what, tx_id, index, leaf)
        return leaf

    @staticmethod
    def field(what: str, leaf: Leaf, group: str, name: str, want: Any) -> None:
        values = leaf.entry.get(group)
        got = values.get(name) if isinstance(values, dict) else None
        if got != want:
            code = "OPENING" if group == "commitments" else "ENTRY_MISMATCH"
            raise ReportCheckError(code, f"{what}: entry of tx {leaf.tx_id} has {group}."
                                   f"{name} {got!r}, the bundle gives {want!r}")


def _period_keys(rec: dict[str, Any], what: str) -> dict[str, Any]:
    p = _get(rec, f"{what}.period")
    if not isinstance(p, dict):
        raise ReportCheckError("FORMAT", f"{what}.period is not an object")
    return {"uscc": _get(rec, f"{what}.uscc"), "period_start": p.get("start"),
            "period_end": p.get("end")}


def link_entries(b: Bundle, entries: dict[str, tuple[int, Leaf]],
                 report: dict[str, Any], report_digest: str) -> list[Relied]:
    """Check every record and opening against its entry; the entries relied on (every
    entry of the bundle must be one: ``ENTRY_UNUSED`` otherwise)."""
    lk = _Linker(entries)
    result, att = b.result, b.attestation
    rkeys = _period_keys(result, "result")
    version = _get(result, "result.version")
    fs = _get(result, "result.inputs.factor_set")
    leaf = lk.entry("the result", _get(result, "result.computed.tx_id"), "results.compute",
                    {**rkeys, "version": version, "factor_set": _get(fs, "f.version")},
                    _get(result, "result.computed.timestamp"))
    result_digest = digest_of(result)
    lk.field("the result", leaf, "commitments", "result", result_digest)
    leaf = lk.entry("the factor set", _get(fs, "f.activated_tx"), "governance.activate",
                    {"kind": "factor_set", "version": _get(fs, "f.version")})
    lk.field("the factor set", leaf, "digests", "content", _get(fs, "f.digest"))
    op = _get(result, "result.inputs.operating_data")
    leaf = lk.entry("the operating data", _get(op, "o.tx_id"), "operating.declare", rkeys)
    lk.field("the operating data", leaf, "commitments", "declaration",
             _commit(b.operating_salt, _canonical(_get(op, "o.declaration"))))
    _link_deltas(b, lk, result)
    leaf = lk.entry("the attestation", _get(att, "attestation.attested.tx_id"),
                    "attestation.attest", {**rkeys, "version": version},
                    _get(att, "attestation.attested.timestamp"))
    lk.field("the attestation", leaf, "digests", "attestation", digest_of(att))
    lk.field("the attestation", leaf, "digests", "statement",
             _get(att, "attestation.statement_digest"))
    lk.field("the attestation", leaf, "digests", "result", result_digest)
    for i, r in enumerate(b.ratings):
        what = f"rating {i}"
        rs = _get(r, f"{what}.rule_set")
        leaf = lk.entry(what, _get(r, f"{what}.rated.tx_id"), "rating.compute",
                        {**rkeys, "version": version, "rule_set": _get(rs, "r.version")},
                        _get(r, f"{what}.rated.timestamp"))
        lk.field(what, leaf, "commitments", "rating", digest_of(r))
        leaf = lk.entry(f"the rule set of {what}", _get(rs, "r.activated_tx"),
                        "governance.activate", {"kind": "rule_set",
                                                "version": _get(rs, "r.version")})
        lk.field(f"the rule set of {what}", leaf, "digests", "content", _get(rs, "r.digest"))
    section = _get(report, "report.report")
    leaf = lk.entry("the report", b.report_tx_id, "report.issue",
                    {**rkeys, "version": _get(section, "r.version"),
                     "report_id": _get(section, "r.id")})
    lk.field("the report", leaf, "digests", "report", report_digest)
    previous = section.get("supersedes") if isinstance(section, dict) else None
    lk.field("the report", leaf, "digests", "supersedes",
             previous.get("digest") if isinstance(previous, dict) else None)
    unused = sorted(set(entries) - set(lk.relied), key=lambda t: entries[t][0])
    if unused:
        index, leaf = entries[unused[0]]
        raise ReportCheckError("ENTRY_UNUSED", f"entry {index} (tx {unused[0]}, "
                               f"{leaf.name}) is in the bundle but nothing relies on it")
    return sorted(lk.relied.values(), key=lambda r: r.index)


def _link_deltas(b: Bundle, lk: _Linker, result: dict[str, Any]) -> None:
    deltas = _get(result, "result.inputs.deltas")
    if not isinstance(deltas, list):
        raise ReportCheckError("FORMAT", "result.inputs.deltas is not a list")
    salts: dict[str, bytes] = {}
    for tx, salt in b.batch_salts:
        if tx in salts:
            raise ReportCheckError("OPENING", f"openings.batches opens batch {tx} twice")
        salts[tx] = salt
    roots: dict[str, Any] = {}
    for i, d in enumerate(deltas):
        what = f"result.inputs.deltas[{i}]"
        if not isinstance(d, dict):
            raise ReportCheckError("FORMAT", f"{what} is not an object")
        delta_tx, kind = d.get("tx_id"), d.get("kind")
        if not isinstance(delta_tx, str):
            raise ReportCheckError("FORMAT", f"{what}.tx_id {delta_tx!r} is not a string")
        tx = delta_tx
        if kind == "batch":
            if tx in roots and roots[tx] != d.get("root"):
                raise ReportCheckError("TOTALS", f"{what}: batch {tx} is cited with two "
                                       f"roots ({roots[tx]!r}, {d.get('root')!r})")
            roots[tx] = d.get("root")
            leaf = lk.entry(f"batch {tx} ({what})", tx, "readings.submit",
                            {"batch_id": tx, "duplicate": False})
            root = d.get("root")
            if not isinstance(root, str) or len(root) != 64:
                raise ReportCheckError("FORMAT", f"{what}.root {root!r} is not a hex root")
            try:
                raw = bytes.fromhex(root)
            except ValueError:
                raise ReportCheckError("FORMAT", f"{what}.root is not hex") from None
            if tx not in salts:
                raise ReportCheckError("OPENING", f"openings.batches has no salt for batch "
                                       f"{tx} ({what})")
            lk.field(f"batch {tx}", leaf, "commitments", "batch", _commit(salts[tx], raw))
        elif kind == "correction":
            if d.get("root") is not None:
                raise ReportCheckError("FORMAT", f"{what} is a correction with a root")
            lk.entry(f"correction {tx} ({what})", tx, "readings.correct",
                     {"correction": tx})
        else:
            raise ReportCheckError("FORMAT", f"{what}.kind {kind!r} is neither batch nor "
                                   f"correction")
    extra = sorted(set(salts) - set(roots))
    if extra:
        raise ReportCheckError("OPENING", f"openings.batches opens batch {extra[0]}, which "
                               f"the result does not cite")


def _amount(v: Any, what: str) -> Decimal:
    try:
        if not isinstance(v, str):
            raise InvalidOperation
        d = Decimal(v)
    except InvalidOperation:
        raise ReportCheckError("FORMAT", f"{what} {v!r} is not a decimal string") from None
    if not d.is_finite():
        raise ReportCheckError("FORMAT", f"{what} {v!r} is not finite")
    return d


def _sum(into: dict[str, list[Any]], sources: Any, what: str) -> None:
    if not isinstance(sources, dict):
        raise ReportCheckError("FORMAT", f"{what}.sources is not an object")
    for s, t in sources.items():
        if not isinstance(t, dict) or not isinstance(t.get("readings"), int):
            raise ReportCheckError("FORMAT", f"{what}.sources.{s} is not a total")
        acc = into.setdefault(s, [Decimal(0), 0, t.get("unit")])
        if acc[2] != t.get("unit"):
            raise ReportCheckError("TOTALS", f"{what}.sources.{s} is in {t.get('unit')!r}, "
                                   f"other deltas in {acc[2]!r}")
        acc[0] += _amount(t.get("quantity"), f"{what}.sources.{s}.quantity")
        acc[1] += t["readings"]


def _compare(sums: dict[str, list[Any]], totals: Any, what: str) -> None:
    if not isinstance(totals, dict):
        raise ReportCheckError("FORMAT", f"{what} is not an object")
    for s in sorted(set(sums) | set(totals)):
        got = totals.get(s)
        want = sums.get(s)
        if want is None or not isinstance(got, dict):
            raise ReportCheckError("TOTALS", f"{what}.{s}: the cited deltas give "
                                   f"{'nothing' if want is None else 'a total'}, the result "
                                   f"{'nothing' if not isinstance(got, dict) else 'a total'}")
        if (_amount(got.get("quantity"), f"{what}.{s}.quantity") != want[0]
                or got.get("readings") != want[1] or got.get("unit") != want[2]):
            raise ReportCheckError("TOTALS", f"{what}.{s} is {got.get('quantity')} "
                                   f"{got.get('unit')} from {got.get('readings')} readings; "
                                   f"the cited deltas sum to {want[0]} {want[2]} from "
                                   f"{want[1]} readings")


def _check_accounting_input(result: dict[str, Any], totals: Any) -> None:
    """What the result was computed from is what it cites: the activity is the totals
    (each source mapped as ``source_map`` states), the denominators are the declared
    ones, the factor set is the governance-activated one the result names."""
    acc_input = _get(result, "result.accounting_input")
    source_map = _get(result, "result.source_map")
    activity = acc_input.get("activity") if isinstance(acc_input, dict) else None
    if not isinstance(activity, list) or not isinstance(source_map, dict):
        raise ReportCheckError("FORMAT", "result.accounting_input.activity is not a list")
    used = [(a.get("source"), a.get("quantity"), a.get("unit")) if isinstance(a, dict)
            else a for a in activity]
    cited = [(source_map.get(s), t.get("quantity"), t.get("unit"))
             for s, t in sorted(totals.items())]
    if used != cited:
        raise ReportCheckError("TOTALS", f"result.accounting_input.activity {used} is not "
                               f"the cited totals {cited}")
    declared = _get(result, "result.inputs.operating_data.declaration")
    if acc_input.get("denominators") != declared.get("denominators") or \
            declared.get("uscc") != result.get("uscc") or \
            declared.get("period") != result.get("period"):
        raise ReportCheckError("RECOMPUTE", "result.accounting_input.denominators are not "
                               "the declared operating data of this enterprise and period")
    fs = _get(result, "result.inputs.factor_set")
    computed = _get(result, "result.result.factor_set")
    if acc_input.get("factor_set") != fs.get("version") or not isinstance(computed, dict) \
            or (computed.get("version"), computed.get("digest")) != (fs.get("version"),
                                                                      fs.get("digest")):
        raise ReportCheckError("RECOMPUTE", f"the result was computed with factor set "
                               f"{acc_input.get('factor_set')!r} "
                               f"({computed.get('digest') if isinstance(computed, dict) else '?'}"
                               f"), it cites {fs.get('version')!r} ({fs.get('digest')})")


def check_totals(result: dict[str, Any]) -> None:
    """The period's and every month's totals are the sums of the cited deltas; the
    totals digest is the digest of the totals; the accounting input is what the result
    cites."""
    deltas = _get(result, "result.inputs.deltas")
    period = _get(result, "result.period")
    start, end = period.get("start"), period.get("end")
    total: dict[str, list[Any]] = {}
    months: dict[str, dict[str, list[Any]]] = {}
    for i, d in enumerate(deltas):
        what = f"result.inputs.deltas[{i}]"
        day = d.get("day")
        if not isinstance(day, str) or not (start <= day <= end):
            raise ReportCheckError("TOTALS", f"{what}.day {day!r} is not in the period "
                                   f"{start}..{end}")
        _sum(total, d.get("sources"), what)
        _sum(months.setdefault(day[:7], {}), d.get("sources"), what)
    t = _get(result, "result.inputs.totals")
    _compare(total, _get(t, "t.totals"), "result.inputs.totals.totals")
    counted = {k: t.get(k) for k in ("uscc", "from", "to", "totals")}
    if counted["uscc"] != result.get("uscc") or (counted["from"], counted["to"]) != (start, end):
        raise ReportCheckError("TOTALS", f"result.inputs.totals is of {counted['uscc']} "
                               f"{counted['from']}..{counted['to']}, not the result's")
    if digest_of(counted) != t.get("digest"):
        raise ReportCheckError("TOTALS", f"result.inputs.totals.digest {t.get('digest')!r} "
                               f"is not the digest of the totals ({digest_of(counted)})")
    _check_accounting_input(result, t.get("totals"))
    monthly = _get(result, "result.inputs.monthly")
    if not isinstance(monthly, dict) or set(months) - set(monthly):
        found = sorted(monthly) if isinstance(monthly, dict) else monthly
        raise ReportCheckError("TOTALS", f"result.inputs.monthly has months {found}, the "
                               f"cited deltas fall in {sorted(months)}")
    for m in sorted(monthly):  # a month without deltas has empty totals
        entry = monthly[m]
        _compare(months.get(m, {}), entry.get("totals") if isinstance(entry, dict) else None,
                 f"result.inputs.monthly.{m}.totals")
