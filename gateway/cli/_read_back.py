"""Reading back the private record a submitted transaction wrote, checked against its answer.

A submitted transaction's answer (the endorsed response payload) is written into every
peer's block, the bank's included, so ``results:compute`` and ``rating:compute`` answer
public facts only: the record's version, its digest (the hash Fabric keeps of the private
value, which the audit entry also carries) and the transaction id. The record itself is read
here with an *evaluation* (never ordered, never in a block) on a peer of an organisation
that holds ``privateReadings`` and endorsed the transaction: the caller's own when it is one
of them (every identity allowed to compute is), else the endorsers'. The record must hash to
the answered digest and name the answered transaction; anything else is refused with both
values (exit 1), since the transaction did commit.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import accounting
from gateway.cli._exit import CliFailure, LedgerRefused
from gateway.cli._ledger import Ledger, ledger_failure

__all__ = ["rating_record", "result_record"]

TRIES = 20          # a peer a block behind the one that reported the commit answers 404
PAUSE = 0.25


def _evaluate(ledger: Ledger, function: str, args: Sequence[str],
              orgs: Sequence[str]) -> Any:
    """The JSON answer of ``function`` evaluated on a peer of ``orgs``; 404 retried
    briefly (that peer may not have committed the block yet)."""
    evaluate_on = getattr(ledger, "evaluate_on", None)
    for attempt in range(TRIES):
        try:
            raw = (evaluate_on(function, args, list(orgs)) if evaluate_on is not None
                   else ledger.evaluate(function, args))
            return json.loads(raw.decode("utf-8"))
        except CliFailure:
            raise
        except Exception as exc:
            failure = ledger_failure(exc)
            if failure is None:
                raise
            if (isinstance(failure, LedgerRefused) and failure.status == 404
                    and attempt + 1 < TRIES):
                time.sleep(PAUSE)
                continue
            raise failure from None
    raise AssertionError("unreachable")  # the last attempt returns or raises


def readers(caller: str, endorsers: Sequence[str]) -> list[str]:
    return [caller] if caller in endorsers else list(endorsers)


def _digest(value: Any) -> str:
    return accounting.sha256_digest(accounting.canonical_json(value))


def _refuse(what: str, tx_id: str, field: str, expected: Any, found: Any) -> LedgerRefused:
    return LedgerRefused(f"the {what} read back does not match transaction {tx_id}: {field} "
                         f"expected {expected}, found {found}", transaction_id=tx_id)


def _answered(answer: Any, tx_id: str) -> tuple[str, str, str, int, str]:
    """(uscc, start, end, version, digest) of a compute answer; refused when malformed."""
    try:
        fields = (answer["uscc"], answer["period"]["start"], answer["period"]["end"],
                  answer["version"], answer["digest"])
        if answer["tx_id"] != tx_id:
            raise _refuse("answer", tx_id, "tx_id", tx_id, answer["tx_id"])
    except (KeyError, TypeError):
        raise LedgerRefused(f"transaction {tx_id} answered {str(answer)[:80]!r}, not the "
                            "record's version and digest", transaction_id=tx_id) from None
    return fields


def result_record(ledger: Ledger, caller: str, endorsers: Sequence[str], answer: Any,
                  tx_id: str) -> dict[str, Any]:
    """``{"digest", "record"}`` of the result version ``results:compute`` answered."""
    uscc, start, end, version, digest = _answered(answer, tx_id)
    got = _evaluate(ledger, "results:get", [uscc, start, end, str(version)],
                    readers(caller, endorsers))
    record = got.get("record") if isinstance(got, dict) else None
    found = _digest(record) if record is not None else None
    if record is None or found != digest:
        raise _refuse("result", tx_id, "digest", digest, found)
    if record["computed"]["tx_id"] != tx_id:
        raise _refuse("result", tx_id, "computed.tx_id", tx_id, record["computed"]["tx_id"])
    return {"digest": digest, "record": record}


def rating_record(ledger: Ledger, caller: str, endorsers: Sequence[str], answer: Any,
                  tx_id: str) -> dict[str, Any]:
    """The rating record ``rating:compute`` answered (by result version and rule set)."""
    uscc, start, end, version, digest = _answered(answer, tx_id)
    got = _evaluate(ledger, "rating:get", [uscc, start, end, str(version)],
                    readers(caller, endorsers))
    ratings = got.get("ratings", []) if isinstance(got, dict) else []
    for record in ratings:
        if _digest(record) == digest:
            if record["rated"]["tx_id"] != tx_id:
                raise _refuse("rating", tx_id, "rated.tx_id", tx_id, record["rated"]["tx_id"])
            return dict(record)
    raise _refuse("rating", tx_id, "digest", digest,
                  sorted(_digest(r) for r in ratings) or "no rating")
