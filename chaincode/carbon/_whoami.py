"""identity:whoami: how the contract sees the caller, for debugging authorisation."""

from __future__ import annotations

from typing import Any

from chaincode.shim import Contract, Stub, transaction

from ._rules import require, static_rules


class Identity(Contract):
    name = "identity"

    @transaction
    async def whoami(self, stub: Stub) -> dict[str, Any]:
        c = await require(stub, "identity.whoami")
        out: dict[str, Any] = {"mspid": c.mspid, "role": c.kind, "ou": c.ou,
                               "fingerprint": c.fingerprint, "serial": c.serial,
                               "issuer": c.issuer, "rules": static_rules(c)}
        if c.uscc is not None:
            out["uscc"] = c.uscc
        return out
