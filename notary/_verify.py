"""The pure verification core: RFC 9162 section 2.1 hashing and proof checks.

Bytes and sizes in; ``None`` out or a typed :class:`~notary.ProofError` raised. No IO,
no clock, no state. Everything that trusts a log goes through the two ``verify_*``
functions here.

Decisions on the edge cases RFC 9162 leaves to the implementer:

* inclusion in a tree of size 0 is an error (:class:`TreeSizeError`): no leaf exists;
* consistency with ``size1 == size2`` needs an empty proof and ``root1 == root2``;
* consistency from ``size1 == 0`` is a :class:`TreeSizeError`, whatever the proof and
  roots: every tree extends the empty tree, so such a proof proves nothing (as
  transparency-dev/merkle and golang.org/x/mod/sumdb/tlog refuse it). The question "does
  this checkpoint extend the empty tree" is answered where it arises, by
  :func:`notary.check_extends`, which needs no proof for it;
* ``size1 > size2`` is a :class:`SizeOrderError`; negative sizes and sizes above
  2**64-1 (tree sizes are uint64) a :class:`TreeSizeError`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from ._errors import (
    IndexOutOfRangeError,
    MalformedHashError,
    ProofLengthError,
    RootMismatchError,
    SizeOrderError,
    TreeSizeError,
)

__all__ = [
    "HASH_SIZE",
    "MAX_TREE_SIZE",
    "EMPTY_ROOT",
    "leaf_hash",
    "node_hash",
    "inclusion_proof_length",
    "consistency_proof_length",
    "root_from_inclusion_proof",
    "verify_inclusion",
    "verify_consistency",
]

HASH_SIZE = 32
MAX_TREE_SIZE = (1 << 64) - 1
"""Largest tree size: RFC 9162 tree sizes are uint64 (as in Go's transparency-dev code)."""
_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()
"""Root of the empty tree, MTH({}) = SHA-256()."""


def leaf_hash(data: bytes) -> bytes:
    """MTH of one entry: SHA-256(0x00 || data)."""
    return _sha256(b"\x00" + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Interior node: SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


def inclusion_proof_length(index: int, size: int) -> int:
    """Number of hashes in PATH(index, D[0:size]); requires 0 <= index < size."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + (index >> inner).bit_count()


def consistency_proof_length(size1: int, size2: int) -> int:
    """Number of hashes in PROOF(size1, D[0:size2]); 0 when size1 equals size2 (or is 0,
    for which no proof exists: see :func:`verify_consistency`)."""
    if size1 <= 0 or size1 >= size2:
        return 0
    count, complete, m, n = 0, True, size1, size2
    while m != n:  # walk SUBPROOF down to the node that equals the old tree's part
        k = 1 << ((n - 1).bit_length() - 1)
        if m <= k:
            n = k
        else:
            m, n, complete = m - k, n - k, False
        count += 1
    return count if complete else count + 1


def _check_hash(what: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise MalformedHashError(what, len(value))


def _check_proof(proof: Sequence[bytes]) -> list[bytes]:
    out = [bytes(p) for p in proof]
    for i, p in enumerate(out):
        if len(p) != HASH_SIZE:
            raise MalformedHashError(f"proof hash {i}", len(p))
    return out


def _check_sizes(size1: int, size2: int) -> None:
    """The sizes a consistency proof can relate: ``0 < size1 <= size2 <= 2**64-1``."""
    if size1 < 0 or size2 < 0:
        raise TreeSizeError(f"negative tree size ({size1}, {size2})", size1=size1, size2=size2)
    if size1 > size2:
        raise SizeOrderError(size1, size2)
    if size2 > MAX_TREE_SIZE:
        raise TreeSizeError(f"tree size {size2} exceeds 2**64-1", size1=size1, size2=size2)
    if size1 == 0:
        raise TreeSizeError(
            f"no consistency proof from the empty tree to size {size2}: every tree extends "
            f"it, so the proof would prove nothing", size1=size1, size2=size2
        )


def root_from_inclusion_proof(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """Recompute the root that ``proof`` claims for ``leaf`` at ``index`` in ``size``.

    Raises on impossible sizes or index and on a proof of the wrong length; the caller
    compares the result with a trusted root (see :func:`verify_inclusion`).
    """
    if size <= 0:
        raise TreeSizeError(f"no inclusion in a tree of size {size}", size=size)
    if size > MAX_TREE_SIZE:
        raise TreeSizeError(f"tree size {size} exceeds 2**64-1", size=size)
    if not 0 <= index < size:
        raise IndexOutOfRangeError(index, size)
    _check_hash("leaf hash", leaf)
    hashes = _check_proof(proof)
    inner = (index ^ (size - 1)).bit_length()
    expected = inner + (index >> inner).bit_count()
    if len(hashes) != expected:
        raise ProofLengthError("inclusion", expected, len(hashes), index=index, size=size)
    h = bytes(leaf)
    for level in range(inner):  # below the split from the right edge: sides follow index bits
        p = hashes[level]
        h = _sha256(b"\x01" + p + h).digest() if (index >> level) & 1 else node_hash(h, p)
    for p in hashes[inner:]:  # on the right edge: every remaining sibling is to the left
        h = _sha256(b"\x01" + p + h).digest()
    return h


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` with ``root``.

    Raises :class:`TreeSizeError`, :class:`IndexOutOfRangeError`,
    :class:`MalformedHashError`, :class:`ProofLengthError` or :class:`RootMismatchError`.
    """
    _check_hash("root", root)
    calculated = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if calculated != root:
        raise RootMismatchError("root", bytes(root), calculated, index=index, size=size)


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """Check that the tree ``(size2, root2)`` extends the tree ``(size1, root1)``.

    Raises :class:`TreeSizeError`, :class:`SizeOrderError`, :class:`MalformedHashError`,
    :class:`ProofLengthError` or :class:`RootMismatchError` (``which`` is "root1" or
    "root2").
    """
    _check_sizes(size1, size2)
    _check_hash("root1", root1)
    _check_hash("root2", root2)
    hashes = _check_proof(proof)
    ctx = {"size1": size1, "size2": size2}
    if size1 == size2:
        if hashes:
            raise ProofLengthError("consistency", 0, len(hashes), **ctx)
        if root1 != root2:
            raise RootMismatchError("root2", bytes(root2), bytes(root1), **ctx)
        return
    expected = consistency_proof_length(size1, size2)
    if len(hashes) != expected:
        raise ProofLengthError("consistency", expected, len(hashes), **ctx)
    # The old tree's last complete node: level `shift`, index `start` at that level.
    shift = (size1 & -size1).bit_length() - 1
    start = (size1 - 1) >> shift
    inner = ((size1 - 1) ^ (size2 - 1)).bit_length() - shift
    if size1 == 1 << shift:  # the old tree is itself that node: its root seeds both paths
        seed, rest = bytes(root1), hashes
    else:
        seed, rest = hashes[0], hashes[1:]
    h1 = h2 = seed
    for level in range(inner):
        p = rest[level]
        if (start >> level) & 1:  # left sibling: inside both trees
            h1 = _sha256(b"\x01" + p + h1).digest()
            h2 = _sha256(b"\x01" + p + h2).digest()
        else:  # right sibling: only in the new tree
            h2 = _sha256(b"\x01" + h2 + p).digest()
    for p in rest[inner:]:
        h1 = _sha256(b"\x01" + p + h1).digest()
        h2 = _sha256(b"\x01" + p + h2).digest()
    if h1 != root1:
        raise RootMismatchError("root1", bytes(root1), h1, **ctx)
    if h2 != root2:
        raise RootMismatchError("root2", bytes(root2), h2, **ctx)
