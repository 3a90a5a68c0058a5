"""Mutations of the entries, their proofs and the range (see mutations.py)."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from typing import Any

import notary
from verifier import parse_leaf

from .export_factory import (
    USCCS,
    World,
    b64,
)

Export = dict[str, Any]
Made = Iterator[tuple[Any, ...]]  # (what, code, mutated export[, mutated roots])


def flip(h: str) -> str:
    raw = bytearray(base64.b64decode(h))
    raw[0] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _leaf_dict(e: dict[str, Any]) -> dict[str, Any]:
    leaf = parse_leaf(e["leaf"].encode())
    return {"block": leaf.block, "index": leaf.index, "tx_id": leaf.tx_id, "entry": leaf.entry}


def _canon(v: Any) -> str:
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _changed_leaves(e: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Every field of a leaf changed in turn (still canonical), and one re-spacing."""
    leaf = _leaf_dict(e)
    for key in ("block", "index"):
        yield key, _canon({**leaf, key: leaf[key] + 1})
    yield "tx_id", _canon({**leaf, "tx_id": "f" + leaf["tx_id"][1:]})
    for key, value in leaf["entry"].items():
        changed = value + 1 if isinstance(value, int) else (
            value + "x" if isinstance(value, str) else {**value, "forged": "1"})
        yield f"entry.{key}", _canon({**leaf, "entry": {**leaf["entry"], key: changed}})
    yield "spacing", e["leaf"].replace(":", ": ", 1)


# --- the entries ------------------------------------------------------------------

def entry_changed(x: Export, w: World) -> Made:
    for k, e in enumerate(x["entries"]):
        if "leaf" in e:
            for field, text in _changed_leaves(e):
                m = copy.deepcopy(x)
                m["entries"][k]["leaf"] = text
                yield f"entries[{k}].{field}", "ENTRY_PROOF", m
        else:
            m = copy.deepcopy(x)
            m["entries"][k]["leaf_hash"] = flip(e["leaf_hash"])
            yield f"entries[{k}].leaf_hash", "ENTRY_PROOF", m


def entry_dropped(x: Export, w: World) -> Made:
    for k in range(len(x["entries"])):
        m = copy.deepcopy(x)
        del m["entries"][k]
        yield f"entries[{k}]", "ENTRY_GAP", m
    if x["entries"]:  # dropped at an end with the bounds moved: the neighbour is no longer
        m = copy.deepcopy(x)  # adjacent
        del m["entries"][0]
        m["first_index"] += 1
        yield "entries[0] and first_index", "RANGE_INCOMPLETE", m
        m = copy.deepcopy(x)
        del m["entries"][-1]
        m["last_index"] -= 1
        yield "entries[-1] and last_index", "RANGE_INCOMPLETE", m


def entry_reordered(x: Export, w: World) -> Made:
    for k in range(len(x["entries"]) - 1):
        m = copy.deepcopy(x)
        es = m["entries"]
        es[k], es[k + 1] = es[k + 1], es[k]
        yield f"entries[{k}]<->[{k + 1}]", "ENTRY_ORDER", m
        m = copy.deepcopy(x)  # contents swapped, index fields kept: the proofs catch it
        es = m["entries"]
        a, b = dict(es[k]), dict(es[k + 1])
        es[k] = {**b, "index": a["index"]}
        es[k + 1] = {**a, "index": b["index"]}
        yield f"entries[{k}]<->[{k + 1}] renumbered", "ENTRY_PROOF", m


def _forged(e: dict[str, Any]) -> dict[str, Any]:
    if "leaf" not in e:
        return {**e, "leaf_hash": flip(e["leaf_hash"])}
    leaf = _leaf_dict(e)
    return {**e, "leaf": _canon({**leaf, "tx_id": "0" + leaf["tx_id"][1:],
                                 "entry": {**leaf["entry"], "forged": "1"}})}


def entry_added(x: Export, w: World) -> Made:
    size = notary.Checkpoint.from_body(notary.Note.parse(x["checkpoint"]).text).size
    for k, e in enumerate(x["entries"]):
        m = copy.deepcopy(x)
        m["entries"].insert(k + 1, _forged(e))
        yield f"forged copy of entries[{k}]", "ENTRY_DUPLICATE", m
        m = copy.deepcopy(x)  # inserted with everything after it renumbered
        es = m["entries"]
        es.insert(k, {**_forged(e), "proof": e["proof"]})
        for later in es[k + 1:]:
            later["index"] += 1
        m["last_index"] += 1
        nxt = m["last_index"] + 1
        m["boundary"]["after"] = ({"index": nxt, "leaf": w.leaves[nxt].decode(), "proof": [
            b64(h) for h in w.tree.inclusion_proof(nxt, size)]} if nxt < size else None)
        yield f"inserted before entries[{k}], renumbered", "ENTRY_PROOF", m
    if x["entries"]:
        last = x["entries"][-1]
        m = copy.deepcopy(x)
        m["entries"].append({**_forged(last), "index": last["index"] + 1})
        yield "appended past last_index", "ENTRY_GAP", m


