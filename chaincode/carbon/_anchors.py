"""Checkpoint signatures and anchors: what the ledger accepts as the audit log's state.

Each organisation's follower computes the log itself and signs its checkpoint with its
registered notary key (``audit:sign``: the caller's own line only, stored per size and
MSP).  Once ``THRESHOLD`` organisations have signed the same checkpoint, anyone on the
channel may anchor it (``audit:anchor``); the chaincode checks, deterministically, from
the arguments and the state only:

* the note meets ``notary.Policy(origin, <registered keys>, THRESHOLD)``: at least
  THRESHOLD registered keys signed it, and no registered key's line fails (a forged line
  is evidence of an attack, not noise, as C2SP signed-note advises);
* it extends the anchored head by ``notary.check_extends``: a bigger tree with a valid
  RFC 9162 consistency proof from the head (the empty tree when nothing is anchored yet),
  never a smaller one (stale or rolled back) nor the same size with another root (a split
  view).  The same size and root as the head is a no-op that returns the head.

Refusals that depend on the state are 409 whose message starts with a stable word:
``stale``, ``split view``, ``inconsistent``, ``threshold``, ``signature``; roots are in
base64, as in the notes.  Nothing reads a clock: times are the proposal's.
"""

from __future__ import annotations

import base64
from typing import Any

import notary
from chaincode.shim import Stub
from verifier._entry import THRESHOLD

from . import _args
from ._audit import emit
from ._audit_notes import b64, first_line, key_text, only, signers
from ._codec import tx_time
from ._identity import Caller
from ._notary_keys import key_of, registered
from ._records import anchor_head_key, anchor_key, get_json, notary_sig_key, put_json
from ._rules import RULES, refused


def own_line(note: notary.Note, key: notary.Verifier, rule_id: str,
             c: Caller) -> notary.NoteSignature:
    """The note's line by the caller's registered key; 403 by rule_id if absent or bad."""
    says = RULES[rule_id].says
    line = first_line(note, key)
    if line is None:
        raise refused(rule_id, f"needs {says}; found a note signed by {signers(note)}, not "
                      f"by {c.mspid}'s registered key {key_text(key)}")
    if not key.check(note.text.encode("utf-8"), line.signature):
        raise refused(rule_id, f"needs {says}; the signature by {key_text(key)} does not "
                      f"verify over this checkpoint")
    return line


async def caller_key(stub: Stub, c: Caller, rule_id: str) -> notary.Verifier:
    key = await key_of(stub, c.mspid)
    if key is None:
        raise refused(rule_id, f"needs {RULES[rule_id].says}; found {c.describe()}, and "
                      f"{c.mspid} has no registered notary key (audit:register_key)")
    return key


async def head(stub: Stub) -> dict[str, Any] | None:
    found: dict[str, Any] | None = await get_json(stub, anchor_head_key())
    return found


async def sign(stub: Stub, c: Caller, note: notary.Note, cp: notary.Checkpoint
               ) -> dict[str, Any]:
    key = await caller_key(stub, c, "audit.sign")
    line = own_line(note, key, "audit.sign", c)
    current = await head(stub)
    if current is not None and cp.size <= current["size"]:
        raise _args.conflict(f"stale: checkpoint size {cp.size} is not above the anchored "
                             f"head size {current['size']} (root {current['root']}, tx "
                             f"{current['tx_id']})")
    root = b64(cp.root)
    stored = await get_json(stub, notary_sig_key(cp.size, c.mspid))
    if stored is not None:
        if stored["root"] == root:
            return dict(stored)
        raise _args.conflict(f"split view: {c.mspid} signed size {cp.size} with root "
                             f"{stored['root']} (tx {stored['tx_id']}); this note has root "
                             f"{root}")
    record = {"mspid": c.mspid, "size": cp.size, "root": root, "note": only(note, [line]),
              "tx_id": stub.tx_id, "timestamp": tx_time(stub)}
    await put_json(stub, notary_sig_key(cp.size, c.mspid), record)
    emit(stub, "audit.sign", {"mspid": c.mspid, "size": cp.size}, {"root": root})
    return record


