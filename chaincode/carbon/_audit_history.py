"""audit:history: every version of a public record, by record type and key.

The regulator's audit asks for "the history of any record"; public records have their
versions in the ledger's history database (``GetHistoryForKey``, newest first).  Private
records (reading batches, operating data) have no public versions to show: their history
is the audit entries (salted commitments) in the log, so asking for them is a 400 that says
so, not an empty list that would look like "never written".

Record types and their keys:

===============  ================================  =====================================
type             key argument                      ledger key
===============  ================================  =====================================
enterprise       USCC                              enterprise / uscc
meter            meter id                          meter / meter_id
factor-set       version                           governance / factor_set / version
rule-set         version                           governance / rule_set / version
consent          USCC/REPORT_ID/BANK/CONSENT_ID    consent / uscc / report / bank / id
attestation      USCC/FROM/TO/VERSION              attestation / uscc / from / to / 000001
report           CCR-<USCC>-<FROM>-<TO>-v<N>       reportstatus / uscc / from / to / 00000N
                 (the report id)                   (the public status record; the report
                                                   itself is private: privateReadings)
===============  ================================  =====================================
"""

from __future__ import annotations

from typing import Any

from chaincode.shim import CompositeKey, ContractError, Stub, create_composite_key

from . import _args, _enterprise
from ._codec import iso_time, load
from ._records import consent_key, enterprise_key, governance_key, meter_key

PUBLIC = ("enterprise", "meter", "factor-set", "rule-set", "consent", "attestation", "report")
#: results and ratings live in privateReadings (chaincode/carbon/_results.py, _rating.py)
PRIVATE = ("batch", "operating-data", "result", "rating")


def ledger_key(record_type: str, key: str) -> CompositeKey:
    """The ledger key of a public record; 400 for a private type or a bad key."""
    if record_type in PRIVATE:
        raise ContractError(f"record_type: {record_type!r} is a private record: use the "
                            "audit entries (carbontrust audit prove / export), whose "
                            "commitments the entitled organisations can open", 400)
    _args.choice("record_type", record_type, PUBLIC + PRIVATE)
    if record_type == "enterprise":
        return enterprise_key(_enterprise.uscc("key", key))
    if record_type == "meter":
        return meter_key(_args.identifier("key", key))
    if record_type == "consent":
        return _consent_key(key)
    if record_type == "attestation":
        return _attestation_key(key)
    if record_type == "report":
        from ._consent_terms import report_id
        from ._report import status_key

        return status_key(*report_id("key", key))
    if record_type in ("factor-set", "rule-set"):
        return governance_key(record_type.replace("-", "_"), _args.version("key", key))
    return create_composite_key(record_type, [_args.text("key", key)])


def _consent_key(key: str) -> CompositeKey:
    from ._consent_terms import bank, report_id

    parts = key.split("/")
    if len(parts) != 4:
        raise _args.bad("key", "USCC/REPORT_ID/BANK/CONSENT_ID", key)
    uscc, rid, bank_msp, consent_id = parts
    _enterprise.uscc("key", uscc)
    if report_id("key", rid)[0] != uscc:
        raise _args.bad("key", f"a report of {uscc}", rid)
    bank("key", bank_msp)
    return consent_key(uscc, rid, bank_msp, _args.identifier("key", consent_id))


def _attestation_key(key: str) -> CompositeKey:
    from ._attestation import attestation_key

    parts = key.split("/")
    if len(parts) != 4 or not parts[3].isdigit() or not 0 < int(parts[3]) < 10**6:
        raise _args.bad("key", "USCC/FROM/TO/VERSION (dates YYYY-MM-DD, version 1..999999)", key)
    uscc, start, end, version = parts
    _enterprise.uscc("key", uscc)
    return attestation_key(uscc, _args.date("key", start), _args.date("key", end), int(version))


async def versions(stub: Stub, record_type: str, key: str,
                   ledger: CompositeKey) -> list[dict[str, Any]]:
    async with stub.get_history_for_key(ledger) as it:
        out = [{"tx_id": m.tx_id, "timestamp": iso_time(*m.timestamp),
                "is_delete": m.is_delete, "value": None if m.is_delete else load(m.value)}
               async for m in it]
    if not out:
        raise _args.not_found(record_type, key)
    return out
