"""Generate the notary proof vectors: happy paths and systematic mutations.

    .venv/bin/python tests/vectors/notary/generate.py          # rewrite the files
    .venv/bin/python tests/vectors/notary/generate.py --check  # exit 1 if they would change

Each case names what it checks and the error a correct verifier raises (or "ok").
Expected values come from the naive RFC 9162 reference in tests/unit/notary/reference.py
and from proof-length rules, never from the code under test. Mutations whose outcome
is not determined by the proof shape alone (a wrong size whose proof has the same
length, which RFC 9162 proofs do not always distinguish) are left out on purpose.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.unit.notary.reference import Reference, entries  # noqa: E402

N = 2048
INCLUSION_PAIRS = [(0, 1), (0, 2), (1, 2), (2, 3), (5, 8), (6, 7), (0, 13), (12, 13), (7, 16),
                   (100, 1000), (999, 1000), (511, 512)]  # fmt: skip
CONSISTENCY_PAIRS = [(1, 2), (1, 8), (2, 5), (3, 7), (4, 8), (6, 8), (7, 13), (8, 13),
                     (100, 1000), (511, 512), (512, 1000), (999, 1000)]  # fmt: skip


def _flip(h: bytes, bit: int = 0) -> bytes:
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


def _hex(hs: list[bytes]) -> list[str]:
    return [h.hex() for h in hs]


def inclusion_cases(ref: Reference) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []

    def case(desc: str, leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes,
             expected: str) -> None:  # fmt: skip
        out.append({"description": desc, "leaf_hash": leaf.hex(), "index": index, "size": size,
                    "proof": _hex(proof), "root": root.hex(), "expected": expected})  # fmt: skip

    def length(i: int, n: int) -> int:
        return len(ref.inclusion(i, n)) if 0 <= i < n else -1

    for i, n in INCLUSION_PAIRS:
        leaf = hashlib.sha256(b"\x00" + ref.entries[i]).digest()
        proof, root = ref.inclusion(i, n), ref.root(n)
        tag = f"leaf {i} of {n}"
        case(f"{tag}: valid proof", leaf, i, n, proof, root, "ok")
        case(f"{tag}: leaf hash with a flipped bit", _flip(leaf), i, n, proof, root,
             "RootMismatchError")  # fmt: skip
        case(f"{tag}: root with a flipped bit", leaf, i, n, proof, _flip(root),
             "RootMismatchError")  # fmt: skip
        for k in range(len(proof)):
            bad = proof[:k] + [_flip(proof[k], 7)] + proof[k + 1 :]
            case(f"{tag}: proof hash {k} with a flipped bit", leaf, i, n, bad, root,
                 "RootMismatchError")  # fmt: skip
        for k in range(len(proof) - 1):
            bad = proof[:k] + [proof[k + 1], proof[k]] + proof[k + 2 :]
            case(f"{tag}: proof hashes {k} and {k + 1} swapped", leaf, i, n, bad, root,
                 "RootMismatchError")  # fmt: skip
        if proof:
            case(f"{tag}: truncated proof", leaf, i, n, proof[:-1], root, "ProofLengthError")
            case(f"{tag}: empty proof where one is needed", leaf, i, n, [], root,
                 "ProofLengthError")  # fmt: skip
        case(f"{tag}: extended proof", leaf, i, n, proof + [root], root, "ProofLengthError")
        for j in (i - 1, i + 1):
            if 0 <= j < n:
                expected = "RootMismatchError" if length(j, n) == len(proof) else "ProofLengthError"
                case(f"{tag}: claimed as leaf {j}", leaf, j, n, proof, root, expected)
        for m in (n - 1, n + 1, 2 * n):
            if i < m and length(i, m) != len(proof):
                case(f"{tag}: claimed in a tree of size {m}", leaf, i, m, proof, root,
                     "ProofLengthError")  # fmt: skip
        case(f"{tag}: index equal to the size", leaf, n, n, proof, root, "IndexOutOfRangeError")
        case(f"{tag}: negative index", leaf, -1, n, proof, root, "IndexOutOfRangeError")
        case(f"{tag}: tree size zero", leaf, i, 0, proof, root, "TreeSizeError")
    leaf0, root = hashlib.sha256(b"\x00" + ref.entries[0]).digest(), ref.root(5)
    case("leaf 0 in a tree of size 2**64: beyond uint64", leaf0, 0, 1 << 64, [root] * 64, root,
         "TreeSizeError")  # fmt: skip
    return out


def consistency_cases(ref: Reference) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []

    def case(desc: str, m: int, n: int, proof: list[bytes], r1: bytes, r2: bytes,
             expected: str) -> None:  # fmt: skip
        out.append({"description": desc, "size1": m, "size2": n, "proof": _hex(proof),
                    "root1": r1.hex(), "root2": r2.hex(), "expected": expected})  # fmt: skip

    for m, n in CONSISTENCY_PAIRS:
        proof, r1, r2 = ref.consistency(m, n), ref.root(m), ref.root(n)
        tag = f"{m} -> {n}"
        case(f"{tag}: valid proof", m, n, proof, r1, r2, "ok")
        case(f"{tag}: root1 with a flipped bit", m, n, proof, _flip(r1), r2, "RootMismatchError")
        case(f"{tag}: root2 with a flipped bit", m, n, proof, r1, _flip(r2), "RootMismatchError")
        for k in range(len(proof)):
            bad = proof[:k] + [_flip(proof[k], 7)] + proof[k + 1 :]
            case(f"{tag}: proof hash {k} with a flipped bit", m, n, bad, r1, r2,
                 "RootMismatchError")  # fmt: skip
        for k in range(len(proof) - 1):
            bad = proof[:k] + [proof[k + 1], proof[k]] + proof[k + 2 :]
            case(f"{tag}: proof hashes {k} and {k + 1} swapped", m, n, bad, r1, r2,
                 "RootMismatchError")  # fmt: skip
        case(f"{tag}: truncated proof", m, n, proof[:-1], r1, r2, "ProofLengthError")
        case(f"{tag}: extended proof", m, n, proof + [r2], r1, r2, "ProofLengthError")
        case(f"{tag}: empty proof where one is needed", m, n, [], r1, r2, "ProofLengthError")
        case(f"{tag}: sizes swapped (size1 > size2)", n, m, proof, r2, r1, "SizeOrderError")
        for m2, n2 in ((m - 1, n), (m + 1, n), (m, n + 1), (m, n - 1)):
            if 0 < m2 < n2 and len(ref.consistency(m2, n2)) != len(proof):
                case(f"{tag}: claimed as {m2} -> {n2}", m2, n2, proof, r1, r2, "ProofLengthError")
        case(f"{tag}: old roots swapped", m, n, proof, r2, r1, "RootMismatchError")
    r0, r5 = ref.root(0), ref.root(5)
    # decided (docs/notary.md): no consistency proof from the empty tree, as
    # transparency-dev/merkle: every tree extends it, so whatever the proof, it proves nothing
    case("0 -> 5: from the empty tree, empty proof", 0, 5, [], r0, r5, "TreeSizeError")
    case("0 -> 5: from the empty tree, non-empty proof", 0, 5, [r5], r0, r5, "TreeSizeError")
    case("0 -> 5: from the empty tree, root1 not the empty-tree root", 0, 5, [], r5, r5,
         "TreeSizeError")  # fmt: skip
    case("0 -> 0: from the empty tree to itself", 0, 0, [], r0, r0, "TreeSizeError")
    big = (1 << 64) - 1
    case("5 -> 2**64: size2 beyond uint64", 5, big + 1, [], r5, r5, "TreeSizeError")
    case("5 -> 5: same size, same root", 5, 5, [], r5, r5, "ok")
    case("5 -> 5: same size, different roots", 5, 5, [], r5, ref.root(6), "RootMismatchError")
    case("5 -> 5: same size, non-empty proof", 5, 5, [r5], r5, r5, "ProofLengthError")
    case("6 -> 5: size1 > size2", 6, 5, [], ref.root(6), r5, "SizeOrderError")
    case("-1 -> 5: negative size", -1, 5, [], r0, r5, "TreeSizeError")
    return out


def build() -> dict[str, str]:
    """File name -> exact file text."""
    ref = Reference(entries(N))
    docs = {
        "inclusion.json": {
            "about": "RFC 9162 inclusion proofs over entries b'entry-<i>'; hashes in hex",
            "cases": inclusion_cases(ref),
        },
        "consistency.json": {
            "about": "RFC 9162 consistency proofs over entries b'entry-<i>'; hashes in hex",
            "cases": consistency_cases(ref),
        },
    }
    return {name: json.dumps(doc, indent=1) + "\n" for name, doc in docs.items()}


def main(argv: list[str]) -> int:
    changed = []
    for name, text in build().items():
        path = HERE / name
        if not path.exists() or path.read_text() != text:
            changed.append(name)
            if "--check" not in argv:
                path.write_text(text)
    if changed:
        print(("would change: " if "--check" in argv else "wrote: ") + ", ".join(changed))
    return 1 if changed and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
