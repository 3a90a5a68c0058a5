"""The audit leaf: one byte form per leaf, floats and non-canonical bytes refused."""

from __future__ import annotations

import json

import pytest

import verifier
from verifier import AuditFormatError, Leaf, audit_leaf, canonical, origin, parse_leaf

ENTRY = {"v": 1, "entry": "registry.register", "tx_id": "t1",
         "timestamp": "2026-01-01T00:00:00Z",
         "actor": {"mspid": "RegulatorMSP", "kind": "client", "fingerprint": "ab" * 32},
         "keys": {"uscc": "91110000"}, "digests": {}, "commitments": {}}


def test_constants() -> None:
    assert verifier.THRESHOLD == 3
    assert origin("carbon") == "carbontrust.audit/carbon"
    assert origin("carbon") == verifier.ORIGIN + "carbon"
    with pytest.raises(AuditFormatError):
        origin("")
    with pytest.raises(AuditFormatError):
        origin("a b")


def test_canonical_sorted_compact_utf8() -> None:
    assert canonical({"b": 1, "a": ["ü", None, True]}) == '{"a":["ü",null,true],"b":1}'.encode()


@pytest.mark.parametrize("bad", [1.5, {"x": float("nan")}, {1: "a"}, {"s": {1, 2}}, b"x"])
def test_canonical_refuses_values_without_one_form(bad: object) -> None:
    with pytest.raises(AuditFormatError):
        canonical(bad)


def test_leaf_round_trip() -> None:
    data = audit_leaf(7, 2, "t1", ENTRY)
    assert json.loads(data) == {"block": 7, "index": 2, "tx_id": "t1", "entry": ENTRY}
    leaf = parse_leaf(data)
    assert leaf == Leaf(7, 2, "t1", ENTRY)
    assert leaf.to_bytes() == data
    assert leaf.timestamp == "2026-01-01T00:00:00Z"
    assert leaf.name == "registry.register" and not leaf.housekeeping
    assert Leaf(1, 0, "t", {"entry": "audit.sign"}).housekeeping


@pytest.mark.parametrize(
    "data",
    [
        b"\xff",
        b"[]",
        b'{"block":1,"index":0,"tx_id":"t"}',
        b'{"block":1,"entry":{},"index":0,"tx_id":"t","x":1}',
        b'{"block":-1,"entry":{},"index":0,"tx_id":"t"}',
        b'{"block":true,"entry":{},"index":0,"tx_id":"t"}',
        b'{"block":1,"entry":[],"index":0,"tx_id":"t"}',
        b'{"block":1,"entry":{},"index":0,"tx_id":""}',
        b'{"block":1,"entry":{"f":1.0},"index":0,"tx_id":"t"}',
        b'{"block":1,"entry":{"f":NaN},"index":0,"tx_id":"t"}',
        b'{"index":0,"block":1,"entry":{},"tx_id":"t"}',          # keys not sorted
        b'{"block":1, "entry":{},"index":0,"tx_id":"t"}',          # a space
        b'{"block":1,"block":1,"entry":{},"index":0,"tx_id":"t"}',  # duplicate key
        b'{"block":1,"entry":{},"index":0,"tx_id":"\\u0074"}',      # escaped where not needed
    ],
)
def test_parse_leaf_refuses(data: bytes) -> None:
    with pytest.raises(AuditFormatError):
        parse_leaf(data)


def test_audit_leaf_refuses_bad_fields() -> None:
    with pytest.raises(AuditFormatError):
        audit_leaf(1, -1, "t", {})
    with pytest.raises(AuditFormatError):
        audit_leaf(1, 0, "t", [])  # type: ignore[arg-type]


def test_deep_nesting_is_a_format_error_not_a_crash() -> None:
    for depth in (200, 900, 5000):
        nested = b"[" * depth + b"]" * depth
        data = b'{"block":1,"entry":{"a":' + nested + b'},"index":0,"tx_id":"t"}'
        try:
            leaf = parse_leaf(data)
        except AuditFormatError:
            continue
        assert leaf.to_bytes() == data
