"""Roots and proofs equal the naive RFC 9162 reference: every pair up to 1,024 leaves,
and sampled pairs up to 10^6 (in memory and in the SQLite tile store)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import notary
from notary import (
    MemoryTree,
    TreeSizeError,
    leaf_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

from .reference import Reference, entries

N = 1024
BIG = 1_000_000


@pytest.fixture(scope="module")
def small() -> tuple[list[bytes], Reference, MemoryTree, list[bytes]]:
    d = entries(N)
    ref = Reference(d)
    return d, ref, MemoryTree.from_entries(d), [ref.root(n) for n in range(N + 1)]


def test_root_of_every_size(small: tuple[list[bytes], Reference, MemoryTree, list[bytes]]) -> None:
    d, _, tree, roots = small
    assert roots[0] == hashlib.sha256(b"").digest() == root_hash([])
    for n in range(1, N + 1):
        assert tree.root(n) == roots[n], n
    for n in (1, 2, 3, 7, 64, 65, 1000, N):  # root_hash builds from scratch each time
        assert root_hash(d[:n]) == roots[n]


def test_inclusion_every_index_and_size(
    small: tuple[list[bytes], Reference, MemoryTree, list[bytes]],
) -> None:
    d, ref, tree, roots = small
    leaves = [leaf_hash(e) for e in d]
    pairs = 0
    for n in range(1, N + 1):
        root = roots[n]
        for i in range(n):
            proof = tree.inclusion_proof(i, n)
            assert proof == ref.inclusion(i, n), (i, n)
            verify_inclusion(leaves[i], i, n, proof, root)
            pairs += 1
    assert pairs == N * (N + 1) // 2


def test_consistency_every_size_pair(
    small: tuple[list[bytes], Reference, MemoryTree, list[bytes]],
) -> None:
    _, ref, tree, roots = small
    for n in range(1, N + 1):
        for m in range(1, n + 1):
            proof = tree.consistency_proof(m, n)
            assert proof == ref.consistency(m, n), (m, n)
            verify_consistency(m, n, proof, roots[m], roots[n])
        with pytest.raises(TreeSizeError):  # decided: no proof from the empty tree
            tree.consistency_proof(0, n)
        with pytest.raises(TreeSizeError):
            verify_consistency(0, n, [], roots[0], roots[n])


def _levels(leaves: list[bytes]) -> list[list[bytes]]:
    """Complete-subtree hashes by plain pairwise hashing, independent of notary."""
    levels = [leaves]
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append(
            [hashlib.sha256(b"\x01" + below[i] + below[i + 1]).digest()
             for i in range(0, len(below) - 1, 2)]  # fmt: skip
        )
    return levels


@pytest.fixture(scope="module")
def big(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Reference, MemoryTree, notary.Log]]:
    d = [i.to_bytes(4, "big") for i in range(BIG)]
    leaves = [hashlib.sha256(b"\x00" + e).digest() for e in d]
    ref = Reference(d, _levels(leaves))
    log = notary.Log.open(Path(tmp_path_factory.mktemp("big")) / "big.db")
    for start in range(0, BIG, 100_000):
        log.append_hashes(leaves[start : start + 100_000])
    yield ref, MemoryTree(leaves), log
    log.close()


@st.composite
def _pair(draw: st.DrawFn) -> tuple[int, int, int]:
    size = draw(st.one_of(st.integers(1, BIG), st.sampled_from([BIG, BIG - 1, 2**19, 2**19 + 1])))
    return draw(st.integers(0, size - 1)), draw(st.integers(1, size)), size


@settings(max_examples=150, deadline=None)
@given(_pair())
def test_sampled_pairs_up_to_a_million(
    big: tuple[Reference, MemoryTree, notary.Log], pair: tuple[int, int, int]
) -> None:
    ref, tree, log = big
    index, size1, size = pair
    root, root1 = ref.root(size), ref.root(size1)
    assert tree.root(size) == root == log.root(size)
    proof = ref.inclusion(index, size)
    assert tree.inclusion_proof(index, size) == proof == log.inclusion_proof(index, size)
    verify_inclusion(tree.leaf_hash(index), index, size, proof, root)
    cproof = ref.consistency(size1, size)
    assert tree.consistency_proof(size1, size) == cproof == log.consistency_proof(size1, size)
    verify_consistency(size1, size, cproof, root1, root)
