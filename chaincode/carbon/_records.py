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
=====================================  ======================================  =============
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


async def get_json(stub: Stub, key: CompositeKey) -> Any | None:
    raw = await stub.get_state(key)
    return load(raw) if raw else None


async def put_json(stub: Stub, key: CompositeKey, value: Any) -> bytes:
    data = canonical(value)
    await stub.put_state(key, data)
    return data


async def load_enterprise(stub: Stub, uscc: str) -> dict[str, Any] | None:
    return await get_json(stub, enterprise_key(uscc))