def proof_flipped(x: Export, w: World) -> Made:
    places: list[tuple[str, tuple[str, str | int]]] = [
        (f"entries[{k}]", ("entries", k)) for k in range(len(x["entries"]))]
    for side in ("before", "after"):
        if x["boundary"][side] is not None:
            places.append((f"boundary.{side}", ("boundary", side)))
    for where, (top, key) in places:
        def get(m: Export, top: str = top, key: str | int = key) -> dict[str, Any]:
            found: dict[str, Any] = m[top][key]
            return found

        for j in range(len(get(x)["proof"])):
            m = copy.deepcopy(x)
            get(m)["proof"][j] = flip(get(m)["proof"][j])
            yield f"{where}.proof[{j}]", "ENTRY_PROOF", m
        if get(x)["proof"]:
            m = copy.deepcopy(x)
            get(m)["proof"].pop()
            yield f"{where}.proof shortened", "ENTRY_PROOF", m
        m = copy.deepcopy(x)
        get(m)["proof"].append(b64(bytes(32)))
        yield f"{where}.proof lengthened", "ENTRY_PROOF", m
    for a, anchor in enumerate(x["anchors"]):
        for j in range(len(anchor["proof_from_previous"])):
            m = copy.deepcopy(x)
            p = m["anchors"][a]["proof_from_previous"]
            p[j] = flip(p[j])
            yield f"anchors[{a}].proof_from_previous[{j}]", "CHECKPOINT_INCONSISTENT", m



# --- the range ----------------------------------------------------------------------

def boundary_removed(x: Export, w: World) -> Made:
    for side in ("before", "after"):
        if x["boundary"][side] is not None:
            m = copy.deepcopy(x)
            m["boundary"][side] = None
            yield f"boundary.{side} removed", "RANGE_INCOMPLETE", m


def boundary_changed(x: Export, w: World) -> Made:
    size = notary.Checkpoint.from_body(notary.Note.parse(x["checkpoint"]).text).size
    for side, step in (("before", -1), ("after", 1)):
        e = x["boundary"][side]
        if e is None:
            continue
        for field, text in _changed_leaves(e):
            m = copy.deepcopy(x)
            m["boundary"][side]["leaf"] = text
            yield f"boundary.{side}.{field}", "ENTRY_PROOF", m
        further = e["index"] + step  # another genuine entry, with its genuine proof
        if 0 <= further < size:
            m = copy.deepcopy(x)
            m["boundary"][side] = {"index": further, "leaf": w.leaves[further].decode(),
                                   "proof": [b64(h) for h in w.tree.inclusion_proof(further,
                                                                                    size)]}
            yield f"boundary.{side} replaced by log index {further}", "RANGE_INCOMPLETE", m
        ts = parse_leaf(e["leaf"].encode()).timestamp
        m = copy.deepcopy(x)  # the range widened over the neighbour
        m["range"]["from" if side == "before" else "to"] = ts
        yield f"range widened to boundary.{side}'s time", "RANGE_INCOMPLETE", m


def hidden_entry_revealed(x: Export, w: World) -> Made:
    """Under a USCC filter, an other enterprise's entry given in full."""
    for k, e in enumerate(x["entries"]):
        if "leaf_hash" in e:
            m = copy.deepcopy(x)
            m["entries"][k] = {"index": e["index"], "leaf": w.leaves[e["index"]].decode(),
                               "proof": e["proof"]}
            yield f"entries[{k}] (other USCC) in full", "RANGE_MISMATCH", m


def selected_entry_hidden(x: Export, w: World) -> Made:
    """Without a USCC filter, an entry given only as its hash."""
    if x["range"]["uscc"] is not None:
        return
    for k, e in enumerate(x["entries"]):
        m = copy.deepcopy(x)
        m["entries"][k] = {"index": e["index"], "leaf_hash": b64(notary.leaf_hash(
            e["leaf"].encode())), "proof": e["proof"]}
        yield f"entries[{k}] only as a hash", "RANGE_MISMATCH", m


def uscc_changed(x: Export, w: World) -> Made:
    if x["range"]["uscc"] is not None and any("leaf" in e for e in x["entries"]):
        for other in USCCS:
            if other != x["range"]["uscc"]:
                m = copy.deepcopy(x)
                m["range"]["uscc"] = other
                yield f"range.uscc set to {other}", "RANGE_MISMATCH", m


