"""A bank service with an honest report and bundle (tests/unit/verifier/bundle_factory: real
records, a real in-memory audit log cosigned by three organisations), the trust directory of
its MSP roots, and the bank's own audit store holding the same log. The store is written
through ``AuditStore.append_forged`` (the store's writer for entries no block carries: here
there are no blocks, the fake ledger has none), so the bank's own-log check reads a real
``audit.db``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from gateway.audit import AuditStore
from tests.unit.verifier.bundle_factory import Honest, make_honest
from verifier import parse_leaf

_HONEST: list[Honest] = []


def honest() -> Honest:
    if not _HONEST:
        _HONEST.append(make_honest(2))
    return _HONEST[0]


def trust_dir(h: Honest, where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    for mspid, certs in h.roots.items():
        (where / f"{mspid}.pem").write_bytes(b"".join(
            c.public_bytes(serialization.Encoding.PEM) for c in certs))
    return where


def own_store(leaves: list[bytes], path: Path) -> Path:
    store = AuditStore.open(path, sync=True)
    try:
        for leaf in leaves:
            parsed = parse_leaf(leaf)
            store.append_forged(parsed.tx_id, parsed.entry["timestamp"], leaf)
    finally:
        store.close()
    return path


def on_ledger(world: Any, h: Honest, status: str = "valid", digest: str | None = None,
              consent: bool = True) -> str:
    """The report's public status in the fake ledger, and the enterprise's consent."""
    r = h.report
    rid: str = r["report"]["id"]
    uscc = r["enterprise"]["uscc"]
    world.contract.reports[(uscc, r["period"]["start"], r["period"]["end"],
                            str(r["report"]["version"]))] = {
        "id": rid, "digest": digest or h.bundle["report"]["digest"], "status": status,
        "version": r["report"]["version"]}
    if consent:
        world.contract.consents.append({"uscc": uscc, "report_id": rid, "bank": "BankMSP",
                                        "consent_id": "c-9", "accesses": 0})
    return rid
