"""The audit contract's arguments: signed checkpoint notes, consistency proofs, tree sizes.

Everything here depends on the arguments and the channel only (never on state), so a bad
value is a 400 naming the field, as everywhere in the contract.  Parsing is ``notary``'s
(C2SP signed-note and tlog-checkpoint); this module only words its errors and adds the
contract's own limits: the note is a checkpoint of this channel's log origin, of size at
least 1 (the empty tree needs no anchor), and not longer than :data:`MAX_NOTE`.

Roots and proof hashes travel as standard base64, as in C2SP tlog-proof.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import notary
from verifier._entry import origin as log_origin

from . import _args

MAX_NOTE = 16 * 1024          # a checkpoint with 100 signature lines is about 10 KiB
MAX_PROOF = 64                # a consistency proof in a tree of up to 2**64 leaves
MAX_SIZE = (1 << 64) - 1


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def channel_origin(channel: str) -> str:
    return log_origin(channel)


def checkpoint_note(field: str, text: str, channel: str) -> tuple[notary.Note, notary.Checkpoint]:
    """The parsed note and its checkpoint body; 400 unless it is a checkpoint of size >= 1
    of this channel's log."""
    if len(text) > MAX_NOTE:
        raise _args.bad(field, f"a signed checkpoint note of at most {MAX_NOTE} characters",
                        f"{len(text)} characters")
    try:
        note = notary.Note.parse(text)
        cp = notary.Checkpoint.from_body(note.text)
    except notary.FormatError as exc:
        raise _args.bad(field, "a signed checkpoint note (C2SP signed-note, tlog-checkpoint)",
                        str(exc)) from None
    want = channel_origin(channel)
    if cp.origin != want:
        raise _args.bad(field, f"a checkpoint of origin {want!r}", cp.origin)
    if cp.size < 1:
        raise _args.bad(field, "a checkpoint of size >= 1 (the empty tree is never signed "
                        "or anchored)", cp.size)
    return note, cp


def tree_size(field: str, value: str) -> int:
    """A tree size: canonical decimal 0 .. 2**64-1."""
    if not (value.isascii() and value.isdigit()) or (len(value) > 1 and value[0] == "0") \
            or len(value) > 20 or int(value) > MAX_SIZE:
        raise _args.bad(field, "a tree size 0-18446744073709551615 in canonical decimal", value)
    return int(value)


def proof_hashes(field: str, text: str) -> list[bytes]:
    """A JSON list of base64 32-byte hashes."""
    try:
        value: Any = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _args.bad(field, "a JSON list of base64 hashes", f"invalid JSON ({exc})") from None
    if not isinstance(value, list):
        raise _args.bad(field, "a JSON list of base64 hashes", text)
    if len(value) > MAX_PROOF:
        raise _args.bad(field, f"at most {MAX_PROOF} hashes", f"{len(value)} hashes")
    out = []
    for i, item in enumerate(value):
        try:
            if not isinstance(item, str):
                raise ValueError("not a string")
            raw = base64.b64decode(item.encode("ascii"), validate=True)
        except (ValueError, binascii.Error, UnicodeEncodeError):
            raise _args.bad(f"{field}[{i}]", "a base64 SHA-256 hash", item) from None
        if len(raw) != 32 or b64(raw) != item:
            raise _args.bad(f"{field}[{i}]", "a canonical base64 hash of 32 bytes", item)
        out.append(raw)
    return out


def first_line(note: notary.Note, key: notary.Verifier) -> notary.NoteSignature | None:
    """The note's first signature line by ``key`` (name and key id), as notary counts it."""
    for sig in note.signatures:
        if (sig.name, sig.key_id) == (key.name, key.key_id):
            return sig
    return None


def signers(note: notary.Note) -> str:
    """Who signed the note, for error messages: name+keyid, comma separated."""
    return ", ".join(f"{s.name}+{s.key_id:08x}" for s in note.signatures) or "nobody"


def key_text(key: notary.Verifier) -> str:
    return f"{key.name}+{key.key_id:08x}"


def only(note: notary.Note, lines: list[notary.NoteSignature]) -> str:
    """The note text with only ``lines`` as its signatures."""
    return notary.Note(note.text, tuple(lines)).format()
