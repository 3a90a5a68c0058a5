"""Record types of ``carbontrust audit history``: which audit entries are about which record.

One table, read from the contract's ``emit`` calls (chaincode/carbon/*.py, and
docs/results.md for issue 13's entries): a record type names the entry names that write it
and the ``keys`` fields that identify one record, in the order a KEY gives them, joined by
``/``. A KEY may give a prefix of those fields: ``operating-data USCC`` lists every declared
period of the enterprise, ``operating-data USCC/2026-01-01/2026-01-31`` one of them.

``public``: the record is public state, so ``audit:history`` can join each version's value
by transaction id. Private records (batches, operating data, results, ratings) are shown by
their audit entries only: digests and salted commitments, never a value.

``report`` is named by the issue for later work; its entries are not written yet, so its
row says what this command will look for (``report.*`` entries carrying ``report_id``): the
issue adding them either writes those keys or changes this table. ``consent`` entries
(``consent.grant``, ``.revoke``, ``.access``: docs/consent.md) carry uscc, report_id, bank and
consent_id, the parts of the consent's ledger key in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["TYPES", "RecordType"]


@dataclass(frozen=True)
class RecordType:
    name: str
    entries: tuple[str, ...]  # entry names, or prefixes ending in "."
    fields: tuple[str, ...]  # keys fields naming one record, in KEY order
    public: bool
    where: dict[str, str] | None = None  # fixed keys values (governance kind)

    def key_parts(self, key: str) -> list[str] | None:
        """``key`` split into field values, or None if it has more parts than fields."""
        parts = key.split("/")
        if len(parts) > len(self.fields) or any(not p for p in parts):
            return None
        return parts

    def is_about(self, entry: dict[str, Any], parts: list[str]) -> bool:
        name = entry.get("entry")
        if not isinstance(name, str) or not any(
                name == e or (e.endswith(".") and name.startswith(e)) for e in self.entries):
            return False
        keys = entry.get("keys")
        if not isinstance(keys, dict):
            return False
        for field, want in (self.where or {}).items():
            if keys.get(field) != want:
                return False
        return all(field in keys and str(keys[field]) == part
                   for field, part in zip(self.fields, parts, strict=False))


_PERIOD = ("uscc", "period_start", "period_end")
_REGISTRY = ("registry.register_enterprise", "registry.update_enterprise",
             "registry.set_status", "registry.bind_certificate", "registry.add_meter")

TYPES: dict[str, RecordType] = {t.name: t for t in (
    RecordType("enterprise", _REGISTRY, ("uscc",), public=True),
    RecordType("meter", ("registry.add_meter",), ("meter_id",), public=True),
    RecordType("batch", ("readings.submit", "readings.correct"), ("batch_id",), public=False),
    RecordType("operating-data", ("operating.declare",), _PERIOD, public=False),
    RecordType("factor-set", ("governance.",), ("version",), public=True,
               where={"kind": "factor_set"}),
    RecordType("rule-set", ("governance.",), ("version",), public=True,
               where={"kind": "rule_set"}),
    RecordType("result", ("results.compute",), (*_PERIOD, "version"), public=False),
    RecordType("attestation", ("attestation.",), (*_PERIOD, "version"), public=True),
    RecordType("rating", ("rating.compute",), (*_PERIOD, "version"), public=False),
    RecordType("report", ("report.",), ("report_id",), public=True),
    RecordType("consent", ("consent.",), ("uscc", "report_id", "bank", "consent_id"),
               public=True),
)}
