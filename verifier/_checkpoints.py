"""Who may vouch for the log, and the chain of anchored checkpoints.

The notary keys come only from the export's key bindings, each checked against the MSP
roots the reader trusts; every anchored checkpoint must then carry at least
:data:`THRESHOLD` signatures by those keys, no signature line by any other key (the
ledger keeps only registered keys' lines, so a stranger's line is tampering), and extend
the previous anchor by its consistency proof, starting from the empty tree.
Merkle and note checks are :mod:`notary`'s (Policy, check_extends).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography import x509

import notary

from ._binding import check_binding_chain
from ._entry import THRESHOLD
from ._errors import AuditCheckError, BindingError
from ._export_format import Anchor

__all__ = ["Trust", "trust_from_bindings", "verify_note", "verify_anchors"]


@dataclass(frozen=True)
class Trust:
    """The notary keys the bindings vouch for (several per MSP after a key change)."""

    verifiers: tuple[notary.Verifier, ...]
    mspids: tuple[str, ...]

    def policy(self, origin: str) -> notary.Policy:
        names = {v.name for v in self.verifiers}
        if len(names) < THRESHOLD:
            raise AuditCheckError(
                "THRESHOLD", f"only {len(names)} organisations have a trusted notary key "
                f"({sorted(names)}); a checkpoint needs {THRESHOLD}")
        return notary.Policy(origin, self.verifiers, THRESHOLD)


def trust_from_bindings(bindings: tuple[Any, ...], channel: str,
                        roots: dict[str, list[x509.Certificate]]) -> Trust:
    """Check every binding against ``roots``: ``BINDING_SIGNATURE`` if the certificate did
    not sign it, ``BINDING_UNTRUSTED`` if the certificate is not an admin under the MSP's
    roots or the binding is for another channel, ``FORMAT`` if it is not a binding."""
    verifiers: list[notary.Verifier] = []
    mspids: set[str] = set()
    for i, b in enumerate(bindings):
        try:
            v = check_binding_chain(b, roots)
        except BindingError as exc:
            code = {"signature": "BINDING_SIGNATURE", "untrusted": "BINDING_UNTRUSTED"}.get(
                exc.code, "FORMAT")
            raise AuditCheckError(code, f"key_bindings[{i}]: {exc}") from None
        if b["statement"]["channel"] != channel:
            raise AuditCheckError(
                "BINDING_UNTRUSTED", f"key_bindings[{i}] binds {v.name} on channel "
                f"{b['statement']['channel']!r}, the export is of {channel!r}")
        if v not in verifiers:
            verifiers.append(v)
        mspids.add(b["statement"]["mspid"])
    return Trust(tuple(verifiers), tuple(sorted(mspids)))


def verify_note(text: str, where: str, origin: str, trust: Trust) -> notary.VerifiedCheckpoint:
    """A checkpoint note of ``origin`` signed by at least THRESHOLD trusted keys and by no
    other key."""
    try:
        note = notary.Note.parse(text)
        cp = notary.Checkpoint.from_body(note.text)
    except notary.FormatError as exc:
        raise AuditCheckError("FORMAT", f"{where}: not a checkpoint note: {exc}") from None
    if cp.origin != origin:
        raise AuditCheckError("CHECKPOINT_INCONSISTENT",
                              f"{where} is a checkpoint of {cp.origin!r}, not of {origin!r}")
    known = {(v.name, v.key_id) for v in trust.verifiers}
    for sig in note.signatures:
        if (sig.name, sig.key_id) not in known:
            raise AuditCheckError(
                "COSIGNATURE_UNKNOWN_KEY", f"{where} (size {cp.size}) is signed by "
                f"{sig.name}+{sig.key_id:08x}, which no trusted key binding vouches for")
    try:
        return trust.policy(origin).verify(text)
    except notary.SignatureError as exc:  # a line naming a bound key that does not verify
        raise AuditCheckError(
            "COSIGNATURE_UNKNOWN_KEY", f"{where} (size {cp.size}): {exc}: the line is not "
            f"by the bound key") from None
    except notary.PolicyError as exc:
        raise AuditCheckError("THRESHOLD", f"{where} (size {cp.size}): {exc}") from None


def verify_anchors(anchors: tuple[Anchor, ...], checkpoint: str, origin: str,
                   trust: Trust) -> tuple[notary.VerifiedCheckpoint, list[int]]:
    """The export's checkpoint and the anchor chain it ends; returns the verified
    checkpoint and the anchored sizes."""
    head = verify_note(checkpoint, "checkpoint", origin, trust)
    previous = notary.Checkpoint(origin, 0, notary.EMPTY_ROOT)
    sizes: list[int] = []
    for a in anchors:
        cp = verify_note(a.note, a.where, origin, trust).checkpoint
        if cp.size <= previous.size and sizes:
            raise AuditCheckError(
                "CHECKPOINT_INCONSISTENT", f"{a.where} has size {cp.size}, not above the "
                f"previous anchor's {previous.size}")
        try:
            notary.check_extends(previous, cp, a.proof)
        except notary.ProofError as exc:
            raise AuditCheckError(
                "CHECKPOINT_INCONSISTENT", f"{a.where} (size {cp.size}) does not extend the "
                f"anchor of size {previous.size}: {exc}") from None
        previous = cp
        sizes.append(cp.size)
    if (previous.size, previous.root) != (head.checkpoint.size, head.checkpoint.root):
        raise AuditCheckError(
            "CHECKPOINT_INCONSISTENT", f"checkpoint (size {head.checkpoint.size}) is not the "
            f"last anchored checkpoint (size {previous.size})")
    return head, sizes
