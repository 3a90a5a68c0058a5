"""The terms of a consent: the grant document, report ids and times, checked (400 naming the field).

A grant is the JSON object the enterprise signs (as the creator of ``consent:grant``)::

    {"consent_id": "<1-64 of [A-Za-z0-9._:-]>", "uscc": "<its own USCC>",
     "bank": "BankMSP", "report_id": "CCR-<USCC>-<YYYYMMDD>-<YYYYMMDD>-v<n>",
     "period": {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"},
     "expires": "<RFC 3339 time, e.g. 2026-12-31T16:00:00Z>"}

The report id is the report document's (docs/report.md: ``CCR-<USCC>-<start>-<end>-v<version>``),
so it names the enterprise and the period itself; the grant must repeat both and they must
agree, so a consent never covers another enterprise's report or another period by a slip.
``consent_id`` is the enterprise's own name for this grant (e.g. a UUID): it is used once,
ever, for that report and bank, which makes a replayed or re-sent grant a 409, not a second
consent.

Times are compared as integers (seconds, nanoseconds) in UTC, never as text: ``expires`` may
carry an offset and 0-9 fraction digits; it is stored normalised to the contract's own form
(RFC 3339 UTC with nine fraction digits, as ``_codec.iso_time`` writes transaction times).
"""

from __future__ import annotations

import calendar
import datetime
import re
from typing import Any

from chaincode.shim import Stub

from . import _args, _enterprise
from ._codec import iso_time
from ._rules import BANKS

GRANT_KEYS = frozenset({"consent_id", "uscc", "bank", "report_id", "period", "expires"})
REPORT_ID = re.compile(r"CCR-([0-9A-Z]{18})-([0-9]{8})-([0-9]{8})-v([1-9][0-9]{0,5})")
_TIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
                   r"(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2})")

Instant = tuple[int, int]  # (seconds since the epoch, nanoseconds), UTC


def parse_time(field: str, value: Any) -> Instant:
    """An RFC 3339 time with a zone (Z or +hh:mm), as (seconds, nanos) UTC."""
    m = _TIME.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        raise _args.bad(field, "an RFC 3339 time with a zone, e.g. 2026-12-31T16:00:00Z",
                        value)
    day, hh, mm, ss, frac, zone = m.groups()
    try:
        date = datetime.date.fromisoformat(day)
        clock = datetime.time(int(hh), int(mm), int(ss))
    except ValueError:
        raise _args.bad(field, "a real calendar date and time of day", value) from None
    offset = 0
    if zone != "Z":
        zh, zm = int(zone[1:3]), int(zone[4:6])
        if zh > 23 or zm > 59:
            raise _args.bad(field, "a zone offset of at most 23:59", value)
        offset = (zh * 3600 + zm * 60) * (1 if zone[0] == "+" else -1)
    local = datetime.datetime.combine(date, clock)
    seconds = calendar.timegm(local.timetuple()) - offset
    nanos = int((frac or "").ljust(9, "0"))
    return seconds, nanos


def tx_instant(stub: Stub) -> Instant:
    """The transaction's time: the proposal's timestamp (never the endorser's clock)."""
    if stub.timestamp is None:
        raise _args.bad("proposal.timestamp", "the transaction's time", None)
    seconds, nanos = stub.timestamp
    return int(seconds), int(nanos)


def show(t: Instant) -> str:
    return iso_time(*t)


def report_id(field: str, value: Any) -> tuple[str, str, str, int]:
    """(uscc, start, end, version) of a report id; the dates real ones."""
    m = REPORT_ID.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        raise _args.bad(field, "a report id CCR-<USCC>-<YYYYMMDD>-<YYYYMMDD>-v<version>",
                        value)
    uscc = _enterprise.uscc(field, m.group(1))
    start, end = (f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in (m.group(2), m.group(3)))
    _args.date(field, start)
    _args.date(field, end)
    if start > end:
        raise _args.bad(field, "a period whose start is not after its end", value)
    return uscc, start, end, int(m.group(4))


def bank(field: str, value: Any) -> str:
    if value not in BANKS:
        raise _args.bad(field, "the MSP id of a bank on the channel (" + ", ".join(BANKS) + ")",
                        value)
    return str(value)


def parse_grant(text: str, now: Instant) -> dict[str, Any]:
    """The grant, checked; its ``expires`` normalised and after the transaction's time."""
    doc = _args.json_object("grant", text)
    _args.only_keys("grant", doc, GRANT_KEYS, GRANT_KEYS)
    _args.identifier("grant.consent_id", doc["consent_id"])
    uscc = _enterprise.uscc("grant.uscc", doc["uscc"])
    bank("grant.bank", doc["bank"])
    rid_uscc, start, end, _version = report_id("grant.report_id", doc["report_id"])
    if rid_uscc != uscc:
        raise _args.bad("grant.report_id", f"a report of {uscc} (the grant's uscc)",
                        doc["report_id"])
    period = doc["period"]
    if not isinstance(period, dict):
        raise _args.bad("grant.period", "an object {start, end}", period)
    _args.only_keys("grant.period", period, {"start", "end"}, {"start", "end"})
    _args.date("grant.period.start", period["start"])
    _args.date("grant.period.end", period["end"])
    if (period["start"], period["end"]) != (start, end):
        raise _args.bad("grant.period", f"the report id's period {start}..{end}",
                        f"{period['start']}..{period['end']}")
    expires = parse_time("grant.expires", doc["expires"])
    if expires <= now:
        raise _args.bad("grant.expires", f"a time after the transaction's time {show(now)}",
                        show(expires))
    return {**doc, "expires": show(expires), "period": {"start": start, "end": end}}
