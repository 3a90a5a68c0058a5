"""Split-view alarms: an organisation's evidence that another signed a different log.

``audit:alarm(evidence_json)`` with ``{"accused", "size", "ours", "theirs", "reason"}``:
two checkpoint notes of this channel's log at the same size with different roots, "ours"
signed by the caller organisation's registered key, "theirs" by the accused's.  Both
signatures are checked here, so an alarm on the ledger is proof (not a claim) that two
registered keys signed conflicting checkpoints; which one lies is for people to find out,
and neither checkpoint can be anchored beside the other (anchors only ever extend).

Stored at ``notaryalarm/<size>/<reporter>/<accused>`` with each note cut to its signer's
line; the first evidence for that key stays (a repeat is a no-op returning it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import notary
from chaincode.shim import Stub

from . import _args
from ._anchors import caller_key, own_line
from ._audit import emit
from ._audit_notes import MAX_SIZE, b64, checkpoint_note, first_line, key_text, only, signers
from ._codec import tx_time
from ._identity import Caller
from ._notary_keys import key_of
from ._records import get_json, notary_alarm_key, put_json

_FIELDS = frozenset({"accused", "size", "ours", "theirs", "reason"})


@dataclass(frozen=True)
class Evidence:
    accused: str
    size: int
    ours: tuple[notary.Note, notary.Checkpoint]
    theirs: tuple[notary.Note, notary.Checkpoint]
    reason: str


def _note(field: str, value: Any, channel: str) -> tuple[notary.Note, notary.Checkpoint]:
    if not isinstance(value, str):
        raise _args.bad(field, "a signed checkpoint note (text)", value)
    return checkpoint_note(field, value, channel)


def parse_evidence(text: str, channel: str) -> Evidence:
    doc = _args.json_object("evidence", text)
    _args.only_keys("evidence", doc, _FIELDS, _FIELDS)
    accused = _args.identifier("evidence.accused", doc["accused"])
    size = doc["size"]
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_SIZE:
        raise _args.bad("evidence.size", "a tree size 1-18446744073709551615 (a JSON integer)",
                        size)
    ours = _note("evidence.ours", doc["ours"], channel)
    theirs = _note("evidence.theirs", doc["theirs"], channel)
    for field, (_n, cp) in (("evidence.ours", ours), ("evidence.theirs", theirs)):
        if cp.size != size:
            raise _args.bad(field, f"a checkpoint of size {size} (evidence.size)", cp.size)
    if ours[1].root == theirs[1].root:
        raise _args.bad("evidence.theirs", f"a root other than ours ({b64(ours[1].root)}): "
                        "equal checkpoints are no split view", b64(theirs[1].root))
    reason = _args.text("evidence.reason", doc["reason"])
    return Evidence(accused, size, ours, theirs, reason)


async def raise_alarm(stub: Stub, c: Caller, ev: Evidence) -> dict[str, Any]:
    key = await caller_key(stub, c, "audit.alarm")
    our_line = own_line(ev.ours[0], key, "audit.alarm", c)
    if ev.accused == c.mspid:
        raise _args.bad("evidence.accused", f"another organisation than the reporter "
                        f"{c.mspid}", ev.accused)
    accused_key = await key_of(stub, ev.accused)
    if accused_key is None:
        raise _args.conflict(f"evidence.accused: {ev.accused} has no registered notary key, "
                             "so nothing it signed can be evidence")
    note = ev.theirs[0]
    their_line = first_line(note, accused_key)
    if their_line is None or not accused_key.check(note.text.encode("utf-8"),
                                                   their_line.signature):
        raise _args.conflict(f"evidence.theirs: expected a valid signature by {ev.accused}'s "
                             f"registered key {key_text(accused_key)}, found a note signed "
                             f"by {signers(note)}"
                             + (" whose line by that key does not verify"
                                if their_line is not None else ""))
    k = notary_alarm_key(ev.size, c.mspid, ev.accused)
    stored = await get_json(stub, k)
    if stored is not None:
        return dict(stored)
    roots = {"ours": b64(ev.ours[1].root), "theirs": b64(ev.theirs[1].root)}
    record = {"reporter": c.mspid, "accused": ev.accused, "size": ev.size,
              "reason": ev.reason, "ours": only(ev.ours[0], [our_line]),
              "theirs": only(note, [their_line]), "roots": roots,
              "tx_id": stub.tx_id, "timestamp": tx_time(stub)}
    await put_json(stub, k, record)
    emit(stub, "audit.alarm", {"reporter": c.mspid, "accused": ev.accused, "size": ev.size},
         roots)
    return record
