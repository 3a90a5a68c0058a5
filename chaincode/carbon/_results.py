"""results:* an enterprise-period result computed on the ledger with accounting (docs/results.md).

``compute(uscc, from, to, factor_set)`` runs on every endorsing peer: it sums the period's
metered totals from the per-transaction deltas (as ``account:totals`` does), reads the
enterprise's declared operating data for exactly that period (the intensity denominators),
takes a governance-activated factor set (the one in force when ``factor_set`` is empty),
and runs ``accounting.compute``.  Everything is exact and canonical, so honest endorsers
produce identical bytes; one that differs (another factor value, other data) makes the
gateway refuse the endorsements as mismatched.

The record goes ONLY to ``privateReadings`` (Power, Certifier, Regulator): the transaction
writes nothing public, so the collection's endorsement policy applies; it reads
``operatingData`` (Certifier, Regulator), so only those two organisations' peers can
endorse it.  The record carries a random salt (transient ``salt``), so the hash Fabric
publishes of it (which is the *result digest* an attestation cites, and the audit entry's
commitment) cannot be confirmed by guessing figures.

``compute`` answers only the record's public facts (uscc, period, version, digest,
transaction id; ``receipt``): a submitted transaction's answer is written into every peer's
block, the bank's included. The record is read with ``get``, evaluated on a member's peer.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import accounting
from accounting import readings as rd
from chaincode.shim import CompositeKey, Contract, Stub, create_composite_key, transaction

from . import _args, _enterprise
from ._audit import emit
from ._codec import canonical, digest, load, tx_time
from ._readings import COLLECTION, get_private, salt_of
from ._records import (
    OPERATING_COLLECTION,
    get_json,
    governance_key,
    in_force_key,
    load_enterprise,
    operating_key,
)
from ._result_deltas import period_deltas
from ._rules import require
from ._totals import day_range

RESULT_KIND = "carbontrust.result"
# A meter says "coal" or "oil", not which coal or oil: a stated rule maps them (docs/results.md).
SOURCE_MAP = {"electricity": "electricity", "heat": "heat", "natural_gas": "natural_gas",
              "coal": "bituminous_coal", "oil": "fuel_oil"}


def result_key(uscc: str, start: str, end: str, version: int) -> CompositeKey:
    return create_composite_key("result", [uscc, start, end, f"{version:06d}"])


def head_key(uscc: str, start: str, end: str) -> CompositeKey:
    return create_composite_key("resulthead", [uscc, start, end])


def period_args(uscc: str, start: str, end: str) -> list[str]:
    """Checked (uscc, start, end) arguments; the period's days."""
    _enterprise.uscc("uscc", uscc)
    days = day_range(start, end)
    if start[:4] != end[:4]:
        raise _args.bad("to_date", f"a date in {start[:4]}, the year of from_date (a result "
                        "covers one calendar year at most: accounting's factor-year rule)", end)
    return days


def version_arg(value: str) -> int | None:
    if value == "":
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 999_999:
        raise _args.bad("version", "a result version 1-999999 (or empty for the latest)",
                        value)
    return int(value)


def _add(into: dict[str, dict[str, Any]], sources: dict[str, Any]) -> None:
    for source, d in sources.items():
        t = into.setdefault(source, {"quantity": Decimal(0), "unit": d["unit"], "readings": 0})
        t["quantity"] += Decimal(d["quantity"])
        t["readings"] += d["readings"]


