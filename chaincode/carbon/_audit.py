"""The audit entry: one chaincode event per state-changing transaction.

Fabric keeps only the last ``set_event`` of a transaction, so each transaction builds
exactly one entry (a second ``emit`` is a programming error, raised as such).  The event
is named ``carbon.audit``; its payload is canonical JSON::

    {"v": 1, "entry": "<contract>.<function>", "tx_id": ..., "timestamp": <RFC 3339>,
     "actor": {"mspid", "kind", "fingerprint"},
     "keys": {...},            # what the entry is about (uscc, meter id, kind/version, ...)
     "digests": {...},         # "sha256:..." of public values written
     "commitments": {...}}     # "sha256:..." of salt || private value (salt from the client)

Events are public (every block reader sees them), so they never hold a private value in
clear: private data appears only as a salted commitment, with a salt the client sends in
transient data and the private record keeps, so entitled readers can open it later.
"""

from __future__ import annotations

import hashlib
from typing import Any

from chaincode.shim import Stub

from ._codec import canonical, tx_time
from ._identity import caller

EVENT_NAME = "carbon.audit"
VERSION = 1


def commitment(salt: bytes, value: bytes) -> str:
    """Salted commitment: SHA-256 over salt || value (the salt is fixed-length per entry)."""
    return "sha256:" + hashlib.sha256(salt + value).hexdigest()


def emit(stub: Stub, entry: str, keys: dict[str, Any], digests: dict[str, str] | None = None,
         commitments: dict[str, str] | None = None) -> dict[str, Any]:
    if stub.event is not None:
        raise RuntimeError(f"transaction {stub.tx_id} already has its audit event")
    c = caller(stub)
    body = {"v": VERSION, "entry": entry, "tx_id": stub.tx_id, "timestamp": tx_time(stub),
            "actor": {"mspid": c.mspid, "kind": c.kind, "fingerprint": c.fingerprint},
            "keys": keys, "digests": digests or {}, "commitments": commitments or {}}
    stub.set_event(EVENT_NAME, canonical(body))
    return body
