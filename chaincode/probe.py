"""The probe contract: the few transactions that exercise what contracts rely on.

Access control: every function is open to members of the channel's four
organisations (the peer already refused anyone else).  Writes of private data
are limited by the collection's membership (memberOnlyWrite), reads by
memberOnlyRead: a non-member's read is refused by the peer, and the refusal
reaches the client as an error naming the peer's message.
"""

from __future__ import annotations

import json

from .shim import Contract, ContractError, Stub, transaction


class Probe(Contract):
    @transaction
    async def put(self, stub: Stub, key: str, value: str) -> str:
        await stub.put_state(key, value.encode("utf-8"))
        stub.set_event("put", json.dumps({"key": key, "value": value}, sort_keys=True).encode())
        return value

    @transaction
    async def get(self, stub: Stub, key: str) -> bytes:
        value = await stub.get_state(key)
        if not value:
            raise ContractError(f"key not found: {key}", 404)
        return value

    @transaction
    async def delete(self, stub: Stub, key: str) -> None:
        await stub.del_state(key)

    @transaction
    async def range(self, stub: Stub, start: str, end: str) -> list[list[str]]:
        return [[k, v.decode("utf-8", "replace")] for k, v in await stub.range_list(start, end)]

    @transaction
    async def increment(self, stub: Stub, key: str) -> str:
        raw = await stub.get_state(key)
        try:
            value = int(raw or b"0") + 1
        except ValueError as exc:
            raise ContractError(f"{key} does not hold an integer: {raw[:32]!r}") from exc
        await stub.put_state(key, str(value).encode())
        return str(value)

    @transaction
    async def fail(self, stub: Stub, message: str) -> None:
        raise RuntimeError(message)

    @transaction
    async def emit(self, stub: Stub, name: str, payload: str) -> None:
        stub.set_event(name, payload.encode("utf-8"))

    @transaction
    async def whoami(self, stub: Stub) -> dict:
        ident = stub.identity()
        return {"mspid": ident.mspid, "subject": ident.subject, "issuer": ident.issuer,
                "attributes": ident.attributes, "ous": ident.organisational_units}

    @transaction
    async def put_private(self, stub: Stub, collection: str, key: str) -> None:
        value = stub.transient.get("value")
        if value is None:
            raise ContractError("put_private needs the value in transient data under 'value'")
        await stub.put_private_data(collection, key, value)

    @transaction
    async def get_private(self, stub: Stub, collection: str, key: str) -> bytes:
        value = await stub.get_private_data(collection, key)
        if not value:
            raise ContractError(f"private key not found: {collection}/{key}", 404)
        return value

    @transaction
    async def get_private_hash(self, stub: Stub, collection: str, key: str) -> str:
        return (await stub.get_private_data_hash(collection, key)).hex()

    @transaction
    async def delete_private(self, stub: Stub, collection: str, key: str) -> None:
        await stub.del_private_data(collection, key)


CONTRACTS = (Probe(),)
