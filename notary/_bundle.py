"""Offline proof bundles: C2SP tlog-proof text, and the same content as JSON.

A bundle holds an entry's index, its inclusion proof and the cosigned checkpoint. It is
checked with nothing but the bundle, the entry bytes and a :class:`~notary.Policy`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ._checkpoint import Policy, VerifiedCheckpoint
from ._errors import FormatError
from ._note import Note, _b64decode
from ._verify import MAX_TREE_SIZE, leaf_hash, verify_inclusion

__all__ = ["ProofBundle", "verify_bundle", "HEADER"]

HEADER = "c2sp.org/tlog-proof@v1"


@dataclass(frozen=True)
class ProofBundle:
    """Index, inclusion proof (leaf sibling first) and the signed checkpoint note."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.index <= MAX_TREE_SIZE:
            raise FormatError("proof bundle", 0, f"index {self.index} is outside 0..2**64-1")
        if any(len(p) != 32 for p in self.proof):
            raise FormatError("proof bundle", 0, "proof hashes must be 32 bytes")
        Note.parse(self.checkpoint)

    @classmethod
    def build(
        cls, index: int, proof: Sequence[bytes], checkpoint: str, extra: bytes | None = None
    ) -> ProofBundle:
        return cls(index, tuple(bytes(p) for p in proof), checkpoint, extra)

    def to_text(self) -> str:
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines.extend(base64.b64encode(p).decode() for p in self.proof)
        return "\n".join(lines) + "\n\n" + self.checkpoint

    @classmethod
    def from_text(cls, text: str | bytes) -> ProofBundle:
        """Parse tlog-proof text; a :class:`FormatError` names the bad line."""
        if isinstance(text, bytes):
            try:
                text = text.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError("proof bundle", 0, f"not UTF-8 ({exc.reason})") from None
        head, sep, checkpoint = text.partition("\n\n")
        lines = head.split("\n")
        if lines[0] != HEADER:
            raise FormatError("proof bundle", 1, f"first line must be {HEADER!r}")
        if not sep:
            raise FormatError("proof bundle", len(lines) + 1, "no blank line before the checkpoint")
        n = 1
        extra = None
        if n < len(lines) and lines[n].startswith("extra "):
            extra = _b64decode(lines[n][6:], "proof bundle", n + 1)
            n += 1
        if n >= len(lines) or not lines[n].startswith("index "):
            raise FormatError("proof bundle", n + 1, "expected 'index <decimal>'")
        digits = lines[n][6:]
        if not digits.isascii() or not digits.isdigit() or (digits[0] == "0" and digits != "0"):
            raise FormatError("proof bundle", n + 1, f"index {digits!r} is not a canonical decimal")
        if len(digits) > len(str(MAX_TREE_SIZE)):  # before int(): no 4300-digit ValueError
            raise FormatError("proof bundle", n + 1, f"index of {len(digits)} digits > 2**64-1")
        proof = []
        for number, line in enumerate(lines[n + 1 :], start=n + 2):
            h = _b64decode(line, "proof bundle", number)
            if len(h) != 32:
                raise FormatError("proof bundle", number, f"hash is {len(h)} bytes, not 32")
            proof.append(h)
        try:
            Note.parse(checkpoint)
        except FormatError as exc:
            shift = len(lines) + 1
            raise FormatError(
                "proof bundle", exc.line + shift if exc.line else 0, exc.reason
            ) from None
        return cls(int(digits), tuple(proof), checkpoint, extra)

    def to_json(self) -> str:
        obj: dict[str, Any] = {
            "format": HEADER,
            "index": self.index,
            "proof": [base64.b64encode(p).decode() for p in self.proof],
            "checkpoint": self.checkpoint,
        }
        if self.extra is not None:
            obj["extra"] = base64.b64encode(self.extra).decode()
        return json.dumps(obj, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> ProofBundle:
        try:
            obj = json.loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deep
            raise FormatError("proof bundle JSON", 0, f"{type(exc).__name__}: {exc}") from None
        if not isinstance(obj, dict) or obj.get("format") != HEADER:
            raise FormatError("proof bundle JSON", 0, f"'format' must be {HEADER!r}")
        index, proof, cp = obj.get("index"), obj.get("proof"), obj.get("checkpoint")
        if not isinstance(index, int) or isinstance(index, bool):
            raise FormatError("proof bundle JSON", 0, "'index' must be an integer")
        if not isinstance(proof, list) or not all(isinstance(p, str) for p in proof):
            raise FormatError("proof bundle JSON", 0, "'proof' must be a list of base64 strings")
        if not isinstance(cp, str):
            raise FormatError("proof bundle JSON", 0, "'checkpoint' must be the note text")
        extra = obj.get("extra")
        if extra is not None and not isinstance(extra, str):
            raise FormatError("proof bundle JSON", 0, "'extra' must be base64")
        hashes = tuple(_b64decode(p, "proof bundle JSON", 0) for p in proof)
        return cls(index, hashes, cp, None if extra is None else _b64decode(extra, "extra", 0))

    @classmethod
    def parse(cls, text: str | bytes) -> ProofBundle:
        """Either form: JSON if it starts with '{', tlog-proof text otherwise."""
        stripped = text.lstrip()
        is_json = (
            stripped.startswith(b"{") if isinstance(stripped, bytes) else stripped.startswith("{")
        )
        return cls.from_json(text) if is_json else cls.from_text(text)


def verify_bundle(
    bundle: ProofBundle, entry: bytes, policy: Policy, now: int | None = None
) -> VerifiedCheckpoint:
    """Check ``entry`` is in the log under a checkpoint that meets ``policy``.

    Signatures first (a proof counts only against a root whose signatures verified), then
    the inclusion proof. Raises a :class:`~notary.ProofError` subclass on any failure.
    """
    verified = policy.verify(bundle.checkpoint, now)
    cp = verified.checkpoint
    verify_inclusion(leaf_hash(entry), bundle.index, cp.size, bundle.proof, cp.root)
    return verified
