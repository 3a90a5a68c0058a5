"""The ledger as the status list: what ``attestation:status`` answers, and offline snapshots.

A credential's ``credentialStatus`` (type ``CarbonTrustLedgerStatus``) names the channel,
the chaincode, a read-only function and its arguments (USCC, period start and end, and a
version). The verifier's caller supplies ``status_lookup``, a callable that takes an entry
and returns the function's answer from a peer it trusts (its own organisation's).
``attestation:status`` (result version) answers::

    {"v": 1, "kind": "carbontrust.attestation-status", "uscc": "...",
     "period": {"start": "...", "end": "..."}, "version": 1,
     "status": "active" | "withdrawn", "statement_digest": "sha256:...",
     "changed": {"tx_id": "...", "timestamp": "..."}, "latest_version": 1}

checked to be about this very attestation (the statement digest the credential carries);
``report:status`` (report version) answers the report's public status record
(``carbontrust.report-status``: id, digest, ``valid`` / ``withdrawn`` / ``superseded``),
checked against the report id and digest. A status of another record cannot stand in.

Offline verification is a separate, explicit mode: :class:`StatusSnapshot` answers from a
file of such answers taken earlier (``carbontrust credential status``), and says so (its
``source`` and ``as_of``); a snapshot older than its ``max_age`` is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from ._errors import CredentialError, StatusUnavailable
from ._model import timestamp

__all__ = ["ANSWER_KIND", "REPORT_ANSWER_KIND", "SNAPSHOT_KIND", "StatusLookup",
           "StatusSnapshot", "check_answer", "check_report_answer", "make_snapshot",
           "parse_instant"]

ANSWER_KIND = "carbontrust.attestation-status"
REPORT_ANSWER_KIND = "carbontrust.report-status"
SNAPSHOT_KIND = "carbontrust.credential-status-snapshot"
StatusLookup = Callable[[dict[str, Any]], dict[str, Any]]


def parse_instant(text: Any, what: str) -> dt.datetime:
    """An RFC 3339 / dateTimeStamp instant (with a zone) as an aware datetime."""
    m = re.fullmatch(r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(\.[0-9]+)?"
                     r"(Z|[+-][0-9]{2}:[0-9]{2})", text) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f"{what} {text!r} is not a date-time with a zone "
                         "(YYYY-MM-DDTHH:MM:SS[.f](Z|+hh:mm))")
    frac = (m.group(2) or "")[:7]
    zone = "+00:00" if m.group(3) == "Z" else m.group(3)
    return dt.datetime.fromisoformat(m.group(1) + frac + zone)


def check_answer(entry: dict[str, Any], answer: Any, statement_digest: str) -> dict[str, Any]:
    """The answer checked against the entry and the credential's statement digest."""
    if not isinstance(answer, dict) or answer.get("kind") != ANSWER_KIND or \
            answer.get("v") != 1:
        found = answer.get("kind") if isinstance(answer, dict) else type(answer).__name__
        raise CredentialError("STATUS_MISMATCH", f"the status answer is not a {ANSWER_KIND} "
                              f"v1 (found {found!r})")
    uscc, start, end, version = entry["arguments"]
    about = [answer.get("uscc"), (answer.get("period") or {}).get("start"),
             (answer.get("period") or {}).get("end"), str(answer.get("version"))]
    if about != [uscc, start, end, version]:
        raise CredentialError("STATUS_MISMATCH", f"the status answer is about {about}, the "
                              f"credential's entry names {[uscc, start, end, version]}")
    if answer.get("statement_digest") != statement_digest:
        raise CredentialError("STATUS_MISMATCH", f"the ledger's attestation {uscc} {start}.."
                              f"{end} v{version} has statement digest "
                              f"{answer.get('statement_digest')}, the credential carries "
                              f"{statement_digest}")
    status, latest = answer.get("status"), answer.get("latest_version")
    if status not in ("active", "withdrawn") or not isinstance(latest, int) or \
            isinstance(latest, bool) or latest < int(version):
        raise CredentialError("STATUS_MISMATCH", f"the status answer has status {status!r} "
                              f"and latest_version {latest!r}")
    return answer


