"""C2SP signed-note: parse, format, sign and verify, with Ed25519 keys.

Two signature types are spoken: ``0x01`` plain Ed25519 over the note text (the log's own
signature) and ``0x04`` timestamped Ed25519 cosignatures (C2SP tlog-cosignature v1),
whose signed message is ``"cosignature/v1\\ntime <t>\\n"`` followed by the note text and
whose signature bytes are the 8-byte big-endian timestamp then the 64-byte signature.

Key text forms (compatible with golang.org/x/mod/sumdb/note):

* verifier key: ``<name>+<hex 8 key id>+<base64(type || 32-byte public key)>``
* signer key:   ``PRIVATE+KEY+<name>+<hex 8 key id>+<base64(type || 32-byte seed)>``
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ._errors import FormatError, SignatureError

__all__ = [
    "ED25519",
    "COSIGNATURE_V1",
    "MAX_SIGNATURES",
    "key_id",
    "Signer",
    "Verifier",
    "NoteSignature",
    "Note",
    "sign_note",
    "verify_note",
]

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
MAX_SIGNATURES = 100
_DASH = "\u2014"


def _utf8(text: str, what: str, line: int = 0) -> bytes:
    """``text`` as UTF-8, or a :class:`FormatError` naming the first unencodable character.

    Python strings can hold lone surrogates (U+D800..U+DFFF: from ``\\ud800`` in JSON, or
    undecodable bytes in command-line arguments) that UTF-8 cannot encode. C2SP notes are
    UTF-8, so every text that is parsed, signed or hashed passes through here once, and a
    surrogate is bad input like any other, not a :class:`UnicodeEncodeError`.
    """
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        at = line + text.count("\n", 0, exc.start) if line else 0
        raise FormatError(
            what, at, f"U+{ord(text[exc.start]):04X} at character {exc.start} is not valid "
            f"UTF-8 text (lone surrogate)"
        ) from None


def key_id(name: str, alg: int, public: bytes) -> int:
    """SHA-256(name || 0x0A || alg || public)[:4] as a big-endian uint32."""
    digest = hashlib.sha256(_utf8(name, "key name") + b"\n" + bytes([alg]) + public).digest()
    return int.from_bytes(digest[:4], "big")


def _check_name(name: str, what: str = "key name", line: int = 0) -> None:
    if not name or any(c.isspace() or c == "+" for c in name):
        raise FormatError(what, line, f"{name!r} must be non-empty, without spaces or '+'")
    _utf8(name, what, line)


def _b64decode(text: str, what: str, line: int) -> bytes:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise FormatError(what, line, f"bad base64 ({exc})") from None
    if base64.b64encode(raw).decode() != text:
        raise FormatError(what, line, "non-canonical base64")
    return raw


def _split_key_text(text: str, what: str, shape: str) -> tuple[str, str, bytes]:
    """Split "name+hex8+base64" (the note key text form) into name, key id hex, 1+32 bytes."""
    parts = text.split("+", 2)
    if len(parts) != 3 or len(parts[1]) != 8:
        raise FormatError(what, 0, f"expected {shape}")
    raw = _b64decode(parts[2], what, 0)
    if len(raw) != 33:
        raise FormatError(what, 0, "key material must be 1 + 32 bytes")
    return parts[0], parts[1], raw


_K = TypeVar("_K", "Verifier", "Signer")


def _checked_key_id(key: _K, hex8: str, what: str) -> _K:
    if f"{key.key_id:08x}" != hex8:
        raise FormatError(what, 0, f"key id {hex8} does not match the key")
    return key


def _cosigned_message(text: bytes, timestamp: int) -> bytes:
    return b"cosignature/v1\ntime %d\n" % timestamp + text


@dataclass(frozen=True)
class Verifier:
    """A trusted public key: name, signature type and 32-byte Ed25519 key."""

    name: str
    public: bytes
    alg: int = ED25519

    def __post_init__(self) -> None:
        _check_name(self.name)
        if self.alg not in (ED25519, COSIGNATURE_V1):
            raise FormatError("verifier key", 0, f"unsupported signature type {self.alg:#04x}")
        if len(self.public) != 32:
            raise FormatError("verifier key", 0, "Ed25519 public key must be 32 bytes")

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.alg, self.public)

    @classmethod
    def from_text(cls, text: str) -> Verifier:
        name, hex8, raw = _split_key_text(text.strip(), "verifier key", "name+hex8+base64")
        return _checked_key_id(cls(name, raw[1:], raw[0]), hex8, "verifier key")

    def to_text(self) -> str:
        material = base64.b64encode(bytes([self.alg]) + self.public).decode()
        return f"{self.name}+{self.key_id:08x}+{material}"

    def timestamp(self, sig: bytes) -> int | None:
        """The cosignature time carried by ``sig`` (None for plain Ed25519 signatures)."""
        if self.alg != COSIGNATURE_V1 or len(sig) != 72:
            return None
        return int(struct.unpack(">Q", sig[:8])[0])

    def check(self, text: bytes, sig: bytes) -> bool:
        """True if ``sig`` (without key id) is this key's signature over note ``text``."""
        if self.alg == COSIGNATURE_V1:
            if len(sig) != 72:
                return False
            ts = int(struct.unpack(">Q", sig[:8])[0])
            if ts >= 1 << 63:
                return False
            message, raw = _cosigned_message(text, ts), sig[8:]
        else:
            if len(sig) != 64:
                return False
            message, raw = text, sig
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(raw, message)
        except InvalidSignature:
            return False
        return True


