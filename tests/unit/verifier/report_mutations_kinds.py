"""The mutation kinds of :mod:`.report_mutations` (each a generator over an honest bundle).

A kind yields ``(what, codes, report_bytes, bundle_bytes[, roots])``; ``codes`` is the set
of reasons the mutation may be refused with (None: any named reason). Field walks mutate
the shared honest structures in place and restore them, so ~10,000 mutations need no
deep copies.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

from verifier import canonical

from .bundle_factory import Honest, reissue

Path = tuple[Any, ...]
Yield = Iterator[tuple[Any, ...]]
_MISSING = object()


def dumps(v: Any) -> bytes:
    return json.dumps(v, ensure_ascii=False).encode("utf-8")


def walk(v: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every scalar value (and every object, for key removal) with its path."""
    if isinstance(v, dict):
        for k in list(v):
            yield from walk(v[k], (*path, k))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from walk(x, (*path, i))
    else:
        yield path, v


def _next_char(c: str) -> str:
    for lo, hi in (("0", "9"), ("a", "z"), ("A", "Z")):
        if lo <= c <= hi:
            return lo if c == hi else chr(ord(c) + 1)
    raise ValueError(c)


def _alter(s: str, where: str) -> str | None:
    idx = [i for i, c in enumerate(s) if c.isascii() and c.isalnum()]
    if not idx:
        return None
    i = {"first": idx[0], "last": idx[-1], "middle": idx[len(idx) // 2]}[where]
    return s[:i] + _next_char(s[i]) + s[i + 1:]


def variants(v: Any) -> list[tuple[str, Any]]:
    """Other values for a field (each differs from ``v`` as JSON)."""
    if isinstance(v, bool):
        out = [("negated", not v), ("as integer", int(v)), ("null", None)]
    elif isinstance(v, int):
        out = [("plus one", v + 1), ("minus one", v - 1), ("as string", str(v)),
               ("null", None)]
    elif v is None:
        out = [("empty string", ""), ("zero", 0), ("false", False), ("empty object", {})]
    else:
        assert isinstance(v, str)
        out = [(f"{w} character changed", _alter(v, w)) for w in ("middle", "first", "last")]
        out += [("character appended", v + "0"), ("emptied" if v else "filled", "" if v else
                                                    "x"), ("as integer", 7), ("null", None)]
    seen = {json.dumps(v)}
    keep = []
    for name, x in out:
        if x is None and name != "null":
            continue
        j = json.dumps(x)
        if j not in seen:
            seen.add(j)
            keep.append((name, x))
    return keep


def _set(root: Any, path: Path, value: Any) -> Any:
    parent = root
    for k in path[:-1]:
        parent = parent[k]
    old = parent[path[-1]]
    if value is _MISSING:
        items = list(parent.items())
        del parent[path[-1]]
        return items
    parent[path[-1]] = value
    return old


def _restore(root: Any, path: Path, value: Any, removed: bool) -> None:
    parent = root
    for k in path[:-1]:
        parent = parent[k]
    if removed:
        parent.clear()
        parent.update(value)
    else:
        parent[path[-1]] = value


def field_mutations(root: Any, skip: Any = lambda p: False, removal: bool = True,
                    few: bool = False) -> Iterator[tuple[str, Path, Any]]:
    """Mutate ``root`` in place one field at a time; yields after each change and
    restores it when resumed. Removal of a key is one more mutation per object key.
    ``few``: only the first, the type-changing and the null variants."""
    for path, value in list(walk(root)):
        if not path or skip(path):
            continue
        options = variants(value)
        if few:
            options = options[:1] + [o for o in options[1:] if o[0] in ("as integer",
                                                                        "null")]
        for name, x in options:
            old = _set(root, path, x)
            yield name, path, x
            _restore(root, path, old, False)
        if removal and isinstance(path[-1], str):
            items = _set(root, path, _MISSING)
            yield "key removed", path, _MISSING
            _restore(root, path, items, True)


def _where(path: Path) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


# --- the holder edits the report or the bundle --------------------------------------------

def report_field(h: Honest) -> Yield:
    report = h.report
    bundle = h.bundle_bytes
    for name, path, _x in field_mutations(report, few=h.few):
        yield (f"report{_where(path)}: {name}", None, dumps(report), bundle)


def record_field(h: Honest) -> Yield:
    b = h.bundle
    for name, path, _x in field_mutations(b["records"], few=True):
        yield (f"records{_where(path)}: {name}", None, h.report_bytes, dumps(b))


_OWN_KINDS = {"records", "entries", "key_bindings"}


def bundle_field(h: Honest) -> Yield:
    b = h.bundle
    for name, path, _x in field_mutations(b, skip=lambda p: p[0] in _OWN_KINDS, few=h.few):
        yield (f"bundle{_where(path)}: {name}", None, h.report_bytes, dumps(b))
    for name, path, _x in field_mutations(b["key_bindings"]):
        yield (f"key_bindings{_where(path)}: {name}", None, h.report_bytes, dumps(b))


def entry_field(h: Honest) -> Yield:
    b = h.bundle
    for e in b["entries"]:
        text = e["leaf"]
        leaf = json.loads(text)
        for name, path, _x in field_mutations(leaf, few=h.few):
            e["leaf"] = canonical(leaf).decode("utf-8")
            yield (f"entries[{e['index']}].leaf{_where(path)}: {name}",
                   frozenset({"ENTRY_PROOF"}), h.report_bytes, dumps(b))
        e["leaf"] = json.dumps(leaf, sort_keys=True)  # same values, not canonical bytes
        yield (f"entries[{e['index']}].leaf: re-encoded with spaces",
               frozenset({"ENTRY_PROOF"}), h.report_bytes, dumps(b))
        e["leaf"] = text


def proof_hash(h: Honest) -> Yield:
    b = h.bundle
    proofs = [(f"entries[{e['index']}].proof", e["proof"]) for e in b["entries"]]
    proofs.append(("report_checkpoint_proof", b["report_checkpoint_proof"]))
    for where, proof in proofs:
        code = frozenset({"CHECKPOINT_INCONSISTENT" if where.startswith("report_") else
                          "ENTRY_PROOF"})
        for i, text in enumerate(list(proof)):
            raw = bytearray(base64.b64decode(text))
            for bit in (0, 7):
                raw[bit % 32] ^= 1 << (bit % 8)
                proof[i] = base64.b64encode(bytes(raw)).decode()
                yield (f"{where}[{i}]: bit {bit} flipped", code, h.report_bytes, dumps(b))
                raw[bit % 32] ^= 1 << (bit % 8)
            proof[i] = text
        if proof:
            last = proof.pop()
            yield (f"{where}: last hash cut", code, h.report_bytes, dumps(b))
            proof.append(last)
        proof.append(proof[0] if proof else base64.b64encode(bytes(32)).decode())
        yield (f"{where}: a hash appended", code, h.report_bytes, dumps(b))
        proof.pop()


def entry_set(h: Honest) -> Yield:
    b = h.bundle
    entries = b["entries"]
    for i in range(len(entries)):
        e = entries.pop(i)
        yield (f"entries[{i}] dropped", frozenset({"ENTRY_MISSING"}), h.report_bytes, dumps(b))
        entries.insert(i, e)
        entries.insert(i, e)
        yield (f"entries[{i}] duplicated", frozenset({"ENTRY_DUPLICATE"}), h.report_bytes,
               dumps(b))
        entries.pop(i)
        if i + 1 < len(entries):
            entries[i], entries[i + 1] = entries[i + 1], entries[i]
            yield (f"entries[{i}] moved after its successor", frozenset({"ENTRY_ORDER"}),
                   h.report_bytes, dumps(b))
            entries[i], entries[i + 1] = entries[i + 1], entries[i]
        for delta in (-1, 1):
            e["index"] += delta
            yield (f"entries[{i}].index {delta:+d}", frozenset({"ENTRY_PROOF", "ENTRY_ORDER",
                                                              "ENTRY_DUPLICATE"}),
                   h.report_bytes, dumps(b))
            e["index"] -= delta


def report_reissued(h: Honest) -> Yield:
    """A dishonest issuer: each report value changed, then issued consistently."""
    not_digest = frozenset({"REPORT_MISMATCH", "RECOMPUTE", "REPORT_SCHEMA",
                            "CHECKPOINT_INCONSISTENT", "STATUS"})
    report = h.report
    for path, value in list(walk(report)):
        name, x = variants(value)[0]
        old = _set(report, path, x)
        try:
            data, bundle = reissue(h, report)
        except Exception:  # noqa: BLE001 - not canonicalisable: the holder's case covers it
            _restore(report, path, old, False)
            continue
        yield (f"reissued report{_where(path)}: {name}", not_digest, data, dumps(bundle))
        _restore(report, path, old, False)