def _cause(exc: notary.ProofError) -> str:
    if isinstance(exc, notary.ProofLengthError):
        return f"the proof needs {exc.expected} hashes, found {exc.got}"
    if isinstance(exc, notary.RootMismatchError):
        return (f"{exc.which} recomputed from the proof is {b64(exc.calculated)}, expected "
                f"{b64(exc.expected)}")
    return str(exc)


def _verified(note: notary.Note, text: str, channel_origin: str,
              keys: dict[str, notary.Verifier]) -> notary.Note:
    """The note with only the registered keys' lines that verified (first line per key)."""
    registered_names = ", ".join(sorted(keys)) or "none"
    if len(keys) < THRESHOLD:
        raise _args.conflict(f"threshold: anchoring needs {THRESHOLD} registered notary keys, "
                             f"{len(keys)} registered ({registered_names})")
    policy = notary.Policy(channel_origin, tuple(keys.values()), THRESHOLD)
    try:
        checked = policy.verify(text)
    except notary.SignatureError as exc:
        raise _args.conflict(f"signature: {exc}: a registered key's line must verify") from None
    except notary.PolicyError as exc:
        raise _args.conflict(f"threshold: the checkpoint needs {THRESHOLD} signatures by "
                             f"registered notary keys ({registered_names}), found "
                             f"{len(exc.valid)} ({', '.join(exc.valid) or 'none'}); signed "
                             f"by {signers(note)}") from None
    counted = {(k.name, k.key_id) for k in keys.values() if k.name in checked.cosigners}
    lines: dict[tuple[str, int], notary.NoteSignature] = {}
    for line in note.signatures:  # in the note's order, a key's first line (as notary counts)
        if (line.name, line.key_id) in counted:
            lines.setdefault((line.name, line.key_id), line)
    return notary.Note(note.text, tuple(lines.values()))


async def anchor(stub: Stub, note: notary.Note, cp: notary.Checkpoint, text: str,
                 proof: list[bytes]) -> dict[str, Any]:
    kept = _verified(note, text, cp.origin, await registered(stub))
    current = await head(stub)
    if current is None:
        older = notary.Checkpoint(cp.origin, 0, notary.EMPTY_ROOT)
    else:
        older = notary.Checkpoint(cp.origin, current["size"],
                                  base64.b64decode(current["root"]))
        if (cp.size, cp.root) == (older.size, older.root):
            return current
    where = "" if current is None else f" (tx {current['tx_id']})"
    try:
        notary.check_extends(older, cp, proof)
    except notary.SplitViewError:
        raise _args.conflict(f"split view: the anchored head at size {older.size} has root "
                             f"{b64(older.root)}{where}; this checkpoint has root "
                             f"{b64(cp.root)}") from None
    except notary.RollbackError:
        raise _args.conflict(f"stale: checkpoint size {cp.size} is below the anchored head "
                             f"size {older.size}{where}") from None
    except notary.InconsistentCheckpointError as exc:
        raise _args.conflict(f"inconsistent: the consistency proof from the anchored head "
                             f"(size {older.size}, root {b64(older.root)}) to size {cp.size} "
                             f"(root {b64(cp.root)}) fails: {_cause(exc.cause)}") from None
    record: dict[str, Any] = {"size": cp.size, "root": b64(cp.root), "note": kept.format(),
                              "previous_size": older.size, "proof": [b64(h) for h in proof],
                              "tx_id": stub.tx_id, "timestamp": tx_time(stub)}
    await put_json(stub, anchor_key(cp.size), record)
    await put_json(stub, anchor_head_key(), record)
    emit(stub, "audit.anchor", {"size": cp.size}, {"root": record["root"]})
    return record
