"""The probe contract: the few transactions that exercise what contracts rely on.

Access control: every function is open to members of the channel's four
organisations (the peer already refused anyone else).  Writes of private data
are limited by the collection's membership (memberOnlyWrite), reads by
memberOnlyRead: a non-member's read is refused by the peer, and the refusal
reaches the client as an error naming the peer's message.
"""

from __future__ import annotations

import json

from .shim import (
    Contract,
    ContractError,
    Stub,
    key_endorsement_policy,
    policy_orgs,
    transaction,
)


def _str_list(text: str, what: str) -> list[str]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise ContractError(f"{what} must be a JSON list of strings: {exc}") from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ContractError(f"{what} must be a JSON list of strings, got {text[:60]!r}")
    return value


def _rows(rows: list[tuple[str, bytes]]) -> list[list]:
    """Composite keys shown as [object type, attributes], simple ones as they are."""
    out: list[list] = []
    for k, v in rows:
        shown = list(Stub.split_composite_key(k)) if k.startswith("\x00") else k
        out.append([shown, v.decode("utf-8", "replace")])
    return out


class Probe(Contract):
    @transaction
    async def put(self, stub: Stub, key: str, value: str) -> str:
        await stub.put_state(key, value.encode("utf-8"))
        stub.set_event("put", json.dumps({"key": key, "value": value}, sort_keys=True).encode())
        return value

    @transaction
    async def touch(self, stub: Stub, collection: str, prefix: str, count: str, ops: str,
                    size: str) -> int:
        """`count` keys ``prefix-i``: for each, in this order, what ``ops`` names (``s``
        a public read, ``g`` a read of `collection`, ``p`` a write of `size` bytes to it),
        then one public write of ``prefix``; what bench/bench_shim_calls.py times."""
        n, width = int(count), int(size)
        if not 0 <= n <= 1000 or not 0 <= width <= 65536 or set(ops) - set("sgp"):
            raise ContractError("touch: count 0-1000, size 0-65536, ops of s, g, p")
        for i in range(n):
            key = f"{prefix}-{i}"
            if "s" in ops:
                await stub.get_state(key)
            if "g" in ops:
                await stub.get_private_data(collection, key)
            if "p" in ops:
                await stub.put_private_data(collection, key, b"x" * width)
        await stub.put_state(prefix, b"1")
        return n

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


    # -- composite keys, history, pagination -------------------------------------
    @transaction
    async def put_composite(self, stub: Stub, object_type: str, attributes: str,
                            value: str) -> None:
        key = stub.create_composite_key(object_type, _str_list(attributes, "attributes"))
        await stub.put_state(key, value.encode("utf-8"))

    @transaction
    async def list_composite(self, stub: Stub, object_type: str, attributes: str) -> list:
        it = stub.get_state_by_partial_composite_key(object_type,
                                                     _str_list(attributes, "attributes"))
        return _rows(await it.to_list())

    @transaction
    async def history(self, stub: Stub, key: str) -> list[dict]:
        async with stub.get_history_for_key(key) as it:
            return [{"tx_id": m.tx_id, "value": m.value.decode("utf-8", "replace"),
                     "is_delete": m.is_delete, "seconds": m.timestamp[0]} async for m in it]

    @transaction
    async def page(self, stub: Stub, start: str, end: str, page_size: str,
                   bookmark: str) -> dict:
        async with stub.get_state_by_range_with_pagination(start, end, int(page_size),
                                                           bookmark) as it:
            rows = _rows([kv async for kv in it])
            md = it.metadata
        return {"rows": rows, "fetched": md.fetched_records_count if md else None,
                "bookmark": md.bookmark if md else None}

    @transaction
    async def range_first(self, stub: Stub, start: str, end: str) -> list:
        """Leave a range loop after the first row, closing nothing by hand."""
        async for k, v in stub.get_state_by_range(start, end):
            return _rows([(k, v)])
        return []

    # -- key-level endorsement ----------------------------------------------------
    @transaction
    async def set_key_policy(self, stub: Stub, key: str, mspids: str) -> None:
        await stub.set_state_validation_parameter(
            key, key_endorsement_policy(*_str_list(mspids, "mspids")))

    @transaction
    async def get_key_policy(self, stub: Stub, key: str) -> list[str]:
        raw = await stub.get_state_validation_parameter(key)
        return policy_orgs(raw) if raw else []

    # -- private data -------------------------------------------------------------
    @transaction
    async def purge_private(self, stub: Stub, collection: str, key: str) -> None:
        await stub.purge_private_data(collection, key)

    @transaction
    async def put_private_composite(self, stub: Stub, collection: str, object_type: str,
                                    attributes: str) -> None:
        value = stub.transient.get("value")
        if value is None:
            raise ContractError("put_private_composite needs transient data 'value'")
        key = stub.create_composite_key(object_type, _str_list(attributes, "attributes"))
        await stub.put_private_data(collection, key, value)

    @transaction
    async def list_private_composite(self, stub: Stub, collection: str, object_type: str,
                                     attributes: str) -> list:
        it = stub.get_private_data_by_partial_composite_key(
            collection, object_type, _str_list(attributes, "attributes"))
        return _rows(await it.to_list())

    @transaction
    async def private_range(self, stub: Stub, collection: str, start: str, end: str) -> list:
        return _rows(await stub.get_private_data_by_range(collection, start, end).to_list())

    # -- the proposal and raw arguments ---------------------------------------------
    @transaction
    async def tx_info(self, stub: Stub) -> dict:
        return {"channel": stub.channel_id, "tx_id": stub.tx_id,
                "binding": stub.binding.hex(), "timestamp": list(stub.timestamp or ()),
                "signed": stub.signed_proposal is not None,
                "decorations": sorted(stub.decorations), "transient": sorted(stub.transient)}

    @transaction
    async def byte_length(self, stub: Stub, data: bytes) -> str:
        return str(len(data))


CONTRACTS = (Probe(),)
