"""loan:* a bank's loan decision, linked to a report it verified under the enterprise's consent.

``record(loan_id, report_id, report_digest, terms_commitment)``: BankMSP staff (rule
loan.record) record that they decided a loan on report ``report_id`` whose canonical bytes
have ``report_digest`` (what the bank's service verified with :mod:`verifier`). The contract
checks, at the transaction's time:

* the report's public status record (``reportstatus``) is that id, that digest, and
  ``valid`` (not superseded, not withdrawn): a decision is never linked to a report the
  ledger no longer stands behind;
* the enterprise's consent to the caller's bank for that report is live (not revoked, not
  expired) and the bank's access under it was recorded (``consent:access``) no later than
  now: a decision is linked only to a report the bank obtained under consent, and that
  obtaining is an audit entry (``consent.access``).

The loan terms (amount, rate, credit multiplier, decision) are the bank's business: they are
never an argument (every block keeps the arguments) and never transient data (the endorsers
of a transaction writing public state meet the chaincode's MAJORITY, so three
organisations' peers would read them). The bank's service keeps them in its own store and
sends only ``terms_commitment`` = ``sha256:`` of the RFC 8785 bytes of
``{"salt": <32 random bytes hex>, "terms": {...}}``; the bank can later open it to a
regulator (terms and salt), and nobody can guess the terms from it (the salt).
docs/services.md ("The bank: reports under consent, loans") says why not the bank's
implicit collection.

Writes the public record ``loan / uscc / report_id / bank / loan_id`` (no figure of the
report and none of the loan: ids, digests, the commitment, who and when) and the audit
entry ``loan.record`` whose ``commitments.terms`` is the commitment. A loan id is used
once per report and bank (409).
"""

from __future__ import annotations

import re
from typing import Any

from chaincode.shim import CompositeKey, Contract, Stub, create_composite_key, transaction

from . import _args
from ._audit import emit
from ._clock import fresh_instant
from ._codec import digest
from ._consent import live_consent
from ._consent_terms import report_id, show
from ._records import get_json, put_json
from ._report import load_status
from ._rules import require

__all__ = ["Loan", "loan_key"]

_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")
KIND = "carbontrust.loan-decision"


def loan_key(uscc: str, rid: str, bank_msp: str, loan_id: str) -> CompositeKey:
    return create_composite_key("loan", [uscc, rid, bank_msp, loan_id])


def _sha256(field: str, value: Any) -> str:
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise _args.bad(field, "sha256:<64 lowercase hex digits>", value)
    return value


class Loan(Contract):
    name = "loan"

    @transaction
    async def record(self, stub: Stub, loan_id: str, report_id_: str, report_digest: str,
                     terms_commitment: str) -> dict[str, Any]:
        now = fresh_instant(stub)   # the proposal's time, refused unless near our clock
        _args.identifier("loan_id", loan_id)
        uscc, start, end, version = report_id("report_id", report_id_)
        _sha256("report_digest", report_digest)
        _sha256("terms_commitment", terms_commitment)
        c = await require(stub, "loan.record")
        status = await load_status(stub, uscc, start, end, version)
        if status["id"] != report_id_ or status["digest"] != report_digest:
            raise _args.conflict(f"report {report_id_} has digest {status['digest']} on the "
                                 f"ledger, not {report_digest}")
        if status["status"] != "valid":
            raise _args.conflict(f"report {report_id_} is {status['status']} (a loan is "
                                 "decided on a valid report)")
        consent = await live_consent(stub, uscc, report_id_, c.mspid, now, accessed=True)
        key = loan_key(uscc, report_id_, c.mspid, loan_id)
        seen = await get_json(stub, key)
        if seen is not None:
            raise _args.conflict(f"loan {loan_id} on {report_id_} was already recorded in tx "
                                 f"{seen['recorded']['tx_id']}")
        record = {"v": 1, "kind": KIND, "loan_id": loan_id, "bank": c.mspid, "uscc": uscc,
                  "report_id": report_id_, "report_digest": report_digest,
                  "consent_id": consent["consent_id"],
                  "access_tx_id": consent["last_access"]["tx_id"],
                  "terms_commitment": terms_commitment,
                  "recorded": {"tx_id": stub.tx_id, "timestamp": show(now),
                               "fingerprint": c.fingerprint}}
        data = await put_json(stub, key, record)
        emit(stub, "loan.record", {"uscc": uscc, "bank": c.mspid, "report_id": report_id_,
                                   "consent_id": consent["consent_id"], "loan_id": loan_id},
             digests={"report": report_digest, "loan": digest(data)},
             commitments={"terms": terms_commitment})
        return record

    @transaction
    async def get(self, stub: Stub, uscc: str, report_id_: str, loan_id: str) -> dict[str, Any]:
        """The caller's bank's own loan record (evaluated)."""
        _args.identifier("loan_id", loan_id)
        if report_id("report_id", report_id_)[0] != uscc:
            raise _args.bad("report_id", f"a report of {uscc}", report_id_)
        c = await require(stub, "loan.record")
        record = await get_json(stub, loan_key(uscc, report_id_, c.mspid, loan_id))
        if record is None:
            raise _args.not_found("loan", f"{c.mspid} {report_id_} {loan_id}")
        return dict(record)
