"""Known answers from outside this project: the RFC 6962 reference tree used by Certificate
Transparency implementations (eight leaves, roots of every prefix, a consistency proof).

The other vectors under tests/ are produced by our own reference code; these are not.
"""

import notary

from .reference import Reference

LEAVES = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_roots_of_every_prefix() -> None:
    for size in range(1, 9):
        assert notary.root_hash(LEAVES[:size]).hex() == ROOTS[size - 1], size
        assert Reference(LEAVES).root(size).hex() == ROOTS[size - 1]


def test_proofs_against_the_known_roots() -> None:
    tree = notary.MemoryTree()
    tree.append(LEAVES)
    for size in range(1, 9):
        root = bytes.fromhex(ROOTS[size - 1])
        for index in range(size):
            notary.verify_inclusion(notary.leaf_hash(LEAVES[index]), index, size,
                                    tree.inclusion_proof(index, size), root)
        for size1 in range(1, size + 1):
            notary.verify_consistency(size1, size, tree.consistency_proof(size1, size),
                                      bytes.fromhex(ROOTS[size1 - 1]), root)