def _text(sums: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {s: {"quantity": rd.quantity_text(v["quantity"]), "unit": v["unit"],
                "readings": v["readings"]} for s, v in sorted(sums.items())}


async def gather(stub: Stub, uscc: str, meters: list[str], days: list[str]) -> tuple[
        dict[str, Any], dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """(period totals, per-month totals, the deltas they are summed from)."""
    total: dict[str, dict[str, Any]] = {}
    months: dict[str, dict[str, dict[str, Any]]] = {d[:7]: {} for d in days}  # every month
    deltas = await period_deltas(stub, uscc, meters, days)
    for d in deltas:
        _add(total, d["sources"])
        _add(months.setdefault(d["day"][:7], {}), d["sources"])
    return _text(total), {m: _text(s) for m, s in months.items()}, deltas


async def factor_set(stub: Stub, requested: str) -> dict[str, Any]:
    """The factor set a result uses: the one in force, or a named governance-activated one."""
    if requested == "":
        current = await get_json(stub, in_force_key("factor_set"))
        if current is None:
            raise _args.conflict("no factor_set is in force (governance:activate one first)")
        return {"version": current["version"], "digest": current["digest"],
                "activated_tx": current["since_tx"]}
    _args.version("factor_set", requested)
    entry = await get_json(stub, governance_key("factor_set", requested))
    if entry is None or entry["status"] != "active":
        raise _args.conflict(f"factor_set {requested} was never activated through governance "
                             f"(found: {entry['status'] if entry else 'not proposed'})")
    return {"version": requested, "digest": entry["digest"],
            "activated_tx": entry["activated_tx"]}


def accounting_error(exc: accounting.AccountingError) -> Exception:
    return _args.conflict(f"accounting refused the inputs: {exc.field or '?'}: {exc}")


def run(doc: dict[str, Any]) -> accounting.Result:
    try:
        return accounting.compute(doc)
    except accounting.AccountingError as exc:
        raise accounting_error(exc) from None


def monthly(doc: dict[str, Any], months: dict[str, dict[str, Any]], start: str,
            end: str) -> dict[str, Any]:
    """Each month's totals and emissions (accounting on that month alone, no denominators)."""
    out = {}
    for month, totals in sorted(months.items()):
        first = max(start, month + "-01")
        y, m = int(month[:4]), int(month[5:])
        last_day = (datetime.date(y + m // 12, m % 12 + 1, 1) - datetime.timedelta(days=1))
        last = min(end, last_day.isoformat())
        r = run({**doc, "period": {"start": first, "end": last},
                 "activity": activity(totals), "denominators": {}})
        out[month] = {"from": first, "to": last, "totals": totals,
                      "scope1_tco2e": str(r.scope1_tco2e), "scope2_tco2e": str(r.scope2_tco2e),
                      "total_tco2e": str(r.total_tco2e)}
    return out


def activity(totals: dict[str, Any]) -> list[dict[str, str]]:
    return [{"source": SOURCE_MAP[s], "quantity": t["quantity"], "unit": t["unit"],
             "label": "metered"} for s, t in sorted(totals.items())]


def grid_region(ent: dict[str, Any], version: str) -> str:
    """The enterprise's region when the factor set has a grid factor for it, else the
    regional grid the registry maps it to (guangdong -> southern): a provincial factor is
    not published for every year (cn-2023.1 has none for Guangdong)."""
    try:
        grids = accounting.load_factor_set(version).grid
    except accounting.AccountingError as exc:
        raise accounting_error(exc) from None
    return str(ent["region"]) if ent["region"] in grids else str(ent["grid"])


async def load_result(stub: Stub, uscc: str, start: str, end: str,
                      version: int | None) -> tuple[dict[str, Any], bytes]:
    """The stored record (the latest when version is None) and its bytes; 404 if none."""
    if version is None:
        head = await get_private(stub, head_key(uscc, start, end))
        if head is None:
            raise _args.not_found("result", f"{uscc} {start}..{end}")
        version = int(head["version"])
    raw = await stub.get_private_data(COLLECTION, result_key(uscc, start, end, version))
    if not raw:
        raise _args.not_found("result", f"{uscc} {start}..{end} version {version}")
    return load(raw), raw


async def build(stub: Stub, uscc: str, from_date: str, to_date: str, days: list[str],
                factor_set_version: str) -> tuple[dict[str, Any], dict[str, Any],
                                                  accounting.Result, dict[str, Any]]:
    """What a result is computed from, and the computation: the enterprise record, the
    accounting input, its result and the cited inputs (everything but the version)."""
    ent = await load_enterprise(stub, uscc)
    if ent is None:
        raise _args.not_found("enterprise", uscc)
    fs = await factor_set(stub, factor_set_version)
    op_raw = await stub.get_private_data(OPERATING_COLLECTION,
                                         operating_key(uscc, from_date, to_date))
    if not op_raw:
        raise _args.not_found("operating data", f"{uscc} {from_date}..{to_date} (the "
                              "enterprise declares it with operating:declare)")
    op = load(op_raw)
    totals, months, deltas = await gather(stub, uscc, sorted(ent["meters"]), days)
    enterprise = {"id": uscc, "industry": ent["industry"],
                  "region": grid_region(ent, fs["version"])}
    doc = {"enterprise": enterprise, "period": {"start": from_date, "end": to_date},
           "factor_set": fs["version"], "activity": activity(totals),
           "denominators": op["declaration"]["denominators"]}
    result = run(doc)
    counted = {"uscc": uscc, "from": from_date, "to": to_date, "totals": totals}
    inputs = {
        "factor_set": fs,
        "totals": {**counted, "digest": digest(canonical(counted))},
        "monthly": monthly(doc, months, from_date, to_date),
        "deltas": deltas,
        "operating_data": {
            "tx_id": op["tx_id"], "declaration": op["declaration"],
            "digest": digest(canonical(op["declaration"])),
            "signature": op["signature"],
            "certificate_fingerprint": op["certificate_fingerprint"]}}
    return ent, doc, result, inputs


def receipt(uscc: str, start: str, end: str, version: int, record_digest: str,
            tx_id: str, **extra: Any) -> dict[str, Any]:
    """What a transaction writing a private record answers: public facts only.

    A submitted transaction's answer is the endorsed response payload, which every peer's
    block keeps (the bank's included), so it never carries the record. The digest is
    already public: it is the hash Fabric keeps of the private value and the audit entry's
    commitment, and the record's random salt keeps it from confirming guessed figures. The
    submitter reads the record with an evaluation on a member's peer and checks it hashes
    to this digest (docs/results.md, "Answers")."""
    return {"uscc": uscc, "period": {"start": start, "end": end}, "version": version,
            **extra, "digest": record_digest, "tx_id": tx_id}


class Results(Contract):
    name = "results"

    @transaction
    async def compute(self, stub: Stub, uscc: str, from_date: str, to_date: str,
                      factor_set_version: str) -> dict[str, Any]:
        days = period_args(uscc, from_date, to_date)
        if factor_set_version:
            _args.version("factor_set", factor_set_version)
        salt = salt_of(stub)
        c = await require(stub, "results.compute", uscc=uscc)
        ent, doc, result, inputs = await build(stub, uscc, from_date, to_date, days,
                                               factor_set_version)
        head = await get_private(stub, head_key(uscc, from_date, to_date))
        supersedes = None
        version = 1
        if head is not None:
            previous, _ = await load_result(stub, uscc, from_date, to_date,
                                            int(head["version"]))
            if previous["inputs"] == inputs and previous["accounting_input"] == doc:
                raise _args.conflict(f"result {uscc} {from_date}..{to_date} version "
                                     f"{head['version']} has these inputs already "
                                     f"({head['digest']})")
            version = int(head["version"]) + 1
            supersedes = {"version": int(head["version"]), "digest": head["digest"]}
        record = {
            "v": 1, "kind": RESULT_KIND, "uscc": uscc,
            "period": {"start": from_date, "end": to_date}, "version": version,
            "supersedes": supersedes,
            "enterprise": {"uscc": uscc, "name": ent["name"], "industry": ent["industry"],
                           "region": ent["region"], "grid": ent["grid"]},
            "inputs": inputs, "source_map": dict(sorted(SOURCE_MAP.items())),
            "accounting_input": doc, "result": result.to_dict(),
            "result_digest": digest(result.to_json()), "salt": salt.hex(),
            "computed": {"tx_id": stub.tx_id, "timestamp": tx_time(stub),
                         "by": {"mspid": c.mspid, "kind": c.kind,
                                "fingerprint": c.fingerprint}}}
        data = canonical(record)
        record_digest = digest(data)
        await stub.put_private_data(COLLECTION, result_key(uscc, from_date, to_date, version),
                                    data)
        hk = head_key(uscc, from_date, to_date)
        await stub.put_private_data(COLLECTION, hk, canonical(
            {"version": version, "digest": record_digest,
             "nonce": digest(salt + hk.encode("utf-8"))}))
        emit(stub, "results.compute", {"uscc": uscc, "period_start": from_date,
                                       "period_end": to_date, "version": version,
                                       "factor_set": inputs["factor_set"]["version"]},
             commitments={"result": record_digest})
        return receipt(uscc, from_date, to_date, version, record_digest, stub.tx_id)

    @transaction
    async def preview(self, stub: Stub, uscc: str, from_date: str, to_date: str,
                      factor_set_version: str) -> dict[str, Any]:
        """What compute would record, without recording it (evaluated, one peer at a time:
        the CLI compares the peers' answers when endorsements disagree)."""
        days = period_args(uscc, from_date, to_date)
        if factor_set_version:
            _args.version("factor_set", factor_set_version)
        await require(stub, "results.compute", uscc=uscc)
        _ent, doc, result, inputs = await build(stub, uscc, from_date, to_date, days,
                                                factor_set_version)
        return {"inputs": inputs, "accounting_input": doc, "result": result.to_dict(),
                "result_digest": digest(result.to_json())}

    @transaction
    async def get(self, stub: Stub, uscc: str, from_date: str, to_date: str,
                  version: str) -> dict[str, Any]:
        period_args(uscc, from_date, to_date)
        wanted = version_arg(version)
        await require(stub, "results.read", uscc=uscc)
        record, raw = await load_result(stub, uscc, from_date, to_date, wanted)
        return {"digest": digest(raw), "record": record}


__all__ = ["Results", "SOURCE_MAP", "head_key", "load_result", "receipt", "result_key"]
