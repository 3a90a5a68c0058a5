"""The pure core: edge cases decided per RFC 9162, domain separation, error evidence."""

from __future__ import annotations

import hashlib

import pytest

import notary
from notary import (
    EMPTY_ROOT,
    IndexOutOfRangeError,
    MalformedHashError,
    MemoryTree,
    ProofError,
    ProofLengthError,
    RootMismatchError,
    SizeOrderError,
    TreeSizeError,
    leaf_hash,
    node_hash,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

ENTRIES = [b"a", b"b", b"c", b"d"]


def test_hashes_follow_rfc_9162() -> None:
    assert EMPTY_ROOT == hashlib.sha256(b"").digest() == root_hash([])
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    left, right = b"L" * 32, b"R" * 32
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert root_hash([b"x"]) == leaf_hash(b"x")
    # size 3 splits at 2: no node is duplicated or promoted
    la, lb, lc = (leaf_hash(e) for e in ENTRIES[:3])
    assert root_hash(ENTRIES[:3]) == node_hash(node_hash(la, lb), lc)
    # a known value: SHA-256(0x00) is the hash of the empty leaf
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )


def test_every_error_is_a_proof_error() -> None:
    storage = {"ConcurrentAppendError", "StoreError", "SchemaMissingError"}  # storage failed,
    # no proof was checked
    for name in notary.__all__:
        obj = getattr(notary, name)
        if isinstance(obj, type) and name.endswith("Error") and name not in storage:
            assert issubclass(obj, ProofError), name


def test_inclusion_in_an_empty_tree_is_an_error() -> None:
    with pytest.raises(TreeSizeError):
        verify_inclusion(leaf_hash(b"a"), 0, 0, [], EMPTY_ROOT)


def test_single_leaf_tree_needs_an_empty_proof() -> None:
    verify_inclusion(leaf_hash(b"a"), 0, 1, [], root_hash([b"a"]))
    with pytest.raises(ProofLengthError) as err:
        verify_inclusion(leaf_hash(b"a"), 0, 1, [EMPTY_ROOT], root_hash([b"a"]))
    assert (err.value.expected, err.value.got) == (0, 1)


def test_errors_carry_evidence() -> None:
    tree = MemoryTree.from_entries(ENTRIES)
    proof, root = tree.inclusion_proof(2, 4), tree.root()
    with pytest.raises(RootMismatchError) as mismatch:
        verify_inclusion(leaf_hash(b"zzz"), 2, 4, proof, root)
    assert mismatch.value.expected == root
    assert mismatch.value.calculated != root and len(mismatch.value.calculated) == 32
    assert mismatch.value.context == {"index": 2, "size": 4}
    assert root.hex() in str(mismatch.value)
    with pytest.raises(IndexOutOfRangeError) as out:
        verify_inclusion(leaf_hash(b"c"), 4, 4, proof, root)
    assert (out.value.index, out.value.size) == (4, 4)
    with pytest.raises(ProofLengthError) as length:
        verify_inclusion(leaf_hash(b"c"), 2, 4, proof[:1], root)
    assert (length.value.expected, length.value.got, length.value.kind) == (2, 1, "inclusion")
    with pytest.raises(SizeOrderError) as order:
        verify_consistency(4, 3, [], root, root)
    assert (order.value.size1, order.value.size2) == (4, 3)
    with pytest.raises(MalformedHashError) as short:
        verify_inclusion(leaf_hash(b"c"), 2, 4, [proof[0][:31], proof[1]], root)
    assert short.value.length == 31 and "proof hash 0" in str(short.value)
    with pytest.raises(RootMismatchError) as which:
        verify_consistency(2, 4, tree.consistency_proof(2, 4), tree.root(2), EMPTY_ROOT)
    assert which.value.which == "root2" and which.value.expected == EMPTY_ROOT


def test_consistency_edge_cases() -> None:
    tree = MemoryTree.from_entries(ENTRIES)
    r2, r4 = tree.root(2), tree.root(4)
    verify_consistency(4, 4, [], r4, r4)
    with pytest.raises(RootMismatchError):  # same size, different roots: a split view
        verify_consistency(4, 4, [], r2, r4)
    # decided (as transparency-dev/merkle): no consistency proof from the empty tree,
    # whatever the proof and roots, since every tree extends it
    for size2, proof, root1, root2 in ((4, [], EMPTY_ROOT, r4), (0, [], EMPTY_ROOT, EMPTY_ROOT),
                                       (4, [r4], EMPTY_ROOT, r4), (4, [], r2, r4)):  # fmt: skip
        with pytest.raises(TreeSizeError) as empty:
            verify_consistency(0, size2, proof, root1, root2)
        assert empty.value.sizes == {"size1": 0, "size2": size2}
        assert "empty tree" in str(empty.value)
    with pytest.raises(TreeSizeError):
        verify_consistency(-1, 4, [], EMPTY_ROOT, r4)
    with pytest.raises(ProofLengthError):  # a proof is needed between 2 and 4
        verify_consistency(2, 4, [], r2, r4)


def test_interior_node_offered_as_a_leaf_is_rejected() -> None:
    tree = MemoryTree.from_entries(ENTRIES)
    n01, n23 = tree.complete(1, 0), tree.complete(1, 1)
    root4 = tree.root()
    assert node_hash(n01, n23) == root4
    # The entry whose bytes an interior node hashes (its two children) is not that node.
    forged = tree.complete(0, 0) + tree.complete(0, 1)
    assert leaf_hash(forged) != n01
    for size, proof in ((2, [n23]), (4, tree.inclusion_proof(0, 4))):
        with pytest.raises(RootMismatchError):
            verify_inclusion(leaf_hash(forged), 0, size, proof, root4)
    # Nor does a 2-leaf tree of the interior hashes share the 4-leaf tree's root.
    assert root_hash([n01, n23]) != root4


def test_shorter_tree_cannot_claim_a_longer_trees_root() -> None:
    tree = MemoryTree.from_entries(ENTRIES)
    root4 = tree.root()
    assert all(tree.root(n) != root4 for n in range(4))
    with pytest.raises(ProofError):  # "size 2 with root4": no valid consistency either way
        verify_consistency(2, 4, tree.consistency_proof(2, 4), root4, root4)
    with pytest.raises(ProofLengthError):
        verify_consistency(2, 4, [], root4, root4)


def test_duplicated_last_leaf_is_a_different_tree() -> None:
    three = ENTRIES[:3]
    dup = [*three, three[-1]]
    assert root_hash(three) != root_hash(dup)
    tree = MemoryTree.from_entries(dup)
    with pytest.raises(ProofError):  # the duplicate's proof does not fit the 3-leaf tree
        verify_inclusion(leaf_hash(b"c"), 3, 3, tree.inclusion_proof(3, 4), root_hash(three))
    with pytest.raises(RootMismatchError):
        verify_inclusion(leaf_hash(b"c"), 2, 4, tree.inclusion_proof(2, 4), root_hash(three))


def test_memory_tree_refuses_sizes_beyond_its_end() -> None:
    tree = MemoryTree.from_entries(ENTRIES)
    with pytest.raises(TreeSizeError):
        tree.inclusion_proof(0, 5)
    with pytest.raises(TreeSizeError):
        tree.root(5)
    with pytest.raises(SizeOrderError):
        tree.consistency_proof(4, 3)
