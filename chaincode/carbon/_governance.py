"""governance:* versions of factor sets and rating rule sets, approved before use.

* ``propose(kind, version, digest, policy_json)`` by a RegulatorMSP admin: kind is
  ``factor_set`` or ``rule_set``; the digest must equal the content digest of that version
  in the ``accounting`` package this chaincode ships (so a changed version is refused,
  409); policy is ``{"orgs": [MSP ids], "required": k}``: k approvals from distinct
  organisations among orgs, which are the *other* organisations (the proposer's own,
  RegulatorMSP, is refused in orgs, 400: a policy the proposer could meet alone would make
  the approvals meaningless).  A (kind, version) is proposed once, ever (409).
* ``approve(kind, version, digest)`` by an admin of an organisation the policy names
  (else 403 governance.approve.member), citing the same digest (else 409); a second
  approval by one organisation is refused (409) and never counts twice.
* ``activate(kind, version)`` by a RegulatorMSP admin, only once the approvals reach k
  (else 409 naming approvals found and needed); the version is then in force for its kind
  (``in_force``), and stays recorded unchanged forever.
* ``get`` / ``list`` / ``in_force``: readable by every identity in good standing.

Later transactions that use a set call ``require_in_force(stub, kind, version)``.
"""

from __future__ import annotations

from typing import Any

import accounting
from chaincode.shim import Contract, ContractError, Stub, transaction

from . import _args
from ._audit import emit
from ._codec import digest as digest_of
from ._codec import load, tx_time
from ._records import get_json, governance_key, in_force_key, put_json
from ._rules import ORGS, REGULATOR, refused, require

KINDS = ("factor_set", "rule_set")
APPROVERS = tuple(o for o in ORGS if o != REGULATOR)  # the proposer never approves itself


def shipped_digest(kind: str, version: str) -> str:
    """The content digest of version in the accounting package (404 if not shipped)."""
    try:
        doc = (accounting.load_factor_set(version) if kind == "factor_set"
               else accounting.load_rule_set(version))
    except accounting.UnknownVersionError:
        shipped = (accounting.factor_set_versions() if kind == "factor_set"
                   else accounting.rule_set_versions())
        raise ContractError(f"version: {kind} {version!r} is not shipped with this chaincode "
                            f"(shipped: {', '.join(shipped)})", 404) from None
    return str(doc.digest)


def parse_policy(text: str) -> dict[str, Any]:
    policy = _args.json_object("policy", text)
    _args.only_keys("policy", policy, {"orgs", "required"}, {"orgs", "required"})
    orgs = policy["orgs"]
    if not isinstance(orgs, list) or not orgs:
        raise _args.bad("policy.orgs", "a non-empty list of " + ", ".join(APPROVERS), orgs)
    for i, org in enumerate(orgs):
        if org == REGULATOR:
            raise _args.bad(f"policy.orgs[{i}]", f"an organisation other than the proposer's "
                            f"(one of {', '.join(APPROVERS)})", org)
        _args.choice(f"policy.orgs[{i}]", org, APPROVERS)
    if len(set(orgs)) != len(orgs):
        raise _args.bad("policy.orgs", "each organisation once", orgs)
    k = policy["required"]
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(orgs):
        raise _args.bad("policy.required", f"an integer 1-{len(orgs)}", k)
    return {"orgs": sorted(orgs), "required": k}


def _check_digest(value: str) -> str:
    if not (value.startswith("sha256:") and len(value) == 71
            and all(c in "0123456789abcdef" for c in value[7:])):
        raise _args.bad("digest", "sha256:<64 lower-case hex digits>", value)
    return value


async def _proposal(stub: Stub, kind: str, version: str) -> dict[str, Any]:
    found = await get_json(stub, governance_key(kind, version))
    if found is None:
        raise _args.not_found(kind, version)
    return found


async def require_in_force(stub: Stub, kind: str, version: str) -> dict[str, Any]:
    """The in-force entry of kind if it is version; 409 naming what is in force otherwise."""
    current = await get_json(stub, in_force_key(kind))
    if current is None or current["version"] != version:
        shown = current["version"] if current else "none"
        raise _args.conflict(f"{kind} {version} is not in force (in force: {shown})")
    return current


