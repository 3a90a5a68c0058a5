"""rating:* a rating of an attested result, computed on the ledger (docs/results.md).

``compute(uscc, from, to, version)`` reads the stored result (private), re-runs
``accounting.compute`` on its recorded input and checks the bytes are the recorded result's
(so the rating rests on what was attested, recomputed by this endorser), requires a valid
attestation of that result version whose opinion is unmodified or qualified, and rates it
with ``accounting.rate_result`` against the rule set in force (approved through governance)
and the benchmark set ``accounting`` ships as its default.  The record goes to
``privateReadings`` only (it holds intensities); the audit entry carries its digest, which
the record's random salt makes unguessable.  One rating per (result version, rule set).
``compute`` answers that digest and the record's public facts, never the record (the answer
is in every peer's block); ``get``, evaluated on a member's peer, answers the record.
"""

from __future__ import annotations

from typing import Any

import accounting
from chaincode.shim import CompositeKey, Contract, Stub, create_composite_key, transaction

from . import _args
from ._attestation import RATABLE, load_attestation
from ._audit import emit
from ._codec import canonical, digest, load, tx_time
from ._readings import COLLECTION, salt_of
from ._records import get_json, in_force_key
from ._results import accounting_error, load_result, period_args, receipt, run, version_arg
from ._rules import require

RATING_KIND = "carbontrust.rating"


def rating_key(uscc: str, start: str, end: str, version: int, rule_set: str) -> CompositeKey:
    return create_composite_key("rating", [uscc, start, end, f"{version:06d}", rule_set])


async def rule_set_in_force(stub: Stub) -> dict[str, Any]:
    current = await get_json(stub, in_force_key("rule_set"))
    if current is None:
        raise _args.conflict("no rule_set is in force (governance:activate one first)")
    return {"version": current["version"], "digest": current["digest"],
            "activated_tx": current["since_tx"]}


def rate(record: dict[str, Any], rule_set: str) -> dict[str, Any]:
    """accounting.rate_result of the recorded result, recomputed from its recorded input."""
    result = run(record["accounting_input"])
    if digest(result.to_json()) != record["result_digest"]:
        raise _args.conflict(f"result version {record['version']} recomputes to "
                             f"{digest(result.to_json())}, not its recorded "
                             f"{record['result_digest']}: this endorser's accounting differs")
    try:
        bench = accounting.load_benchmark_set(accounting.DEFAULT_BENCHMARK_SET)
        rating = accounting.rate_result(result, accounting.load_rule_set(rule_set), bench,
                                        record["enterprise"]["industry"])
    except accounting.AccountingError as exc:
        raise accounting_error(exc) from None
    return {"benchmark_set": {"version": bench.version, "digest": bench.digest},
            "rating": rating.to_dict()}


class Rating(Contract):
    name = "rating"

    @transaction
    async def compute(self, stub: Stub, uscc: str, from_date: str, to_date: str,
                      version: str) -> dict[str, Any]:
        period_args(uscc, from_date, to_date)
        wanted = version_arg(version)
        salt = salt_of(stub)
        c = await require(stub, "rating.compute", uscc=uscc)
        record, raw = await load_result(stub, uscc, from_date, to_date, wanted)
        n = record["version"]
        att = await load_attestation(stub, uscc, from_date, to_date, n)
        s = att["statement"]
        if att["status"] != "valid" or s["opinion"] not in RATABLE:
            raise _args.conflict(f"result {uscc} {from_date}..{to_date} version {n} needs a "
                                 f"valid attestation with an opinion of "
                                 f"{' or '.join(RATABLE)}; found {att['status']}, "
                                 f"{s['opinion']} (tx {att['attested']['tx_id']})")
        if s["result"]["digest"] != digest(raw):
            raise RuntimeError(f"attestation of version {n} cites {s['result']['digest']}, "
                               f"the record is {digest(raw)}")
        rs = await rule_set_in_force(stub)
        key = rating_key(uscc, from_date, to_date, n, rs["version"])
        existing = await stub.get_private_data(COLLECTION, key)
        if existing:
            raise _args.conflict(f"result {uscc} {from_date}..{to_date} version {n} is rated "
                                 f"with {rs['version']} already (tx "
                                 f"{load(existing)['rated']['tx_id']})")
        rated = rate(record, rs["version"])
        out = {"v": 1, "kind": RATING_KIND, "uscc": uscc,
               "period": {"start": from_date, "end": to_date},
               "result": {"version": n, "digest": digest(raw)},
               "attestation": {"statement_digest": att["statement_digest"],
                               "opinion": s["opinion"], "assurance": s["assurance"],
                               "tx_id": att["attested"]["tx_id"]},
               "rule_set": rs, "industry": record["enterprise"]["industry"], **rated,
               "salt": salt.hex(),
               "rated": {"tx_id": stub.tx_id, "timestamp": tx_time(stub),
                         "by": {"mspid": c.mspid, "kind": c.kind,
                                "fingerprint": c.fingerprint}}}
        data = canonical(out)
        await stub.put_private_data(COLLECTION, key, data)
        emit(stub, "rating.compute", {"uscc": uscc, "period_start": from_date,
                                      "period_end": to_date, "version": n,
                                      "rule_set": rs["version"]},
             commitments={"rating": digest(data)})
        # the record holds the label and the intensities: the answer, kept in every
        # peer's block, names it by the public digest only (_results.receipt)
        return receipt(uscc, from_date, to_date, n, digest(data), stub.tx_id,
                       rule_set=rs["version"])

    @transaction
    async def get(self, stub: Stub, uscc: str, from_date: str, to_date: str,
                  version: str) -> dict[str, Any]:
        period_args(uscc, from_date, to_date)
        wanted = version_arg(version)
        await require(stub, "rating.read", uscc=uscc)
        record, _ = await load_result(stub, uscc, from_date, to_date, wanted)
        rows = await stub.get_private_data_by_partial_composite_key(
            COLLECTION, "rating", [uscc, from_date, to_date,
                                   f"{record['version']:06d}"]).to_list()
        if not rows:
            raise _args.not_found("rating", f"{uscc} {from_date}..{to_date} version "
                                  f"{record['version']}")
        return {"ratings": [load(v) for _k, v in rows]}
