"""registry:* the enterprise registry, meters, certificates and revocation.

Written by the regulator only (rule registry.write); read by every channel organisation,
and by an enterprise for its own record (registry.read).  Every change of an enterprise
record is a new version of its key, so ``registry:history`` (GET_HISTORY_FOR_KEY) shows
them all.  A write never reads its own writes (Fabric simulates against committed state).
"""

from __future__ import annotations

from typing import Any

from chaincode.shim import Contract, Stub, transaction

from . import _args, _enterprise
from ._audit import emit
from ._certificates import enterprise_certificate, is_revoked, revoke
from ._codec import digest, iso_time, load
from ._records import enterprise_key, get_json, load_enterprise, meter_key, put_json
from ._rules import require


async def _existing(stub: Stub, uscc: str) -> dict[str, Any]:
    record = await load_enterprise(stub, uscc)
    if record is None:
        raise _args.not_found("enterprise", uscc)
    return record


def _open(record: dict[str, Any], action: str) -> None:
    if record["status"] == "closed":
        raise _args.conflict(f"enterprise {record['uscc']} is closed (final); cannot {action}")


async def _save(stub: Stub, record: dict[str, Any], entry: str,
                keys: dict[str, Any] | None = None) -> dict[str, Any]:
    data = await put_json(stub, enterprise_key(record["uscc"]), record)
    emit(stub, entry, {"uscc": record["uscc"], **(keys or {})}, {"record": digest(data)})
    return record


class Registry(Contract):
    name = "registry"

    @transaction
    async def register_enterprise(self, stub: Stub, record_json: str) -> dict[str, Any]:
        doc = _args.json_object("record", record_json)
        record = _enterprise.new_record(doc)
        await require(stub, "registry.write")
        if await load_enterprise(stub, record["uscc"]) is not None:
            raise _args.conflict(f"enterprise {record['uscc']} is already registered")
        return await _save(stub, record, "registry.register_enterprise")

    @transaction
    async def get_enterprise(self, stub: Stub, uscc: str) -> dict[str, Any]:
        _enterprise.uscc("uscc", uscc)
        await require(stub, "registry.read", uscc=uscc)
        return await _existing(stub, uscc)

    @transaction
    async def list_enterprises(self, stub: Stub, page_size: str,
                               bookmark: str) -> dict[str, Any]:
        size = _args.page_size("page_size", page_size)
        mark = _args.bookmark("bookmark", bookmark)
        await require(stub, "registry.list")
        async with stub.get_state_by_partial_composite_key_with_pagination(
                "enterprise", [], size, mark) as it:
            records = [load(v) async for _k, v in it]
            next_mark = it.metadata.bookmark if it.metadata else ""
        return {"records": records, "bookmark": next_mark}

    @transaction
    async def update_enterprise(self, stub: Stub, uscc: str,
                                changes_json: str) -> dict[str, Any]:
        _enterprise.uscc("uscc", uscc)
        changes = _args.json_object("changes", changes_json)
        await require(stub, "registry.write")
        record = await _existing(stub, uscc)
        _open(record, "change it")
        updated = _enterprise.changed_record(record, changes)
        return await _save(stub, updated, "registry.update_enterprise")

    @transaction
    async def set_status(self, stub: Stub, uscc: str, status: str,
                         reason: str) -> dict[str, Any]:
        _enterprise.uscc("uscc", uscc)
        _args.choice("status", status, _enterprise.STATUSES)
        _args.text("reason", reason)
        await require(stub, "registry.write")
        record = await _existing(stub, uscc)
        _open(record, f"set it {status}")
        if record["status"] == status:
            raise _args.conflict(f"enterprise {uscc} is already {status}")
        updated = {**record, "status": status, "status_reason": reason,
                   "version": record["version"] + 1}
        return await _save(stub, updated, "registry.set_status", {"status": status})

    @transaction
    async def bind_certificate(self, stub: Stub, uscc: str, cert_pem: str) -> dict[str, Any]:
        _enterprise.uscc("uscc", uscc)
        cert = enterprise_certificate("cert_pem", cert_pem, uscc)
        await require(stub, "registry.write")
        record = await _existing(stub, uscc)
        _open(record, "bind a certificate")
        if await is_revoked(stub, cert["fingerprint"]):
            raise _args.conflict(f"certificate {cert['fingerprint']} is revoked")
        if (record.get("certificate") or {}).get("fingerprint") == cert["fingerprint"]:
            raise _args.conflict(f"certificate {cert['fingerprint']} is already bound")
        updated = {**record, "certificate": cert, "version": record["version"] + 1}
        return await _save(stub, updated, "registry.bind_certificate",
                           {"fingerprint": cert["fingerprint"]})

    @transaction
    async def add_meter(self, stub: Stub, uscc: str, meter_id: str) -> dict[str, Any]:
        _enterprise.uscc("uscc", uscc)
        _args.identifier("meter_id", meter_id)
        await require(stub, "registry.write")
        record = await _existing(stub, uscc)
        _open(record, "add a meter")
        owner = await get_json(stub, meter_key(meter_id))
        if owner is not None:
            raise _args.conflict(f"meter {meter_id} already belongs to {owner['uscc']}")
        meter = {"meter_id": meter_id, "uscc": uscc, "status": "active"}
        meter_data = await put_json(stub, meter_key(meter_id), meter)
        # readings:submit_batch checks a reading's meter against this list alone: whatever
        # may one day move or retire a meter must update it in the same transaction
        updated = {**record, "meters": sorted([*record["meters"], meter_id]),
                   "version": record["version"] + 1}
        data = await put_json(stub, enterprise_key(uscc), updated)
        emit(stub, "registry.add_meter", {"uscc": uscc, "meter_id": meter_id},
             {"record": digest(data), "meter": digest(meter_data)})
        return updated

    @transaction
    async def get_meter(self, stub: Stub, meter_id: str) -> dict[str, Any]:
        _args.identifier("meter_id", meter_id)
        meter = await get_json(stub, meter_key(meter_id))
        # the owner decides whether an enterprise may see it: check before saying "not found"
        await require(stub, "registry.meter.read", uscc=meter["uscc"] if meter else "")
        if meter is None:
            raise _args.not_found("meter", meter_id)
        return meter

    @transaction
    async def history(self, stub: Stub, uscc: str) -> list[dict[str, Any]]:
        _enterprise.uscc("uscc", uscc)
        await require(stub, "registry.read", uscc=uscc)
        async with stub.get_history_for_key(enterprise_key(uscc)) as it:
            out = [{"tx_id": m.tx_id, "timestamp": iso_time(*m.timestamp),
                    "is_delete": m.is_delete, "value": None if m.is_delete else load(m.value)}
                   async for m in it]
        if not out:
            raise _args.not_found("enterprise", uscc)
        return out

    @transaction
    async def revoke_certificate(self, stub: Stub, cert_pem_or_fingerprint: str,
                                 reason: str) -> dict[str, Any]:
        _args.text("reason", reason)
        c = await require(stub, "registry.revoke")
        return await revoke(stub, c, cert_pem_or_fingerprint, reason)


__all__ = ["Registry"]
