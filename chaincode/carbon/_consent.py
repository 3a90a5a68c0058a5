"""consent:* an enterprise lets a named bank have a named report, until a time; the bank's access.

* ``grant(grant_json)``: the enterprise itself (rule consent.grant: its own registered,
  bound identity as the creator, active) grants ``bank`` access to ``report_id`` (and its
  period) until ``expires`` (the terms: _consent_terms.py).  409 when the consent id was
  used before for that report and bank (a replayed or re-sent grant, also after a
  revocation) and when another consent of the same report for the same bank is still in
  force (revoke it first: at most one consent is live per report and bank, so what a bank
  may do is never the union of forgotten grants).
* ``revoke(uscc, report_id, bank, consent_id)``: the enterprise itself (consent.revoke; a
  suspended enterprise may still revoke).  409 when already revoked.
* ``access(uscc, report_id)``: the bank's staff (consent.access) ask for the report; the
  contract finds the live consent naming the caller's MSP, else refuses 403 ``refused by
  rule consent.valid`` saying why: none, revoked (tx, time), expired (when, and the
  transaction's time).  A granted access is written into the consent (count, last access),
  so an access and a revocation of the same consent in one block conflict (MVCC): an
  access never commits after the revocation that ordered before it.
* ``get(uscc, report_id, bank, consent_id)``, ``list(uscc, page_size, bookmark)``:
  regulator staff, the enterprise (own), a bank's staff (consents naming that bank only).

Time is the transaction's timestamp, which the submitting client sets and Fabric does not
bound.  An access whose time is earlier than the consent's last recorded event (its grant
or the last access) is refused (consent.valid), so a bank cannot walk a consent back before
a time the ledger has already seen; and each endorser refuses an access whose time is more
than the allowed skew from its own clock (_clock.py), so a first access sent after the
expiry cannot be stamped inside the lifetime.  docs/consent.md says more.

Every grant, revocation and access emits one audit entry naming uscc, bank, report id and
consent id with the digest of the consent record written; the record holds no private data
(who may read which report until when, and the enterprise's certificate fingerprint).
"""

from __future__ import annotations

from typing import Any

from chaincode.shim import Contract, ContractError, Stub, transaction

from . import _args, _enterprise
from ._audit import emit
from ._clock import fresh_instant
from ._codec import digest, load
from ._consent_terms import Instant, bank, parse_grant, parse_time, report_id, show, tx_instant
from ._identity import Caller
from ._records import consent_key, get_json, put_json
from ._rules import REGULATOR, refused, require

PAGE = 200


def _refused_access(found: str) -> ContractError:
    return refused("consent.valid", f"needs a consent of the enterprise for this report to "
                   f"the caller's bank, not revoked and not expired at the transaction's "
                   f"time; found {found}")


def _live(record: dict[str, Any], now: Instant) -> bool:
    return record["revoked"] is None and parse_time("expires", record["expires"]) > now


def _why_not(records: list[dict[str, Any]], now: Instant, who: str) -> str:
    if not records:
        return f"no consent to {who}"
    last = max(records, key=lambda r: r["granted"]["timestamp"])
    if last["revoked"] is not None:
        return (f"consent {last['consent_id']} revoked in tx {last['revoked']['tx_id']} at "
                f"{last['revoked']['timestamp']}")
    return (f"consent {last['consent_id']} expired at {last['expires']} (transaction time "
            f"{show(now)})")


async def _consents(stub: Stub, uscc: str, rid: str, bank_msp: str) -> list[dict[str, Any]]:
    async with stub.get_state_by_partial_composite_key("consent", [uscc, rid, bank_msp]) as it:
        return [load(v) async for _k, v in it]


async def live_consent(stub: Stub, uscc: str, rid: str, bank_msp: str, now: Instant, *,
                       accessed: bool = False) -> dict[str, Any]:
    """The consent of uscc for report rid naming bank_msp, live at ``now``; with
    ``accessed`` it must also have a recorded access (consent:access) at or before ``now``.
    Else 403 ``refused by rule consent.valid`` saying why (used by loan:record too)."""
    records = await _consents(stub, uscc, rid, bank_msp)
    live = [r for r in records if _live(r, now)]
    if not live:
        raise _refused_access(_why_not(records, now, bank_msp))
    record = live[0]   # at most one: grant refuses a second live consent
    if accessed:
        last = record["last_access"]
        if last is None:
            raise _refused_access(f"consent {record['consent_id']} with no access recorded "
                                  "(consent:access first: every access is an audit entry)")
        if last["timestamp"] > show(now):
            raise _refused_access(f"consent {record['consent_id']}'s last access at "
                                  f"{last['timestamp']} later than the transaction's time "
                                  f"{show(now)}")
    return record


def _event_keys(record: dict[str, Any]) -> dict[str, Any]:
    return {"uscc": record["uscc"], "bank": record["bank"], "report_id": record["report_id"],
            "consent_id": record["consent_id"]}


def _may_see(c: Caller, record: dict[str, Any]) -> bool:
    """consent.read admitted c; a bank's staff see only consents naming their bank."""
    return c.kind == "enterprise" or c.mspid == REGULATOR or c.mspid == record["bank"]


