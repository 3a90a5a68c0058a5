"""A world for the carbon contract's unit tests: the MemoryLedger seam, the four
organisations' admins and clients, two registered enterprises with bound certificates, a
meter, and a meter gateway."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from chaincode.carbon import contracts

from .identities import ORGS, Ident, enterprise, meter_gateway, org_admin, org_client
from .ledger import MemoryLedger, Result

# real, published USCCs (sources in test_uscc.py)
E1 = "914403001922038216"   # Huawei Technologies Co., Ltd.
E2 = "91440300708461136T"   # Shenzhen Tencent Computer Systems Co., Ltd.
E3 = "91110000600037341L"   # python-stdnum's test vector


def record(uscc: str, **kw: Any) -> str:
    doc = {"uscc": uscc, "name": f"Enterprise {uscc[-4:]}", "industry": "C38",
           "region": "southern", **kw}
    return json.dumps(doc)


@dataclass
class World:
    ledger: MemoryLedger
    ids: dict[str, Ident] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Ident:
        return self.ids[name]

    def call(self, who: str | Ident, fn: str, *args: str | bytes,
             transient: dict[str, bytes] | None = None) -> Result:
        ident = self.ids[who] if isinstance(who, str) else who
        return self.ledger.invoke(ident, fn, *args, transient=transient)

    def ok(self, who: str | Ident, fn: str, *args: str | bytes,
           transient: dict[str, bytes] | None = None) -> Any:
        res = self.call(who, fn, *args, transient=transient)
        assert res.status == 200, (fn, res.status, res.message)
        return json.loads(res.payload) if res.payload else None


def build_world(test_contracts: bool = False) -> World:
    """The world; with test_contracts, the ledger serves the test-only contracts too."""
    w = World(MemoryLedger(contracts(test_contracts=test_contracts)))
    for org in ORGS:
        short = org.removesuffix("MSP").lower()
        w.ids[f"{short}-admin"] = org_admin(org)
        w.ids[f"{short}-client"] = org_client(org)
    w.ids["ent1"] = enterprise(E1)
    w.ids["ent2"] = enterprise(E2)
    w.ids["gateway"] = meter_gateway()
    for uscc, who in ((E1, "ent1"), (E2, "ent2")):
        w.ok("regulator-admin", "registry:register_enterprise", record(uscc))
        w.ok("regulator-admin", "registry:bind_certificate", uscc, w[who].pem.decode())
    w.ok("regulator-admin", "registry:add_meter", E1, "M-1")
    w.ok("regulator-admin", "registry:add_meter", E2, "M-2")
    return w


@pytest.fixture
def world() -> Iterator[World]:
    w = build_world()
    yield w
    w.ledger.close()
