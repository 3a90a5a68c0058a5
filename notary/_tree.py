"""Tree hashing and proof generation over complete-subtree hashes.

A tree of any size is a row of complete (power-of-two, aligned) subtrees. Everything
here asks a :class:`NodeSource` for those complete subtrees only, so the same code
serves the in-memory tree below and the durable tile store (:mod:`notary._store`),
which can answer each request in O(1) reads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

from ._errors import IndexOutOfRangeError, TreeSizeError
from ._verify import EMPTY_ROOT, _check_sizes

__all__ = [
    "NodeSource",
    "MemoryTree",
    "hash_leaves",
    "hash_level",
    "root_hash",
    "range_hash",
    "inclusion_path",
    "consistency_path",
]

_sha256 = hashlib.sha256


class NodeSource(Protocol):
    """Anything that knows the hash of complete subtree ``index`` at ``level``.

    The subtree covers leaves ``[index << level, (index + 1) << level)``.
    """

    def complete(self, level: int, index: int) -> bytes: ...


def hash_leaves(entries: Iterable[bytes]) -> list[bytes]:
    """Leaf hashes of raw entries, in order."""
    return [_sha256(b"\x00" + e).digest() for e in entries]


def hash_level(hashes: Sequence[bytes]) -> list[bytes]:
    """The level above: node hashes of consecutive pairs (an odd last hash is dropped)."""
    return [
        _sha256(b"\x01" + hashes[i] + hashes[i + 1]).digest() for i in range(0, len(hashes) - 1, 2)
    ]


def range_hash(source: NodeSource, lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) where ``lo`` is a multiple of a power of two >= ``hi - lo``.

    Such a range is a row of complete subtrees, one per set bit of ``hi - lo``, largest
    first; RFC 9162 splits it at the largest power of two, so folding the row from the
    right (smallest subtree first) gives its hash.
    """
    n = hi - lo
    if n <= 0:
        return EMPTY_ROOT
    level = (n & -n).bit_length() - 1  # the smallest, rightmost subtree
    h = source.complete(level, (hi - (1 << level)) >> level)
    rest, level = n >> (level + 1), level + 1
    while rest:
        if rest & 1:  # subtree at this level starts after the larger ones to its left
            start = lo + ((n >> (level + 1)) << (level + 1))
            h = _sha256(b"\x01" + source.complete(level, start >> level) + h).digest()
        rest >>= 1
        level += 1
    return h


def inclusion_path(source: NodeSource, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 section 2.1.3.1, leaf sibling first."""
    if size <= 0:
        raise TreeSizeError(f"no inclusion in a tree of size {size}", size=size)
    if not 0 <= index < size:
        raise IndexOutOfRangeError(index, size)
    path: list[bytes] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        if index < lo + k:
            path.append(range_hash(source, lo + k, hi))
            hi = lo + k
        else:
            path.append(source.complete(k.bit_length() - 1, lo >> (k.bit_length() - 1)))
            lo += k
    path.reverse()
    return path


def consistency_path(source: NodeSource, size1: int, size2: int) -> list[bytes]:
    """PROOF(size1, D[0:size2]) of RFC 9162 section 2.1.4.1 (empty if size1 == size2).

    ``size1 == 0`` is a :class:`TreeSizeError`, as in :func:`notary.verify_consistency`:
    no proof from the empty tree is made that no verifier would accept.
    """
    _check_sizes(size1, size2)
    if size1 == size2:
        return []
    path: list[bytes] = []
    lo, hi, m, complete = 0, size2, size1, True
    while m != hi - lo:
        k = 1 << ((hi - lo - 1).bit_length() - 1)
        if m <= k:
            path.append(range_hash(source, lo + k, hi))
            hi = lo + k
        else:
            path.append(source.complete(k.bit_length() - 1, lo >> (k.bit_length() - 1)))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        path.append(range_hash(source, lo, hi))
    path.reverse()
    return path


class MemoryTree:
    """A whole tree kept in memory as lists of complete-subtree hashes per level.

    Good for tests, tools and trees that fit in RAM; the durable log is
    :class:`notary.Log`.
    """

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        self.append_hashes(list(leaf_hashes))

    @classmethod
    def from_entries(cls, entries: Iterable[bytes]) -> MemoryTree:
        return cls(hash_leaves(entries))

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def append(self, entries: Iterable[bytes]) -> int:
        """Append raw entries; returns the new size."""
        return self.append_hashes(hash_leaves(entries))

    def append_hashes(self, hashes: Sequence[bytes]) -> int:
        levels = self._levels
        levels[0].extend(hashes)
        level = 0
        while len(levels[level]) >= 2:
            below, done = levels[level], len(levels[level + 1]) if level + 1 < len(levels) else 0
            if level + 1 == len(levels):
                levels.append([])
            levels[level + 1].extend(hash_level(below[2 * done :]))
            level += 1
        return self.size

    def complete(self, level: int, index: int) -> bytes:
        return self._levels[level][index]

    def leaf_hash(self, index: int) -> bytes:
        return self._levels[0][index]

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise TreeSizeError(f"size {size} outside 0..{self.size}", size=size)
        return range_hash(self, 0, size)

    def _size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if size > self.size:
            raise TreeSizeError(f"size {size} beyond the tree's {self.size}", size=size)
        return size

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_path(self, index, self._size(size))

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_path(self, size1, self._size(size2))


def root_hash(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 root of the raw entries ``leaves`` (each is leaf-hashed here)."""
    if not leaves:
        return EMPTY_ROOT
    return MemoryTree.from_entries(leaves).root()