class Governance(Contract):
    name = "governance"

    @transaction
    async def propose(self, stub: Stub, kind: str, version: str, digest: str,
                      policy_json: str) -> dict[str, Any]:
        _args.choice("kind", kind, KINDS)
        _args.version("version", version)
        _check_digest(digest)
        policy = parse_policy(policy_json)
        c = await require(stub, "governance.propose")
        shipped = shipped_digest(kind, version)
        if digest != shipped:
            raise _args.conflict(f"{kind} {version}: digest {digest} differs from the "
                                 f"content this chaincode ships ({shipped}); a version never "
                                 "changes")
        key = governance_key(kind, version)
        if await get_json(stub, key) is not None:
            raise _args.conflict(f"{kind} {version} was already proposed; a version never "
                                 "changes")
        entry = {"kind": kind, "version": version, "digest": digest, "policy": policy,
                 "approvals": {}, "status": "proposed", "proposed_by": c.mspid,
                 "proposed_tx": stub.tx_id, "proposed_at": tx_time(stub)}
        data = await put_json(stub, key, entry)
        emit(stub, "governance.propose", {"kind": kind, "version": version},
             {"content": digest, "proposal": digest_of(data)})
        return entry

    @transaction
    async def approve(self, stub: Stub, kind: str, version: str,
                      digest: str) -> dict[str, Any]:
        _args.choice("kind", kind, KINDS)
        _args.version("version", version)
        _check_digest(digest)
        c = await require(stub, "governance.approve")
        entry = await _proposal(stub, kind, version)
        if c.mspid not in entry["policy"]["orgs"]:
            raise refused("governance.approve.member", f"{kind} {version}'s policy names "
                          f"{', '.join(entry['policy']['orgs'])}; found {c.describe()}")
        if digest != entry["digest"]:
            raise _args.conflict(f"{kind} {version}: approval cites {digest}, the proposal "
                                 f"has {entry['digest']}")
        if entry["status"] != "proposed":
            raise _args.conflict(f"{kind} {version} is already {entry['status']}")
        if c.mspid in entry["approvals"]:
            raise _args.conflict(f"{c.mspid} already approved {kind} {version} in tx "
                                 f"{entry['approvals'][c.mspid]['tx_id']}")
        approvals = {**entry["approvals"], c.mspid: {
            "digest": digest, "tx_id": stub.tx_id, "timestamp": tx_time(stub),
            "approver": c.fingerprint}}
        updated = {**entry, "approvals": approvals}
        data = await put_json(stub, governance_key(kind, version), updated)
        emit(stub, "governance.approve", {"kind": kind, "version": version, "org": c.mspid},
             {"content": digest, "proposal": digest_of(data)})
        return updated

    @transaction
    async def activate(self, stub: Stub, kind: str, version: str) -> dict[str, Any]:
        _args.choice("kind", kind, KINDS)
        _args.version("version", version)
        await require(stub, "governance.activate")
        entry = await _proposal(stub, kind, version)
        if entry["status"] != "proposed":
            raise _args.conflict(f"{kind} {version} is already {entry['status']}")
        have = sorted(o for o in entry["approvals"] if o in entry["policy"]["orgs"])
        need = entry["policy"]["required"]
        if len(have) < need:
            raise _args.conflict(f"{kind} {version} has {len(have)} of the {need} approvals "
                                 f"its policy needs (approved by: {', '.join(have) or 'none'};"
                                 f" policy orgs: {', '.join(entry['policy']['orgs'])})")
        updated = {**entry, "status": "active", "activated_tx": stub.tx_id,
                   "activated_at": tx_time(stub)}
        data = await put_json(stub, governance_key(kind, version), updated)
        current = {"kind": kind, "version": version, "digest": entry["digest"],
                   "since_tx": stub.tx_id, "since": tx_time(stub)}
        await put_json(stub, in_force_key(kind), current)
        emit(stub, "governance.activate", {"kind": kind, "version": version},
             {"content": entry["digest"], "proposal": digest_of(data)})
        return updated

    @transaction
    async def get(self, stub: Stub, kind: str, version: str) -> dict[str, Any]:
        _args.choice("kind", kind, KINDS)
        _args.version("version", version)
        await require(stub, "governance.read")
        return await _proposal(stub, kind, version)

    @transaction
    async def list(self, stub: Stub, kind: str) -> list[dict[str, Any]]:
        _args.choice("kind", kind, KINDS)
        await require(stub, "governance.read")
        rows = await stub.get_state_by_partial_composite_key("governance", [kind]).to_list()
        return [load(v) for _k, v in rows]

    @transaction
    async def in_force(self, stub: Stub, kind: str) -> dict[str, Any]:
        _args.choice("kind", kind, KINDS)
        await require(stub, "governance.read")
        current = await get_json(stub, in_force_key(kind))
        if current is None:
            raise _args.not_found("in-force version of", kind)
        return current
