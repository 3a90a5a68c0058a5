"""Mutations of the checkpoints and the key bindings (see mutations.py)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from functools import cache
from itertools import combinations
from typing import Any

import notary
from verifier import THRESHOLD, binding_statement, make_binding

from .export_factory import (
    CHANNEL,
    World,
    build_export,
    forked,
)
from .mutations_entries import flip
from .pki import Org, make_ca, orgs, roots_of

Export = dict[str, Any]
Made = Iterator[tuple[Any, ...]]  # (what, code, mutated export[, mutated roots])


# --- the checkpoints ----------------------------------------------------------------

def _notes(x: Export) -> Iterator[tuple[str, Callable[[Export, str], None], str]]:
    """Every note of the export (the checkpoint, each anchor, and the last anchor together
    with the checkpoint, as a consistent forger would), with a setter."""
    def set_cp(m: Export, t: str) -> None:
        m["checkpoint"] = t

    yield "checkpoint", set_cp, x["checkpoint"]
    for a in range(len(x["anchors"])):
        def set_a(m: Export, t: str, a: int = a) -> None:
            m["anchors"][a]["note"] = t
        yield f"anchors[{a}]", set_a, x["anchors"][a]["note"]

    def set_both(m: Export, t: str) -> None:
        m["checkpoint"] = t
        m["anchors"][-1]["note"] = t

    yield "checkpoint and anchors[-1]", set_both, x["checkpoint"]


STRANGERS = (notary.Signer("EvilMSP/notary", b"\xee" * 32),
             notary.Signer("PowerMSP/notary", b"\xef" * 32),   # an MSP's name, another key
             notary.Signer("BankMSP/notary", b"\xed" * 32))


def cosignature_unknown(x: Export, w: World) -> Made:
    for where, put, text in _notes(x):
        note = notary.Note.parse(text)
        for s in STRANGERS:
            m = copy.deepcopy(x)
            put(m, notary.Note(note.text, (*note.signatures, s.sign(note.text))).format())
            yield f"{where} + line by {s.name}+{s.key_id:08x}", "COSIGNATURE_UNKNOWN_KEY", m
        for i, sig in enumerate(note.signatures):
            m = copy.deepcopy(x)
            sigs = list(note.signatures)
            sigs[i] = STRANGERS[0].sign(note.text)
            put(m, notary.Note(note.text, tuple(sigs)).format())
            yield f"{where} line {i} ({sig.name}) replaced by a stranger's", \
                "COSIGNATURE_UNKNOWN_KEY", m
            m = copy.deepcopy(x)
            bad = bytearray(sig.signature)
            bad[0] ^= 1
            sigs[i] = notary.NoteSignature(sig.name, sig.key_id, bytes(bad))
            put(m, notary.Note(note.text, tuple(sigs)).format())
            yield f"{where} line {i} ({sig.name}) forged", "COSIGNATURE_UNKNOWN_KEY", m
    for k, b in enumerate(x["key_bindings"]):  # the binding of a key that signed, withheld
        m = copy.deepcopy(x)
        del m["key_bindings"][k]
        yield f"key_bindings[{k}] ({b['statement']['mspid']}) withheld", \
            "COSIGNATURE_UNKNOWN_KEY", m


def too_few_cosignatures(x: Export, w: World) -> Made:
    for where, put, text in _notes(x):
        note = notary.Note.parse(text)
        for keep in combinations(note.signatures, THRESHOLD - 1):
            names = ",".join(s.name.split("/")[0] for s in keep)
            m = copy.deepcopy(x)
            put(m, notary.Note(note.text, keep).format())
            yield f"{where} with only {names}", "THRESHOLD", m
            m = copy.deepcopy(x)  # padded by repeating a line: one key counts once
            put(m, notary.Note(note.text, (*keep, keep[0])).format())
            yield f"{where} with only {names}, one repeated", "THRESHOLD", m
    m = copy.deepcopy(x)
    m["threshold"] = THRESHOLD - 1
    yield "threshold field lowered", "THRESHOLD", m


def checkpoint_inconsistent(x: Export, w: World) -> Made:
    anchors = x["anchors"]
    n = len(anchors)
    sizes = [notary.Checkpoint.from_body(notary.Note.parse(a["note"]).text).size
             for a in anchors]
    for a in range(1, n):  # from anchor a on, a log rewritten below the earlier anchor
        for changed in sorted({0, sizes[a - 1] // 2, sizes[a - 1] - 1}):
            fork = forked(w, changed)
            m = build_export(fork, x["range"]["from"], x["range"]["to"], x["range"]["uscc"],
                             n - 1)
            m["anchors"][:a] = copy.deepcopy(anchors[:a])
            yield f"anchors[{a}:] of a log with leaf {changed} rewritten", \
                "CHECKPOINT_INCONSISTENT", m
    for a in range(n):
        if n > 1:
            m = copy.deepcopy(x)
            del m["anchors"][a]
            yield f"anchors[{a}] dropped", "CHECKPOINT_INCONSISTENT", m
        if a + 1 < n:
            m = copy.deepcopy(x)
            m["anchors"][a], m["anchors"][a + 1] = m["anchors"][a + 1], m["anchors"][a]
            yield f"anchors[{a}]<->[{a + 1}]", "CHECKPOINT_INCONSISTENT", m
            m = copy.deepcopy(x)
            m["checkpoint"] = anchors[a]["note"]
            yield f"checkpoint replaced by anchors[{a}]", "CHECKPOINT_INCONSISTENT", m
            m = copy.deepcopy(x)
            m["anchors"].append(copy.deepcopy(anchors[a]))
            yield f"anchors[{a}] repeated at the end (rollback)", "CHECKPOINT_INCONSISTENT", m


# --- the key bindings ---------------------------------------------------------------

@cache
def _rogue(mspid: str) -> Org:
    rogue = Org(mspid, make_ca(mspid, "rogue"))
    rogue.identities["admin"] = rogue.issue(f"Admin@{mspid}", ("admin",))
    return rogue


def _resigned(b: dict[str, Any], org: Org, who: str, channel: str = CHANNEL) -> dict[str, Any]:
    ident = org.identities[who]
    s = b["statement"]
    statement = binding_statement(channel, s["mspid"],
                                  notary.Verifier.from_text(s["verifier_key"]))
    return make_binding(statement, ident.cert_pem, ident.key_pem)


def binding_untrusted(x: Export, w: World) -> Made:
    for k, b in enumerate(x["key_bindings"]):
        mspid = b["statement"]["mspid"]
        other = next(m for m in orgs() if m != mspid)
        for label, org, who, channel in (
            ("a self-made CA's admin", _rogue(mspid), "admin", CHANNEL),
            ("the MSP's client (not an admin)", orgs()[mspid], "client", CHANNEL),
            (f"{other}'s admin", orgs()[other], "admin", CHANNEL),
            ("the admin, for another channel", orgs()[mspid], "admin", "other"),
        ):
            m = copy.deepcopy(x)
            m["key_bindings"][k] = _resigned(b, org, who, channel)
            yield f"key_bindings[{k}] ({mspid}) signed by {label}", "BINDING_UNTRUSTED", m
    for mspid in sorted({b["statement"]["mspid"] for b in x["key_bindings"]}):
        roots = {r: c for r, c in roots_of(orgs()).items() if r != mspid}
        yield (f"trust dir without {mspid}.pem", "BINDING_UNTRUSTED", copy.deepcopy(x), roots)


def binding_signature(x: Export, w: World) -> Made:
    attacker = notary.Signer("X/notary", b"\xaa" * 32)
    for k, b in enumerate(x["key_bindings"]):
        mspid = b["statement"]["mspid"]
        m = copy.deepcopy(x)
        forged = notary.Verifier(f"{mspid}/notary", attacker.verifier.public)
        m["key_bindings"][k]["statement"]["verifier_key"] = forged.to_text()
        yield f"key_bindings[{k}] ({mspid}) key swapped, not re-signed", "BINDING_SIGNATURE", m
        m = copy.deepcopy(x)
        m["key_bindings"][k]["signature"] = flip(b["signature"])
        yield f"key_bindings[{k}] ({mspid}) signature flipped", "BINDING_SIGNATURE", m
        m = copy.deepcopy(x)
        m["key_bindings"][k]["certificate"] = _second_admin(mspid)
        yield f"key_bindings[{k}] ({mspid}) another admin's certificate", \
            "BINDING_SIGNATURE", m


@cache
def _second_admin(mspid: str) -> str:
    return orgs()[mspid].issue(f"Admin2@{mspid}", ("admin",)).cert_pem.decode()


