"""C2SP tlog-checkpoint bodies, cosigning policies, witnesses and split-view checks.

Time is always a parameter (POSIX seconds); nothing here reads a clock.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ._errors import (
    FormatError,
    InconsistentCheckpointError,
    PolicyError,
    ProofError,
    ProofLengthError,
    RollbackError,
    SignatureError,
    SplitViewError,
)
from ._note import COSIGNATURE_V1, Note, Signer, Verifier, _b64decode, _utf8
from ._verify import EMPTY_ROOT, MAX_TREE_SIZE, verify_consistency

__all__ = [
    "Checkpoint",
    "Policy",
    "VerifiedCheckpoint",
    "Witness",
    "check_extends",
]


@dataclass(frozen=True)
class Checkpoint:
    """The body of a checkpoint: origin, tree size, root hash, optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise FormatError("checkpoint", 1, "origin must be one non-empty line")
        _utf8(self.origin, "checkpoint", 1)
        if not 0 <= self.size <= MAX_TREE_SIZE:
            raise FormatError("checkpoint", 2, f"size {self.size} is outside 0..2**64-1")
        if len(self.root) != 32:
            raise FormatError("checkpoint", 3, "root hash must be 32 bytes")
        if self.size == 0 and self.root != EMPTY_ROOT:
            # the empty tree has exactly one root; a size-0 checkpoint claiming another is
            # false, and a witness that cosigned it could never cosign the real log after it
            raise FormatError(
                "checkpoint", 3, f"size 0 needs the empty-tree root {EMPTY_ROOT.hex()}, "
                f"found {bytes(self.root).hex()}"
            )
        for i, ext in enumerate(self.extensions, start=4):
            if not ext or "\n" in ext:
                raise FormatError("checkpoint", i, "extension lines must be non-empty")
            _utf8(ext, "checkpoint", i)

    def body(self) -> str:
        """The note text: origin, size, base64 root, extensions, each ending in a newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        return "\n".join([*lines, *self.extensions]) + "\n"

    @classmethod
    def from_body(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body; a :class:`FormatError` names the bad line."""
        if not text.endswith("\n"):
            raise FormatError("checkpoint", text.count("\n") + 1, "missing final newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise FormatError("checkpoint", len(lines) + 1, "needs origin, size and root lines")
        origin, size_text, root_text, *ext = lines
        if not origin:
            raise FormatError("checkpoint", 1, "empty origin")
        if (
            not size_text.isascii()
            or not size_text.isdigit()
            or (size_text.startswith("0") and size_text != "0")
        ):
            raise FormatError("checkpoint", 2, f"size {size_text!r} is not a canonical decimal")
        if len(size_text) > len(str(MAX_TREE_SIZE)):  # before int(): no 4300-digit ValueError
            raise FormatError("checkpoint", 2, f"size of {len(size_text)} digits exceeds 2**64-1")
        root = _b64decode(root_text, "checkpoint", 3)
        if len(root) != 32:
            raise FormatError("checkpoint", 3, f"root hash is {len(root)} bytes, not 32")
        for i, line in enumerate(ext, start=4):
            if not line:
                raise FormatError("checkpoint", i, "empty extension line")
        return cls(origin, int(size_text), root, tuple(ext))


@dataclass(frozen=True)
class VerifiedCheckpoint:
    """A checkpoint whose note met a policy: the keys that vouched for it, and when
    (``cosigned_at``: POSIX time of each timestamped cosignature, by cosigner name)."""

    checkpoint: Checkpoint
    note: Note
    log_signers: tuple[str, ...]
    cosigners: tuple[str, ...]
    cosigned_at: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    """Which keys count for a log and how many cosignatures a checkpoint needs.

    ``log_keys``: if non-empty, at least one must have signed (type 0x01).
    ``witnesses``: cosigner keys (type 0x04, or 0x01 for organisations that sign plainly);
    ``threshold`` of them must have signed, each distinct name counted once.
    """

    origin: str
    witnesses: tuple[Verifier, ...]
    threshold: int
    log_keys: tuple[Verifier, ...] = ()

    def __post_init__(self) -> None:
        names = {w.name for w in self.witnesses}
        if not 0 <= self.threshold <= len(names):
            raise ValueError(f"threshold {self.threshold} outside 0..{len(names)} witnesses")
        if self.threshold == 0 and not self.log_keys:
            raise ValueError("a policy needs log keys or a positive threshold")
        log_publics = {k.public for k in self.log_keys}
        selfies = [w.name for w in self.witnesses if w.public in log_publics]
        if selfies:
            raise ValueError(f"witness keys {selfies} are the log's own key: a log cannot "
                             f"witness itself")

    def verify(self, note_text: str | bytes, now: int | None = None) -> VerifiedCheckpoint:
        """Parse a signed checkpoint and check it meets this policy.

        Unknown signatures are ignored; a known key's bad signature is a
        :class:`SignatureError`; with ``now`` given, cosignatures dated in the future do
        not count. Raises :class:`FormatError`, :class:`SignatureError`, :class:`PolicyError`.
        """
        note = Note.parse(note_text)
        cp = Checkpoint.from_body(note.text)
        if cp.origin != self.origin:
            raise SignatureError(f"origin {cp.origin!r} is not the policy's {self.origin!r}")
        log_ok = note.verified_by(self.log_keys)
        if self.log_keys and not log_ok:
            raise SignatureError(f"checkpoint of {cp.origin!r} lacks the log's signature")
        sigs: dict[tuple[str, int], bytes] = {}
        for s in note.signatures:  # as Go's note.Open: a key's first line counts
            sigs.setdefault((s.name, s.key_id), s.signature)
        counted: set[str] = set()
        times: dict[str, int] = {}
        for w in note.verified_by(self.witnesses):
            ts = w.timestamp(sigs[(w.name, w.key_id)])
            if now is not None and ts is not None and ts > now:
                continue  # dated in the future: does not count
            counted.add(w.name)
            if ts is not None:
                times.setdefault(w.name, ts)
        if len(counted) < self.threshold:
            raise PolicyError(self.threshold, sorted(counted), cp.origin)
        return VerifiedCheckpoint(
            cp, note, tuple(v.name for v in log_ok), tuple(sorted(counted)), times
        )


def check_extends(older: Checkpoint, newer: Checkpoint, proof: Sequence[bytes]) -> None:
    """Refuse ``newer`` unless it extends ``older`` (same origin).

    Same size and different roots is a :class:`SplitViewError`; a smaller size a
    :class:`RollbackError`; a failed consistency proof an
    :class:`InconsistentCheckpointError`. Each carries both checkpoints.

    Every tree extends the empty tree (a size-0 :class:`Checkpoint` always holds the
    empty-tree root), so after ``older.size == 0`` no proof is needed and a non-empty
    one is refused: it would be a proof from size 0, which proves nothing.
    """
    if older.origin != newer.origin:
        raise ValueError(f"different logs: {older.origin!r} and {newer.origin!r}")
    if newer.size == older.size:
        if newer.root != older.root:
            raise SplitViewError(older, newer)
        return
    if newer.size < older.size:
        raise RollbackError(older, newer)
    if older.size == 0:
        if proof:
            cause = ProofLengthError("consistency", 0, len(proof), size1=0, size2=newer.size)
            raise InconsistentCheckpointError(older, newer, cause)
        return
    try:
        verify_consistency(older.size, newer.size, proof, older.root, newer.root)
    except ProofError as exc:
        raise InconsistentCheckpointError(older, newer, exc) from exc


class Witness:
    """An organisation's cosigner: cosigns a checkpoint only after checking it extends the
    last one it cosigned for that origin, so it never cosigns backwards or a split view.

    ``latest`` maps origin to the last checkpoint cosigned; persist it (for instance with
    :meth:`Checkpoint.body`) between runs.
    """

    def __init__(
        self,
        signer: Signer,
        log_keys: Mapping[str, Sequence[Verifier]],
        latest: Mapping[str, Checkpoint] | None = None,
        last_time: Mapping[str, int] | None = None,
    ) -> None:
        if signer.alg != COSIGNATURE_V1:
            raise ValueError("a witness signs with a cosignature (type 0x04) key")
        self.signer = signer
        self.log_keys = {k: tuple(v) for k, v in log_keys.items()}
        self.latest: dict[str, Checkpoint] = dict(latest or {})
        #: per origin, the time of this witness's last cosignature: never signs backwards
        self.last_time: dict[str, int] = dict(last_time or {})

    def cosign(self, note_text: str, proof: Sequence[bytes], now: int) -> str:
        """Check and cosign ``note_text``; returns the note with this witness's line added.

        ``proof`` is the consistency proof from the last cosigned size to the new one
        (empty on first sight). Raises a :class:`ProofError` subclass and cosigns nothing
        if the log's signature, the format or the consistency check fails.
        """
        if not 0 <= now < 1 << 63:  # checked first: a refused cosign remembers nothing
            raise ValueError(f"cosignature time {now} is outside 0..2**63-1")
        note = Note.parse(note_text)
        cp = Checkpoint.from_body(note.text)
        keys = self.log_keys.get(cp.origin)
        if not keys:
            raise SignatureError(f"no log key known for origin {cp.origin!r}")
        if not note.verified_by(keys):
            raise SignatureError(f"checkpoint of {cp.origin!r} lacks the log's signature")
        last = self.last_time.get(cp.origin)
        if last is not None and now < last:
            # a cosignature says "as of now, this is the largest tree I have seen"
            raise ValueError(f"cosignature time {now} for {cp.origin!r} is before this "
                             f"witness's last one ({last}): clocks never go backwards here")
        previous = self.latest.get(cp.origin)
        if previous is not None:
            check_extends(previous, cp, proof)
        self.latest[cp.origin] = cp
        self.last_time[cp.origin] = now
        return note.with_signature(self.signer.sign(note.text, now)).format()
