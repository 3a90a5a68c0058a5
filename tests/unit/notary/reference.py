"""A naive reference written straight from RFC 9162 section 2.1, for comparison only.

MTH, PATH and PROOF/SUBPROOF are the recursive definitions of the RFC over a list of
leaves, memoised on ranges so that every (index, size) pair up to ~1,000 can be compared
quickly. Nothing here imports the code under test.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """Largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class Reference:
    """RFC 9162 definitions over fixed entries ``D``; ``subtree`` may shortcut big trees."""

    def __init__(self, entries: Sequence[bytes], levels: Sequence[Sequence[bytes]] = ()) -> None:
        self.entries = list(entries)
        self.levels = levels  # optional complete-subtree hashes for sampled checks at 10^6
        self.mth = lru_cache(maxsize=None)(self._mth)
        self.path = lru_cache(maxsize=None)(self._path)
        self.subproof = lru_cache(maxsize=None)(self._subproof)

    def _mth(self, lo: int, hi: int) -> bytes:
        n = hi - lo
        if n == 0:
            return _h(b"")
        if n == 1:
            return _h(b"\x00" + self.entries[lo])
        if self.levels and n & (n - 1) == 0 and lo % n == 0:
            return self.levels[n.bit_length() - 1][lo // n]
        k = _k(n)
        return _h(b"\x01" + self.mth(lo, lo + k) + self.mth(lo + k, hi))

    def _path(self, m: int, lo: int, hi: int) -> tuple[bytes, ...]:
        n = hi - lo
        if n == 1:
            return ()
        k = _k(n)
        if m < k:
            return self.path(m, lo, lo + k) + (self.mth(lo + k, hi),)
        return self.path(m - k, lo + k, hi) + (self.mth(lo, lo + k),)

    def _subproof(self, m: int, lo: int, hi: int, whole: bool) -> tuple[bytes, ...]:
        n = hi - lo
        if m == n:
            return () if whole else (self.mth(lo, hi),)
        k = _k(n)
        if m <= k:
            return self.subproof(m, lo, lo + k, whole) + (self.mth(lo + k, hi),)
        return self.subproof(m - k, lo + k, hi, False) + (self.mth(lo, lo + k),)

    def root(self, n: int) -> bytes:
        return self.mth(0, n)

    def inclusion(self, m: int, n: int) -> list[bytes]:
        return list(self.path(m, 0, n))

    def consistency(self, m: int, n: int) -> list[bytes]:
        if m == 0 or m == n:
            return []
        return list(self.subproof(m, 0, n, True))


def entries(n: int) -> list[bytes]:
    return [b"entry-%d" % i for i in range(n)]