class Signer:
    """An Ed25519 private key with its note name; ``alg`` 0x01 signs, 0x04 cosigns."""

    _PREFIX: ClassVar[str] = "PRIVATE+KEY+"

    def __init__(self, name: str, seed: bytes, alg: int = ED25519) -> None:
        _check_name(name)
        if len(seed) != 32:
            raise FormatError("signer key", 0, "Ed25519 seed must be 32 bytes")
        self.name, self.alg, self._seed = name, alg, bytes(seed)
        self._key = Ed25519PrivateKey.from_private_bytes(self._seed)
        public = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verifier = Verifier(name, public, alg)

    @classmethod
    def generate(cls, name: str, alg: int = ED25519) -> Signer:
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        seed = Ed25519PrivateKey.generate().private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()
        )
        return cls(name, seed, alg)

    @classmethod
    def from_text(cls, text: str) -> Signer:
        text = text.strip()
        shape = "PRIVATE+KEY+name+hex8+base64"
        if not text.startswith(cls._PREFIX):
            raise FormatError("signer key", 0, f"expected {shape}")
        name, hex8, raw = _split_key_text(text[len(cls._PREFIX):], "signer key", shape)
        return _checked_key_id(cls(name, raw[1:], raw[0]), hex8, "signer key")

    def to_text(self) -> str:
        material = base64.b64encode(bytes([self.alg]) + self._seed).decode()
        return f"{self._PREFIX}{self.name}+{self.key_id:08x}+{material}"

    @property
    def key_id(self) -> int:
        return self.verifier.key_id

    def sign(self, text: str, timestamp: int | None = None) -> NoteSignature:
        """Signature over note ``text``; cosigners (0x04) need the POSIX ``timestamp``."""
        body = _utf8(text, "note text", 1)
        if self.alg == COSIGNATURE_V1:
            if timestamp is None or not 0 <= timestamp < 1 << 63:
                raise ValueError("a cosignature needs a timestamp in 0 .. 2**63-1")
            sig = struct.pack(">Q", timestamp) + self._key.sign(_cosigned_message(body, timestamp))
        else:
            sig = self._key.sign(body)
        return NoteSignature(self.name, self.key_id, sig)


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: key name, key id, signature bytes (after the id)."""

    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{_DASH} {self.name} {base64.b64encode(blob).decode()}\n"


@dataclass(frozen=True)
class Note:
    """A note: its text (ending in a newline) and its signatures, in order."""

    text: str
    signatures: tuple[NoteSignature, ...]

    @classmethod
    def parse(cls, note: str | bytes) -> Note:
        """Parse a signed note; a :class:`FormatError` names the first bad line."""
        if isinstance(note, bytes):
            try:
                note = note.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise FormatError("note", 0, f"not UTF-8 ({exc.reason})") from None
        for number, line in enumerate(note.split("\n"), start=1):
            if any(ord(c) < 0x20 for c in line):
                raise FormatError("note", number, "control character")
            _utf8(line, "note", number)
        split = note.rfind("\n\n")
        if split < 0:
            raise FormatError("note", 0, "no blank line before the signatures")
        text, sig_block = note[: split + 1], note[split + 2 :]
        first = text.count("\n") + 2  # line number of the first signature line
        if not sig_block.endswith("\n"):
            raise FormatError("note", first + sig_block.count("\n"), "missing final newline")
        lines = sig_block[:-1].split("\n")
        if len(lines) > MAX_SIGNATURES:
            raise FormatError(
                "note", first + MAX_SIGNATURES, f"more than {MAX_SIGNATURES} signatures"
            )
        sigs = []
        for number, line in enumerate(lines, start=first):
            if not line.startswith(_DASH + " "):
                raise FormatError("note", number, "signature line must start with '\u2014 '")
            fields = line[2:].split(" ")
            if len(fields) != 2:
                raise FormatError("note", number, "expected '\u2014 <name> <base64>'")
            _check_name(fields[0], "note", number)
            blob = _b64decode(fields[1], "note", number)
            if len(blob) < 5:
                raise FormatError("note", number, "signature shorter than key id + 1 byte")
            sigs.append(NoteSignature(fields[0], int.from_bytes(blob[:4], "big"), blob[4:]))
        return cls(text, tuple(sigs))

    def format(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)

    def with_signature(self, sig: NoteSignature) -> Note:
        """This note with ``sig`` added (replacing a signature by the same key)."""
        kept = tuple(s for s in self.signatures if (s.name, s.key_id) != (sig.name, sig.key_id))
        return Note(self.text, kept + (sig,))

    def verified_by(self, verifiers: list[Verifier] | tuple[Verifier, ...]) -> list[Verifier]:
        """Known keys whose signatures verify; unknown keys are ignored.

        A signature by a known key that fails is an error (:class:`SignatureError`), as
        C2SP signed-note advises: a forged line is evidence, not noise.
        """
        known = {(v.name, v.key_id): v for v in verifiers}
        body = _utf8(self.text, "note text", 1)
        good: list[Verifier] = []
        for sig in self.signatures:
            v = known.get((sig.name, sig.key_id))
            if v is None:
                continue
            if not v.check(body, sig.signature):
                raise SignatureError(f"signature by {sig.name} ({sig.key_id:08x}) fails", sig.name)
            if v not in good:
                good.append(v)
        return good


def sign_note(text: str, *signers: Signer, timestamp: int | None = None) -> str:
    """Sign ``text`` (must end in a newline) and return the note text."""
    if not text.endswith("\n"):
        raise FormatError("note", 0, "text must end with a newline")
    note = Note.parse(text + "\n" + "".join(s.sign(text, timestamp).line() for s in signers))
    return note.format()


def verify_note(note: str | bytes, verifiers: list[Verifier] | tuple[Verifier, ...]) -> Note:
    """Parse and check a note; at least one known key must have signed it."""
    parsed = Note.parse(note)
    if not parsed.verified_by(verifiers):
        raise SignatureError("no signature by a trusted key")
    return parsed