def check_report_answer(entry: dict[str, Any], answer: Any, report_id: str,
                        report_digest: str) -> dict[str, Any]:
    """A ``report:status`` answer (the report's public status record) checked against the
    entry and the credential's report id and digest."""
    if not isinstance(answer, dict) or answer.get("kind") != REPORT_ANSWER_KIND or \
            answer.get("v") != 1:
        found = answer.get("kind") if isinstance(answer, dict) else type(answer).__name__
        raise CredentialError("STATUS_MISMATCH", f"the status answer is not a "
                              f"{REPORT_ANSWER_KIND} v1 (found {found!r})")
    uscc, start, end, version = entry["arguments"]
    period: dict[str, Any] = answer["period"] if isinstance(answer.get("period"),
                                                            dict) else {}
    about = [answer.get("uscc"), period.get("start"), period.get("end"),
             str(answer.get("version"))]
    if about != [uscc, start, end, version]:
        raise CredentialError("STATUS_MISMATCH", f"the report status answer is about {about}, "
                              f"the credential's entry names {[uscc, start, end, version]}")
    if (answer.get("id"), answer.get("digest")) != (report_id, report_digest):
        raise CredentialError("STATUS_MISMATCH", f"the ledger's report {answer.get('id')} has "
                              f"digest {answer.get('digest')}, the credential carries "
                              f"{report_id} {report_digest}")
    if answer.get("status") not in ("valid", "withdrawn", "superseded"):
        raise CredentialError("STATUS_MISMATCH", f"the report status is "
                              f"{answer.get('status')!r}")
    return answer


def make_snapshot(answers: list[tuple[dict[str, Any], dict[str, Any]]],
                  as_of: dt.datetime) -> dict[str, Any]:
    """A status snapshot: ``(entry, answer)`` pairs taken from the ledger at ``as_of``."""
    return {"v": 1, "kind": SNAPSHOT_KIND, "as_of": timestamp(as_of),
            "answers": [{"channel": e["channel"], "chaincode": e["chaincode"],
                         "function": e["function"], "arguments": e["arguments"],
                         "answer": a} for e, a in answers]}


class StatusSnapshot:
    """A status lookup answering from a snapshot (offline mode)."""

    source = "snapshot"

    def __init__(self, snapshot: Any, max_age: dt.timedelta = dt.timedelta(days=1)) -> None:
        if not isinstance(snapshot, dict) or snapshot.get("kind") != SNAPSHOT_KIND or \
                snapshot.get("v") != 1 or not isinstance(snapshot.get("answers"), list):
            raise ValueError(f"not a status snapshot ({SNAPSHOT_KIND} v1 with answers)")
        self.as_of = parse_instant(snapshot.get("as_of"), "snapshot as_of")
        self.max_age = max_age
        self._answers: dict[tuple[Any, ...], Any] = {}
        for i, item in enumerate(snapshot["answers"]):
            if not isinstance(item, dict) or not isinstance(item.get("arguments"), list):
                raise ValueError(f"snapshot answers[{i}] is not {{channel, chaincode, "
                                 "function, arguments, answer}")
            key = (item.get("channel"), item.get("chaincode"), item.get("function"),
                   tuple(map(str, item["arguments"])))
            self._answers[key] = item.get("answer")

    def __call__(self, entry: dict[str, Any]) -> dict[str, Any]:
        key = (entry["channel"], entry["chaincode"], entry["function"],
               tuple(entry["arguments"]))
        if key not in self._answers:
            raise StatusUnavailable(f"the snapshot of {timestamp(self.as_of)} holds no status "
                                    f"for {entry['function']} {entry['arguments']} on "
                                    f"{entry['channel']}/{entry['chaincode']}")
        answer = self._answers[key]
        if not isinstance(answer, dict):
            raise StatusUnavailable(f"the snapshot's answer for {entry['arguments']} is not "
                                    "an object")
        return answer

    def check_fresh(self, now: dt.datetime) -> None:
        if now - self.as_of > self.max_age:
            raise CredentialError("STATUS_STALE", f"the status snapshot is of "
                                  f"{timestamp(self.as_of)}, older than {self.max_age} at "
                                  f"{timestamp(now)}")


