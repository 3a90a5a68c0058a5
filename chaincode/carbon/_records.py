"""Where things live on the ledger: the key layout and the record loaders every module shares.

=====================================  ======================================  =============
key (composite: type, attributes)      value (canonical JSON)                  where
=====================================  ======================================  =============
enterprise / uscc                      enterprise record                       public state
meter / meter_id                       {"meter_id", "uscc", "status"}          public state
revoked / fingerprint                  {"fingerprint","serial","issuer",...}   public state
governance / kind / version            proposal, approvals, status             public state
in_force / kind                        {"kind","version","digest",...}         public state
operating / uscc / start / end         signed declaration + salt               operatingData
notarykey / mspid                      {"binding","tx_id","timestamp"}         public state
notarysig / size (20 digits) / mspid   {"mspid","size","root","note",...}      public state
anchor / size (20 digits)              anchored checkpoint record              public state
anchorhead                             the latest anchor record                public state
notaryalarm / size / reporter/accused  split-view evidence                     public state
consent / uscc / report / bank / id    consent terms, grant, revocation,       public state
                                       access count (no private data)
=====================================  ======================================  =============

Sizes in keys are zero-padded to 20 digits (2**64-1 has 20), so key order is size order.
"""

from __future__ import annotations

from typing import Any

from chaincode.shim import CompositeKey, Stub, create_composite_key

from ._codec import canonical, load

OPERATING_COLLECTION = "operatingData"


def enterprise_key(uscc: str) -> CompositeKey:
    return create_composite_key("enterprise", [uscc])


def meter_key(meter_id: str) -> CompositeKey:
    return create_composite_key("meter", [meter_id])


def revoked_key(fingerprint: str) -> CompositeKey:
    return create_composite_key("revoked", [fingerprint])


def governance_key(kind: str, version: str) -> CompositeKey:
    return create_composite_key("governance", [kind, version])


def in_force_key(kind: str) -> CompositeKey:
    return create_composite_key("in_force", [kind])


def operating_key(uscc: str, start: str, end: str) -> CompositeKey:
    return create_composite_key("operating", [uscc, start, end])


def notary_key_key(mspid: str) -> CompositeKey:
    return create_composite_key("notarykey", [mspid])


def size_part(size: int) -> str:
    return f"{size:020d}"


def notary_sig_key(size: int, mspid: str) -> CompositeKey:
    return create_composite_key("notarysig", [size_part(size), mspid])


def anchor_key(size: int) -> CompositeKey:
    return create_composite_key("anchor", [size_part(size)])


def anchor_head_key() -> CompositeKey:
    return create_composite_key("anchorhead")


def notary_alarm_key(size: int, reporter: str, accused: str) -> CompositeKey:
    return create_composite_key("notaryalarm", [size_part(size), reporter, accused])


def consent_key(uscc: str, report_id: str, bank: str, consent_id: str) -> CompositeKey:
    return create_composite_key("consent", [uscc, report_id, bank, consent_id])


async def get_json(stub: Stub, key: CompositeKey) -> Any | None:
    raw = await stub.get_state(key)
    return load(raw) if raw else None


async def put_json(stub: Stub, key: CompositeKey, value: Any) -> bytes:
    data = canonical(value)
    await stub.put_state(key, data)
    return data


async def load_enterprise(stub: Stub, uscc: str) -> dict[str, Any] | None:
    return await get_json(stub, enterprise_key(uscc))
