"""readings:* metered reading batches from the power company, private to those entitled.

Everything comes in transient data, never in proposal arguments (docs/readings.md):

* ``submit_batch()``: transient ``batch`` (canonical batch bytes, accounting.readings) and
  ``salt`` (16-64 random bytes).  The endorser decodes the batch (refusing non-canonical
  bytes, misaligned intervals, units not fitting the source, negative quantities), checks
  every interval ended before the transaction's time, every enterprise and meter is on the
  registry and each meter belongs to the reading's enterprise, recomputes the RFC 9162 root
  with ``notary``, and compares every reading with what is recorded for its (meter,
  interval).  A reading recorded before with the same value is skipped (never counted
  twice); another value refuses the whole batch, naming the first clash.  A batch wholly
  recorded already is a no-op returning the original batch id.
* ``correct()``: transient ``reading`` (the new leaf), ``batch_id``, ``reason``, ``salt``;
  appends a correction (never overwrites) and a totals delta of new minus old.

The transaction writes ONLY the private collection ``privateReadings`` (Power, Certifier,
Regulator), so the collection's own endorsement policy governs and the bank never
endorses, never receives the transient data and never stores a value.  Keys (_readings
keys below) name meters, days and batch ids, never a value; every value carries a nonce
SHA-256(salt || key) so the public hash of a private value is not guessable.

The answer of ``submit_batch`` is in every peer's block (the endorsed response payload), so
it carries the batch's salted commitment (as the audit event does), never its root: a root
over a few guessable readings could be confirmed by guessing.  The submitter recomputes the
root of the bytes it sent and checks the commitment opens to it.

Commit-time replay and overlap safety: a batch reads and writes the slot key of every
(meter, UTC+08:00 day) it touches, so of two concurrent batches touching one meter-day the
second is invalidated by MVCC (and, resubmitted, is then a no-op, a partial record or a
refusal): never a double count.  Totals are one delta key per (enterprise, day, tx), so
batches for one enterprise never collide on a totals key.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import notary
from accounting import readings as rd
from chaincode.shim import (
    CompositeKey,
    Contract,
    ContractError,
    Stub,
    create_composite_key,
    transaction,
)

from . import _args
from . import _readings_rows as _rows
from ._audit import commitment, emit
from ._codec import canonical, load, tx_time
from ._readings_slot import Slot, nonce
from ._records import get_json, load_enterprise, meter_key
from ._rules import require

COLLECTION = "privateReadings"


def batch_key(batch_id: str) -> CompositeKey:
    return create_composite_key("rbatch", [batch_id])


def total_key(uscc: str, day: str, tx_id: str) -> CompositeKey:
    return create_composite_key("rtotal", [uscc, day, tx_id])


def replay_key(tx_id: str) -> CompositeKey:
    return create_composite_key("rreplay", [tx_id])


def transient(stub: Stub, name: str) -> bytes:
    value = stub.transient.get(name)
    if not value:
        raise _args.bad(f"transient.{name}", "a value in the proposal's transient data", None)
    return value


def salt_of(stub: Stub) -> bytes:
    salt = transient(stub, "salt")
    if not 16 <= len(salt) <= 64:
        raise _args.bad("transient.salt", "16-64 random bytes", f"{len(salt)} bytes")
    return salt


def tx_datetime(stub: Stub) -> datetime.datetime:
    tx_time(stub)  # raises when the proposal has no timestamp
    assert stub.timestamp is not None
    return datetime.datetime.fromtimestamp(stub.timestamp[0], datetime.UTC)


async def get_private(stub: Stub, key: str) -> Any | None:
    raw = await stub.get_private_data(COLLECTION, key)
    return load(raw) if raw else None


async def put_private(stub: Stub, key: str, value: Any) -> None:
    await stub.put_private_data(COLLECTION, key, canonical(value))


async def check_registry(stub: Stub, pairs: Iterable[tuple[int, str, str]]) -> None:
    """(line, meter_id, uscc): every enterprise registered, every meter registered and of
    that enterprise.

    A meter belongs to an enterprise exactly when the enterprise record's ``meters`` lists
    it (``registry:add_meter`` writes both records in one transaction, and nothing moves or
    retires a meter), so one read of each enterprise answers for all its meters: a shim
    round trip costs each endorsing peer and chaincode server more CPU than a reading's own
    checks (docs/readings.md), and a batch of 52 meters used to read 52 meter records.  A
    meter's own record is read only to say why a reading is refused.
    """
    meters: dict[str, frozenset[str]] = {}
    for i, meter_id, uscc in pairs:
        mine = meters.get(uscc)
        if mine is None:
            record = await load_enterprise(stub, uscc)
            if record is None:
                raise ContractError(f"line {i}: uscc: unknown enterprise {uscc}", 404)
            mine = meters[uscc] = frozenset(record["meters"])
        if meter_id in mine:
            continue
        meter = await get_json(stub, meter_key(meter_id))
        if meter is None:
            raise ContractError(f"line {i}: meter_id: unknown meter {meter_id}", 404)
        raise _args.bad(f"line {i}: meter_id", f"a meter of {uscc}",
                        f"{meter_id} (a meter of {meter['uscc']})")


def check_times(stub: Stub, readings: list[rd.Reading]) -> None:
    now = tx_datetime(stub)
    for i, r in enumerate(readings, 1):
        if rd.interval_end(r) > now:
            raise _args.bad(f"line {i}: interval_start", "an interval that ended before the "
                            f"transaction's time {now.isoformat()}",
                            r.interval_start.isoformat())


def add_delta(deltas: dict[tuple[str, str], dict[str, Any]], r: rd.Reading,
              quantity: Decimal, count: int) -> None:
    per = deltas.setdefault((r.uscc, rd.local_day(r.interval_start)), {})
    d = per.setdefault(r.source, {"quantity": Decimal(0), "unit": r.unit, "readings": 0})
    d["quantity"] += quantity
    d["readings"] += count


async def write_deltas(stub: Stub, salt: bytes,
                       deltas: dict[tuple[str, str], dict[str, Any]]) -> None:
    for (uscc, day), sources in sorted(deltas.items()):
        key = total_key(uscc, day, stub.tx_id)
        out = {s: {**v, "quantity": str(v["quantity"])} for s, v in sorted(sources.items())}
        await put_private(stub, key, {"nonce": nonce(salt, key), "sources": out})


async def checked_batch(stub: Stub) -> tuple[bytes, rd.Scan, str]:
    """The transient salt, the scanned batch and its RFC 9162 root (hex), after every check
    that needs no replay index: canonical bytes, intervals ended, registry."""
    salt = salt_of(stub)
    batch = transient(stub, "batch")
    try:
        scan = rd.scan_batch(batch)
    except rd.ReadingError as exc:
        raise ContractError(f"transient.batch: {exc}", 400) from None
    _rows.check_ended(scan, tx_datetime(stub))
    await check_registry(stub, _rows.registry_pairs(scan.rows))
    return salt, scan, notary.root_hash(rd.leaves(batch)).hex()


async def record_batch(stub: Stub, salt: bytes, scan: rd.Scan, new: list[int], root: str,
                       entry: str = "readings.submit") -> dict[str, Any]:
    """Record the batch's new leaves (indexes into scan.rows): the totals deltas, the batch
    record, the audit event (`entry`) with the salted commitment; returns the answer."""
    rows = scan.rows
    await write_deltas(stub, salt, _rows.deltas_of(scan, new))
    record = {"batch_id": stub.tx_id, "root": root, "count": len(rows),
              "recorded": len(new), "uscc": sorted({r[1] for r in rows}),
              "submitted_at": tx_time(stub), "tx_id": stub.tx_id, "salt": salt.hex(),
              "nonce": nonce(salt, batch_key(stub.tx_id))}
    await put_private(stub, batch_key(stub.tx_id), record)
    sealed = commitment(salt, bytes.fromhex(root))
    answer = {"batch_id": stub.tx_id, "count": len(rows), "recorded": len(new),
              "duplicate": False}
    emit(stub, entry, answer, commitments={"batch": sealed})
    return {**answer, "commitment": sealed}


class Readings(Contract):
    name = "readings"

    @transaction
    async def submit_batch(self, stub: Stub) -> dict[str, Any]:
        await require(stub, "readings.submit")
        salt, scan, root = await checked_batch(stub)
        rows, texts = scan.rows, scan.texts
        slots: list[Slot] = []
        new: list[int] = []
        first_old: str | None = None
        for (meter, day), members in _rows.slot_groups(scan).items():
            slot = await Slot.load(stub, meter, day)
            for i in members:
                r, leaf = rows[i], texts[i]
                at = slot.where(r[2])
                if at is None:
                    new.append(i)
                    slot.record(r[1], r[2], leaf, stub.tx_id, i)
                elif leaf in slot.known(r[2]):
                    first_old = first_old or at[0]
                else:
                    raise _args.conflict(
                        f"line {i + 1}: meter {meter} at "
                        f"{scan.interval(r).start.isoformat()} is already recorded with "
                        f"another value (batch {at[0]}, index {at[1]})")
            slots.append(slot)
        if not new:
            assert first_old is not None
            return await self._replay(stub, salt, first_old, root, len(rows))
        for slot in slots:
            if slot.dirty:
                await slot.save(stub, salt)
        return await record_batch(stub, salt, scan, new, root)

    async def _replay(self, stub: Stub, salt: bytes, original: str, root: str,
                      count: int) -> dict[str, Any]:
        """Every reading is recorded already with this value: nothing changes but a
        private note, so the transaction still commits VALID under the collection's
        policy (a transaction writing nothing is checked against the chaincode's)."""
        key = replay_key(stub.tx_id)
        await put_private(stub, key, {"nonce": nonce(salt, key), "batch_id": original,
                                      "root": root, "timestamp": tx_time(stub)})
        sealed = commitment(salt, bytes.fromhex(root))
        emit(stub, "readings.submit", {"batch_id": original, "count": count, "recorded": 0,
                                       "duplicate": True}, commitments={"batch": sealed})
        return {"batch_id": original, "commitment": sealed, "count": count, "recorded": 0,
                "duplicate": True}

    @transaction
    async def correct(self, stub: Stub) -> dict[str, Any]:
        await require(stub, "readings.correct")
        salt = salt_of(stub)
        raw = transient(stub, "reading")
        batch_id = _args.identifier("transient.batch_id",
                                    transient(stub, "batch_id").decode("utf-8", "replace"))
        reason = _args.text("transient.reason",
                            transient(stub, "reason").decode("utf-8", "replace"))
        try:
            new = rd.decode(raw)
        except rd.ReadingError as exc:
            raise ContractError(f"transient.reading: {exc}", 400) from None
        check_times(stub, [new])
        await check_registry(stub, [(1, new.meter_id, new.uscc)])
        interval, leaf = new.key[1], raw.decode("ascii")
        slot = await Slot.load(stub, new.meter_id, rd.local_day(new.interval_start))
        at = slot.where(interval)
        if at is None:
            raise _args.not_found("reading", f"{new.meter_id} {new.interval_start.isoformat()}")
        if at[0] != batch_id:
            raise _args.conflict(f"meter {new.meter_id} at {new.interval_start.isoformat()} "
                                 f"is recorded in batch {at[0]}, not {batch_id}")
        current = rd.decode(slot.current(interval).encode("ascii"))
        if current.source != new.source:
            raise _args.bad("transient.reading", f"a {current.source} reading (the source "
                            "recorded)", new.source)
        if leaf == slot.current(interval):
            raise _args.conflict(f"meter {new.meter_id} at {new.interval_start.isoformat()} "
                                 "already has this value")
        count = slot.correct(interval, leaf, stub.tx_id, reason, tx_time(stub))
        await slot.save(stub, salt)
        deltas: dict[tuple[str, str], dict[str, Any]] = {}
        add_delta(deltas, new, new.quantity - current.quantity, 0)
        await write_deltas(stub, salt, deltas)
        emit(stub, "readings.correct", {"batch_id": batch_id, "correction": stub.tx_id},
             commitments={"reading": commitment(salt, raw)})
        return {"batch_id": batch_id, "correction": stub.tx_id, "corrections": count}

    @transaction
    async def locate(self, stub: Stub, meter_id: str, interval_start: str) -> dict[str, Any]:
        _args.identifier("meter_id", meter_id)
        try:
            start = datetime.datetime.fromisoformat(interval_start)
        except ValueError:
            start = None
        if start is None or start.utcoffset() is None:
            raise _args.bad("interval_start", "ISO 8601 with an explicit offset",
                            interval_start)
        meter = await get_json(stub, meter_key(meter_id))
        await require(stub, "readings.read", uscc=meter["uscc"] if meter else "")
        slot = await Slot.load(stub, meter_id, rd.local_day(start))
        interval = rd.interval_text(start)
        at = slot.where(interval)
        if at is None:
            raise _args.not_found("reading", f"{meter_id} {start.isoformat()}")
        batch = await get_private(stub, batch_key(at[0]))
        if batch is None:
            raise RuntimeError(f"batch {at[0]} of a recorded reading is missing")
        return {"meter_id": meter_id, "interval_start": start.isoformat(), "batch_id": at[0],
                "index": at[1], "root": batch["root"], "count": batch["count"],
                "leaf": slot.original(interval), "current": slot.current(interval),
                "corrections": slot.corrections(interval)}

    @transaction
    async def get_batch(self, stub: Stub, batch_id: str) -> dict[str, Any]:
        _args.identifier("batch_id", batch_id)
        await require(stub, "readings.batch")
        batch = await get_private(stub, batch_key(batch_id))
        if batch is None:
            raise _args.not_found("batch", batch_id)
        return {k: batch[k] for k in ("batch_id", "root", "count", "recorded", "uscc",
                                      "submitted_at", "tx_id")}
