"""Notary keys on the ledger: each organisation's Ed25519 key, bound to its MSP by its admin.

``audit:register_key(binding_json)`` takes a key binding (``verifier/_binding.py``: a
statement naming channel, MSP, log origin and the verifier key ``<mspid>/notary``, the
admin's certificate, and its ECDSA signature over the statement).  Checks, in order:

1. the binding's shape, key name and signature (``verifier._binding.check_binding_signature``,
   the same code a third party runs offline) and its channel: the arguments alone decide,
   so a failure is a 400 naming ``binding``;
2. rule ``audit.register_key``: the caller is an admin (NodeOU) of a channel organisation;
3. the statement's MSP is the caller's and the binding's certificate is the caller's own
   certificate (403 by the same rule).  The chaincode has no MSP configuration to check a
   chain with, and needs none: the peer's MSP already validated the creator's certificate,
   so "signed by the creator's certificate" means "signed by an admin of that MSP", and an
   admin can only bind a key for its own organisation.

One key per organisation (``notarykey/<mspid>``).  The same key again is a no-op that returns
the stored record (nothing written, no audit entry); a different key replaces it, and the
key's history (``GetHistoryForKey``) keeps every earlier binding, which an offline checker
needs for checkpoints signed before the change.
"""

from __future__ import annotations

from typing import Any

import notary
from chaincode.shim import Stub
from verifier._binding import check_binding_signature
from verifier._errors import BindingError

from . import _args
from ._audit import emit
from ._codec import digest, load, tx_time
from ._identity import Caller, cert_facts
from ._records import get_json, notary_key_key, put_json
from ._rules import RULES, refused


def check_binding(binding_json: str, channel: str) -> tuple[dict[str, Any], notary.Verifier]:
    """The binding and its verifier key, or a 400 naming what is wrong with it."""
    binding = _args.json_object("binding", binding_json)
    try:
        key = check_binding_signature(binding)
    except BindingError as exc:
        raise _args.bad("binding", "a notary key binding signed by its certificate "
                        f"({exc.code})", str(exc)) from None
    found = binding["statement"]["channel"]
    if found != channel:
        raise _args.bad("binding.statement.channel", f"this channel {channel!r}", found)
    return binding, key


def check_own(c: Caller, binding: dict[str, Any]) -> None:
    """403 unless the binding is for the caller's MSP and signed with the caller's certificate."""
    mspid = binding["statement"]["mspid"]
    _cert, fingerprint = cert_facts(binding["certificate"].encode("utf-8"))
    if mspid != c.mspid or fingerprint != c.fingerprint:
        raise refused("audit.register_key", f"needs {RULES['audit.register_key'].says}; "
                      f"found a binding for {mspid} signed by certificate {fingerprint[:16]}, "
                      f"sent by {c.describe()}")


def verifier_of(record: dict[str, Any]) -> notary.Verifier:
    """The verifier key of a stored record (checked when it was registered)."""
    return notary.Verifier.from_text(record["binding"]["statement"]["verifier_key"])


async def register(stub: Stub, c: Caller, binding: dict[str, Any],
                   key: notary.Verifier) -> dict[str, Any]:
    check_own(c, binding)
    stored = await get_json(stub, notary_key_key(c.mspid))
    if stored is not None and verifier_of(stored) == key:
        return dict(stored)
    record = {"binding": binding, "tx_id": stub.tx_id, "timestamp": tx_time(stub)}
    data = await put_json(stub, notary_key_key(c.mspid), record)
    keys: dict[str, Any] = {"mspid": c.mspid, "key": key.to_text()}
    if stored is not None:
        keys["replaces"] = verifier_of(stored).to_text()
    emit(stub, "audit.register_key", keys, {"record": digest(data)})
    return record


async def records(stub: Stub) -> list[dict[str, Any]]:
    """Every registered key record, by MSP id."""
    async with stub.get_state_by_partial_composite_key("notarykey") as it:
        return [load(v) async for _k, v in it]


async def registered(stub: Stub) -> dict[str, notary.Verifier]:
    """MSP id -> its registered verifier key."""
    return {r["binding"]["statement"]["mspid"]: verifier_of(r) for r in await records(stub)}


async def key_of(stub: Stub, mspid: str) -> notary.Verifier | None:
    record = await get_json(stub, notary_key_key(mspid))
    return None if record is None else verifier_of(record)