class Consent(Contract):
    name = "consent"

    @transaction
    async def grant(self, stub: Stub, grant_json: str) -> dict[str, Any]:
        now = tx_instant(stub)
        g = parse_grant(grant_json, now)
        c = await require(stub, "consent.grant", uscc=g["uscc"])
        key = consent_key(g["uscc"], g["report_id"], g["bank"], g["consent_id"])
        seen = await get_json(stub, key)
        if seen is not None:
            raise _args.conflict(f"consent {g['consent_id']} of {g['uscc']} for "
                                 f"{g['report_id']} to {g['bank']} was already granted in tx "
                                 f"{seen['granted']['tx_id']} (a consent id is used once; "
                                 "grant again under a new id)")
        for other in await _consents(stub, g["uscc"], g["report_id"], g["bank"]):
            if _live(other, now):
                raise _args.conflict(f"consent {other['consent_id']} of {g['uscc']} for "
                                     f"{g['report_id']} to {g['bank']} is in force until "
                                     f"{other['expires']}; revoke it first")
        record = {**g, "granted": {"tx_id": stub.tx_id, "timestamp": show(now),
                                   "fingerprint": c.fingerprint},
                  "revoked": None, "accesses": 0, "last_access": None}
        data = await put_json(stub, key, record)
        emit(stub, "consent.grant", {**_event_keys(record), "expires": record["expires"]},
             digests={"consent": digest(data)})
        return record

    @transaction
    async def revoke(self, stub: Stub, uscc: str, report_id_: str, bank_msp: str,
                     consent_id: str) -> dict[str, Any]:
        now = tx_instant(stub)
        key = _key_args(uscc, report_id_, bank_msp, consent_id)
        c = await require(stub, "consent.revoke", uscc=uscc)
        record = await get_json(stub, key)
        if record is None:
            raise _args.not_found("consent", f"{uscc} {report_id_} {bank_msp} {consent_id}")
        if record["revoked"] is not None:
            raise _args.conflict(f"consent {consent_id} was already revoked in tx "
                                 f"{record['revoked']['tx_id']}")
        record["revoked"] = {"tx_id": stub.tx_id, "timestamp": show(now),
                             "fingerprint": c.fingerprint}
        data = await put_json(stub, key, record)
        emit(stub, "consent.revoke", _event_keys(record), digests={"consent": digest(data)})
        return record

    @transaction
    async def access(self, stub: Stub, uscc: str, report_id_: str) -> dict[str, Any]:
        now = fresh_instant(stub)   # the proposal's time, refused unless near our clock
        _enterprise.uscc("uscc", uscc)
        if report_id("report_id", report_id_)[0] != uscc:
            raise _args.bad("report_id", f"a report of {uscc}", report_id_)
        c = await require(stub, "consent.access")
        record = await live_consent(stub, uscc, report_id_, c.mspid, now)
        last = max(record["granted"]["timestamp"],
                   (record["last_access"] or {}).get("timestamp", ""))
        if show(now) < last:
            raise _refused_access(f"transaction time {show(now)} earlier than the consent's "
                                  f"last recorded event at {last} (a backdated proposal)")
        record["accesses"] += 1
        record["last_access"] = {"tx_id": stub.tx_id, "timestamp": show(now),
                                 "fingerprint": c.fingerprint}
        key = consent_key(uscc, report_id_, c.mspid, record["consent_id"])
        data = await put_json(stub, key, record)
        emit(stub, "consent.access", _event_keys(record), digests={"consent": digest(data)})
        return {"consent": record, "access": record["last_access"]}

    @transaction
    async def get(self, stub: Stub, uscc: str, report_id_: str, bank_msp: str,
                  consent_id: str) -> dict[str, Any]:
        key = _key_args(uscc, report_id_, bank_msp, consent_id)
        c = await require(stub, "consent.read", uscc=uscc)
        record = await get_json(stub, key)
        if record is None or not _may_see(c, record):
            if record is not None:
                raise refused("consent.read", f"needs the bank the consent names; found "
                              f"{c.describe()}")
            raise _args.not_found("consent", f"{uscc} {report_id_} {bank_msp} {consent_id}")
        return record

    @transaction
    async def list(self, stub: Stub, uscc: str, page_size: str,
                   bookmark: str) -> dict[str, Any]:
        """One page of the enterprise's consents (a bank's staff: those naming their bank)."""
        _enterprise.uscc("uscc", uscc)
        size = _args.page_size("page_size", page_size, PAGE)
        _args.bookmark("bookmark", bookmark)
        c = await require(stub, "consent.read", uscc=uscc)
        async with stub.get_state_by_partial_composite_key_with_pagination(
                "consent", [uscc], size, bookmark) as it:
            rows = [load(v) async for _k, v in it]
            next_mark = it.metadata.bookmark if it.metadata else ""
        return {"consents": [r for r in rows if _may_see(c, r)], "bookmark": next_mark}


def _key_args(uscc: str, rid: str, bank_msp: str, consent_id: str) -> Any:
    _enterprise.uscc("uscc", uscc)
    if report_id("report_id", rid)[0] != uscc:
        raise _args.bad("report_id", f"a report of {uscc}", rid)
    bank("bank", bank_msp)
    _args.identifier("consent_id", consent_id)
    return consent_key(uscc, rid, bank_msp, consent_id)


__all__ = ["Consent", "live_consent"]
