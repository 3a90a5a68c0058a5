"""Consent requests for an enterprise to sign: the grant document and the two proposals.

The contract's terms (chaincode/carbon/_consent_terms.py, docs/consent.md) fix the grant's
shape; the period is taken from the report id (``CCR-<USCC>-<start>-<end>-v<n>``), which
names it, so a caller cannot make them disagree. ``expires`` is written in UTC.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from gateway._identity import Identity
from gateway.offline._document import OfflineRequest

__all__ = ["grant_text", "prepare_grant", "prepare_revoke"]

_REPORT = re.compile(r"CCR-([0-9A-Z]{18})-([0-9]{8})-([0-9]{8})-v[1-9][0-9]*")


def _period(report_id: str) -> tuple[str, dict[str, str]]:
    m = _REPORT.fullmatch(report_id)
    if m is None:
        raise ValueError(f"report_id: expected CCR-<USCC>-<YYYYMMDD>-<YYYYMMDD>-v<n>, found "
                         f"{report_id!r}")
    start, end = (f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in (m.group(2), m.group(3)))
    return m.group(1), {"start": start, "end": end}


def _utc(expires: datetime.datetime) -> str:
    if expires.tzinfo is None:
        raise ValueError("expires: expected an aware datetime (a time zone), found a naive one")
    return expires.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def grant_text(*, consent_id: str, report_id: str, bank: str,
               expires: datetime.datetime) -> str:
    """The grant argument of ``consent:grant`` (uscc and period from the report id)."""
    uscc, period = _period(report_id)
    doc: dict[str, Any] = {"consent_id": consent_id, "uscc": uscc, "bank": bank,
                           "report_id": report_id, "period": period, "expires": _utc(expires)}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


def prepare_grant(relay: Any, creator: Identity, *, consent_id: str, report_id: str,
                  bank: str, expires: datetime.datetime) -> OfflineRequest:
    """The ``consent:grant`` proposal the enterprise ``creator`` signs (``relay``: a
    ``Relay`` or ``AsyncRelay``; preparing needs no network)."""
    text = grant_text(consent_id=consent_id, report_id=report_id, bank=bank, expires=expires)
    request: OfflineRequest = relay.prepare(creator, "consent:grant", [text])
    return request


def prepare_revoke(relay: Any, creator: Identity, *, consent_id: str, report_id: str,
                   bank: str) -> OfflineRequest:
    """The ``consent:revoke`` proposal the enterprise ``creator`` signs."""
    uscc, _period_ = _period(report_id)
    request: OfflineRequest = relay.prepare(
        creator, "consent:revoke", [uscc, report_id, bank, consent_id])
    return request
