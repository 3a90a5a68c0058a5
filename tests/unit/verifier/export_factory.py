"""Honest audit exports built without a network (the test seam for ``check_export``).

A :class:`World` is what the four followers would hold: an in-memory :class:`notary.MemoryTree`
of audit leaves, each organisation's notary keys (PowerMSP changes its key half-way, so
the keys of one MSP differ between anchors), their bindings signed by generated MSP admin
certificates (:mod:`.pki`), and anchored checkpoints each cosigned by at least three
organisations. :func:`build_export` writes the export the way the API file describes the
exporter: the window of log indexes whose timestamps fall in the range, framed by its two
neighbours, proofs under the chosen anchored checkpoint, and the anchor chain up to it.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
from dataclasses import dataclass, field, replace
from typing import Any

import notary
from verifier import (
    EXPORT_FORMAT,
    THRESHOLD,
    audit_leaf,
    binding_statement,
    entry_uscc,
    instant,
    make_binding,
    origin,
    parse_leaf,
)

from .pki import MSPS, orgs, roots_of

CHANNEL = "carbon"
ORIGIN = origin(CHANNEL)
USCCS = ("91110000100000000A", "91310000200000000B", "91440000300000000C")
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
STEP = 10           # seconds between entries


def b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


def timestamp(i: int) -> str:
    """Entry i's time: RFC 3339 with nanoseconds, as the chaincode writes it."""
    t = dt.datetime.fromtimestamp(T0 + STEP * i, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{t}.{i:09d}Z"


def make_entry(i: int) -> dict[str, Any]:
    tx_id = f"{i:04x}" * 16
    base = {"v": 1, "tx_id": tx_id, "timestamp": timestamp(i),
            "actor": {"mspid": MSPS[i % 4], "kind": "client", "fingerprint": f"{i:02x}" * 32},
            "digests": {}, "commitments": {}}
    if i % 7 == 6:
        return {**base, "entry": "audit.sign", "keys": {"mspid": MSPS[i % 4], "size": i}}
    if i % 5 == 4:
        return {**base, "entry": "governance.propose", "keys": {"kind": "factor-set",
                                                                 "version": str(i)}}
    return {**base, "entry": "registry.update", "keys": {"uscc": USCCS[i % 3]},
            "digests": {"record": "sha256:" + f"{i:02x}" * 32}}


def make_leaf(i: int) -> bytes:
    e = make_entry(i)
    return audit_leaf(5 + i // 3, i % 3, e["tx_id"], e)


@dataclass(frozen=True)
class AnchorPlan:
    size: int
    signers: tuple[str, ...]


# PowerMSP's key generation 0 signs the first two anchors, generation 1 the later ones.
PLAN = (
    AnchorPlan(7, ("PowerMSP", "CertifierMSP", "BankMSP")),
    AnchorPlan(16, ("PowerMSP", "CertifierMSP", "BankMSP", "RegulatorMSP")),
    AnchorPlan(29, ("PowerMSP", "BankMSP", "RegulatorMSP")),
    AnchorPlan(41, ("CertifierMSP", "PowerMSP", "RegulatorMSP")),
)
ROTATE_AT = 2  # anchors from this one on use PowerMSP's second key


def signer(mspid: str, generation: int = 0) -> notary.Signer:
    return notary.Signer(f"{mspid}/notary", bytes([MSPS.index(mspid) * 16 + generation]) * 32)


@dataclass
class World:
    leaves: list[bytes]
    tree: notary.MemoryTree
    anchors: list[tuple[int, str]]  # (size, cosigned note)
    bindings: list[dict[str, Any]]
    roots: dict[str, Any] = field(default_factory=lambda: roots_of(orgs()))

    def signers_of(self, anchor: int) -> list[notary.Signer]:
        plan = PLAN[anchor] if anchor < len(PLAN) else PLAN[-1]
        return [signer(m, 1 if m == "PowerMSP" and anchor >= ROTATE_AT else 0)
                for m in plan.signers]


def _binding(mspid: str, generation: int, channel: str = CHANNEL) -> dict[str, Any]:
    admin = orgs()[mspid].identities["admin"]
    statement = binding_statement(channel, mspid, signer(mspid, generation).verifier)
    return make_binding(statement, admin.cert_pem, admin.key_pem)


def sign_checkpoint(tree: notary.MemoryTree, size: int, signers: list[notary.Signer]) -> str:
    body = notary.Checkpoint(ORIGIN, size, tree.root(size)).body()
    return notary.sign_note(body, *signers)


def make_world(leaves: list[bytes] | None = None, extra: int = 4) -> World:
    """The log of ``PLAN[-1].size + extra`` leaves (the last few not yet anchored)."""
    leaves = leaves if leaves is not None else [make_leaf(i)
                                                for i in range(PLAN[-1].size + extra)]
    tree = notary.MemoryTree.from_entries(leaves)
    bindings = [_binding(m, 0) for m in MSPS] + [_binding("PowerMSP", 1)]
    world = World(leaves, tree, [], bindings)
    for n, plan in enumerate(PLAN):
        world.anchors.append((plan.size, sign_checkpoint(tree, plan.size, world.signers_of(n))))
    return world


def forked(world: World, changed: int) -> World:
    """The same organisations' keys over a log whose leaf ``changed`` was rewritten."""
    leaves = list(world.leaves)
    leaf = parse_leaf(leaves[changed])
    leaves[changed] = replace(leaf, entry={**leaf.entry, "digests": {"record": "sha256:" +
                                                                     "ee" * 32}}).to_bytes()
    return make_world(leaves)


def _full(world: World, index: int, size: int) -> dict[str, Any]:
    return {"index": index, "leaf": world.leaves[index].decode(),
            "proof": [b64(h) for h in world.tree.inclusion_proof(index, size)]}


def _entry_of(leaf: bytes) -> dict[str, Any]:
    """The entry of a leaf, read leniently: a test log may hold a non-canonical leaf."""
    entry: dict[str, Any] = json.loads(leaf)["entry"]
    return entry


def _key(binding: dict[str, Any]) -> tuple[str, int]:
    v = notary.Verifier.from_text(binding["statement"]["verifier_key"])
    return v.name, v.key_id


def build_export(world: World, time_from: str, time_to: str, uscc: str | None = None,
                 anchor: int = -1) -> dict[str, Any]:
    """The honest export of [time_from, time_to] (and ``uscc``) under anchor ``anchor``."""
    anchor = anchor % len(world.anchors)
    size = world.anchors[anchor][0]
    times = [instant(_entry_of(world.leaves[i])["timestamp"], "t") for i in range(size)]
    t_from, t_to = instant(time_from, "from"), instant(time_to, "to")
    first = next((i for i in range(size) if times[i] >= t_from), size)  # linear scans:
    last = max((i for i in range(size) if times[i] <= t_to), default=-1)  # times may go back
    last = max(last, first - 1)
    entries = []
    for i in range(first, last + 1):
        full = _full(world, i, size)
        if uscc is None or entry_uscc(_entry_of(world.leaves[i])) == uscc:
            entries.append(full)
        else:
            entries.append({"index": i, "leaf_hash": b64(world.tree.leaf_hash(i)),
                            "proof": full["proof"]})
    anchors: list[dict[str, Any]] = []
    previous = 0
    for size_n, note in world.anchors[:anchor + 1]:
        proof = world.tree.consistency_proof(previous, size_n) if previous else []
        anchors.append({"note": note, "proof_from_previous": [b64(h) for h in proof]})
        previous = size_n
    signed = {(s.name, s.key_id) for a in anchors
              for s in notary.Note.parse(a["note"]).signatures}
    bindings = [copy.deepcopy(b) for b in world.bindings if _key(b) in signed]
    return {
        "format": EXPORT_FORMAT, "channel": CHANNEL, "origin": ORIGIN, "threshold": THRESHOLD,
        "range": {"from": time_from, "to": time_to, "uscc": uscc},
        "first_index": first, "last_index": last, "entries": entries,
        "boundary": {"before": _full(world, first - 1, size) if first > 0 else None,
                     "after": _full(world, last + 1, size) if last + 1 < size else None},
        "checkpoint": world.anchors[anchor][1], "anchors": anchors, "key_bindings": bindings,
    }
