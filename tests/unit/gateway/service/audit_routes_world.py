"""An organisation's notary log for the audit routes' tests: a real follower store filled
by the store's own writer (tests/unit/gateway/cli/audit_world.py: ``commit_block``, real
notary keys, bindings signed by generated admin certificates, anchors cosigned by three
organisations), and the trust directory of those organisations' roots."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization

from tests.unit.gateway.cli.audit_world import World, ts
from tests.unit.verifier.pki import orgs

USCC = "91350100M000100Y43"   # tests/unit/gateway/service/world.py's enterprise
OTHER = "91110000600037341L"


def filled_log(path: Path) -> tuple[World, dict[str, str]]:
    """Keys registered, registry and operating entries, anchored twice, one entry after the
    last anchor; (the world, the transaction ids by name)."""
    w = World(path)
    tx: dict[str, str] = {}
    w.register_keys(ts(0))                                                    # 0..3
    tx["reg"] = w.add("registry.register_enterprise", {"uscc": USCC}, ts(10))   # 4
    tx["other"] = w.add("registry.register_enterprise", {"uscc": OTHER}, ts(11))  # 5
    w.anchor(ts(12))                                                          # 6 (size 6)
    tx["meter"] = w.add("registry.add_meter", {"uscc": USCC, "meter_id": "M1"}, ts(20))
    tx["decl"] = w.add("operating.declare", {"uscc": USCC, "period_start": "2026-01-01",
                                             "period_end": "2026-01-31"}, ts(21))
    tx["late"] = w.add("registry.update_enterprise", {"uscc": OTHER}, ts(30))  # 9
    w.anchor(ts(40))                                                          # 10 (size 10)
    tx["after"] = w.add("registry.update_enterprise", {"uscc": USCC}, ts(50))  # 11
    return w, tx


def roots_dir(where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    for mspid, org in orgs().items():
        (where / f"{mspid}.pem").write_bytes(org.ca.cert.public_bytes(
            serialization.Encoding.PEM))
    return where
