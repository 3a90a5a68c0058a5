"""Notaries for the audit contract's unit tests: each organisation's Ed25519 notary key,
its binding signed by the organisation's admin (verifier.make_binding, the real code), and
an in-memory log whose checkpoints they sign (notary.MemoryTree, the real tree)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization

import notary
import verifier

from .conftest import World
from .identities import ORGS, Ident

CHANNEL = "carbon"                      # the channel MemoryLedger's stubs carry
ORIGIN = verifier.origin(CHANNEL)
SHORT = {o: o.removesuffix("MSP").lower() for o in ORGS}


def key_pem(ident: Ident) -> bytes:
    return ident.key.private_bytes(serialization.Encoding.PEM,
                                   serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())


def binding(ident: Ident, key: notary.Verifier, *, channel: str = CHANNEL,
            mspid: str | None = None) -> dict:
    """The binding ident (an admin) signs for key; mspid defaults to ident's MSP."""
    statement = verifier.binding_statement(channel, mspid or ident.mspid, key)
    return verifier.make_binding(statement, ident.pem, key_pem(ident))


def note(body: str, *signers: notary.Signer) -> str:
    return notary.sign_note(body, *signers)


def flip_line(note_text: str, name: str) -> str:
    """note_text with the last byte of name's signature flipped (a forged line)."""
    parsed = notary.Note.parse(note_text)
    sigs = tuple(notary.NoteSignature(s.name, s.key_id, s.signature[:-1]
                                      + bytes([s.signature[-1] ^ 1]))
                 if s.name == name else s for s in parsed.signatures)
    return notary.Note(parsed.text, sigs).format()


@dataclass
class Notaries:
    """The four organisations' notary keys and a log they all agree on."""

    world: World
    signers: dict[str, notary.Signer] = field(default_factory=dict)
    tree: notary.MemoryTree = field(default_factory=notary.MemoryTree)

    def __post_init__(self) -> None:
        for mspid in ORGS:
            self.signers[mspid] = notary.Signer.generate(verifier.notary_key_name(mspid))
        self.grow(12)

    def grow(self, n: int) -> None:
        start = self.tree.size
        self.tree.append(f"entry {i}".encode() for i in range(start, start + n))

    def register(self, *mspids: str) -> None:
        for mspid in mspids or ORGS:
            admin = self.world[f"{SHORT[mspid]}-admin"]
            self.world.ok(admin, "audit:register_key",
                          json.dumps(binding(admin, self.signers[mspid].verifier)))

    def body(self, size: int, tree: notary.MemoryTree | None = None) -> str:
        return notary.Checkpoint(ORIGIN, size, (tree or self.tree).root(size)).body()

    def signed(self, size: int, *mspids: str, tree: notary.MemoryTree | None = None) -> str:
        return note(self.body(size, tree), *(self.signers[m] for m in mspids))

    def proof(self, size1: int, size2: int, tree: notary.MemoryTree | None = None) -> str:
        hashes = (tree or self.tree).consistency_proof(size1, size2) if size1 else []
        return json.dumps([notary_b64(h) for h in hashes])


def notary_b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def rule_of(message: str) -> str:
    """The rule id a 403 names ('refused by rule <id>: ...')."""
    assert message.startswith("refused by rule "), message
    return message.split()[3].rstrip(":")
