"""The replay index: one private record per (meter, UTC+08:00 day) holding every recorded
interval's value, compactly.

Why per (meter, day) and not per reading: each private key costs a shim round trip to read
and one to write on every endorser, plus a 32-byte key hash, a 32-byte value hash and a
read version in the public block; bench/bench_readings_keys.py measures both layouts
(docs/readings.md has the figures).  A meter-major batch (a day of 96 readings per meter)
touches 96 times fewer keys; an interval-major batch degenerates to one key per reading,
which is the per-reading design, never worse.

Stored value (canonical JSON)::

    {"meter_id", "day", "uscc", "nonce",
     "batches": [batch_id, ...],                       # referenced by position
     "entries": {"HHMM": [batch_pos, index, tail]},    # HHMM of the interval start in UTC
     "corrections": {"HHMM": [[tx_id, tail, reason, timestamp], ...]}}

``tail`` is the leaf after its third comma (``source,quantity,unit,q``): the leaf is
``meter_id,uscc,interval,tail``, so the slot keeps the whole reading in about 25 bytes and
gives back the exact leaf bytes for proofs.  Within one UTC+08:00 day every UTC HHMM occurs
once, so HHMM is a unique key.  ``nonce`` (SHA-256 of the first writer's salt and the key)
keeps the public hash of the value from being guessable.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

from accounting import readings as rd
from chaincode.shim import CompositeKey, Stub, create_composite_key

from ._codec import load

COLLECTION = "privateReadings"


def slot_key(meter_id: str, day: str) -> CompositeKey:
    return create_composite_key("rslot", [meter_id, day])


def nonce(salt: bytes, key: str) -> str:
    return hashlib.sha256(salt + key.encode("utf-8")).hexdigest()


def interval_in(day: str, hhmm: str) -> str:
    """The full interval text of HHMM (UTC) inside the UTC+08:00 day."""
    start = datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(),
                                      rd.CHINA).astimezone(datetime.UTC)
    t = start.replace(hour=int(hhmm[:2]), minute=int(hhmm[2:]))
    if t < start:
        t += datetime.timedelta(days=1)
    return rd.interval_text(t)


class Slot:
    def __init__(self, meter_id: str, day: str, doc: dict[str, Any] | None) -> None:
        self.key = slot_key(meter_id, day)
        self.meter_id, self.day = meter_id, day
        self.doc: dict[str, Any] = doc or {"meter_id": meter_id, "day": day, "uscc": "",
                                           "batches": [], "entries": {}, "corrections": {}}
        self.dirty = False

    @classmethod
    async def load(cls, stub: Stub, meter_id: str, day: str) -> Slot:
        raw = await stub.get_private_data(COLLECTION, slot_key(meter_id, day))
        return cls(meter_id, day, load(raw) if raw else None)

    def _leaf(self, hhmm: str, tail: str) -> str:
        return f"{self.meter_id},{self.doc['uscc']},{interval_in(self.day, hhmm)},{tail}"

    def where(self, interval: str) -> tuple[str, int] | None:
        """(batch id, index in that batch) of the recorded interval, or None."""
        e = self.doc["entries"].get(interval[9:13])
        return None if e is None else (self.doc["batches"][e[0]], e[1])

    def original(self, interval: str) -> str:
        hhmm = interval[9:13]
        return self._leaf(hhmm, self.doc["entries"][hhmm][2])

    def current(self, interval: str) -> str:
        fixes = self.doc["corrections"].get(interval[9:13])
        return self._leaf(interval[9:13], fixes[-1][1]) if fixes else self.original(interval)

    def known(self, interval: str) -> set[str]:
        """Every value the interval has had (the batch's and each correction's leaf)."""
        hhmm = interval[9:13]
        return {self.original(interval),
                *(self._leaf(hhmm, c[1]) for c in self.doc["corrections"].get(hhmm, ()))}

    def corrections(self, interval: str) -> list[dict[str, str]]:
        hhmm = interval[9:13]
        return [{"tx_id": t, "leaf": self._leaf(hhmm, tail), "reason": why, "timestamp": ts}
                for t, tail, why, ts in self.doc["corrections"].get(hhmm, ())]

    def record(self, uscc: str, interval: str, leaf: str, batch_id: str, index: int) -> None:
        batches = self.doc["batches"]
        if not batches or batches[-1] != batch_id:
            batches.append(batch_id)
        self.doc["uscc"] = uscc
        self.doc["entries"][interval[9:13]] = [len(batches) - 1, index, leaf.split(",", 3)[3]]
        self.dirty = True

    def correct(self, interval: str, leaf: str, tx_id: str, reason: str, ts: str) -> int:
        fixes = self.doc["corrections"].setdefault(interval[9:13], [])
        fixes.append([tx_id, leaf.split(",", 3)[3], reason, ts])
        self.dirty = True
        return len(fixes)

    async def save(self, stub: Stub, salt: bytes) -> None:
        self.doc.setdefault("nonce", nonce(salt, self.key))
        # canonical JSON as _codec.canonical writes it, without its walk for floats: a
        # slot holds only strings and ints, built here
        data = json.dumps(self.doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        await stub.put_private_data(COLLECTION, self.key, data.encode("utf-8"))
