"""FAKE LEDGER for the services' unit tests: the contract functions the services call,
kept in memory, answering as the contract does (404 for an unknown enterprise, 409 for one
registered twice, 400 naming the field), through the same ``Ledger`` seam the services use
(``gateway.cli._ledger.Ledger``). The real contract is exercised by the integration tests.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from gateway.cli._exit import LedgerRefused, LedgerUnreachable
from gateway.cli._ledger import Submitted


class _Disagree(Exception):
    """What the gateway raises when the endorsers' payloads differ."""

    details = ("ProposalResponsePayloads do not match",)


class FakeContract:
    def __init__(self) -> None:
        self.enterprises: dict[str, dict[str, Any]] = {}
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.attestations: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.consents: list[dict[str, Any]] = []
        self.reports: dict[tuple[str, str, str, str], dict[str, Any]] = {}  # report:status
        self.loans: dict[str, dict[str, Any]] = {}
        self.meters: dict[str, str] = {}  # meter id -> uscc
        self.results: dict[tuple[str, str, str], list[dict[str, Any]]] = {}  # private
        self.ratings: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        self.disagree: set[str] = set()  # usccs whose endorsers answer differently
        self.versions: dict[tuple[str, str], dict[str, Any]] = {}  # governance (kind, version)
        self.in_force: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, tuple[str, ...]]] = []  # (user, function, args)
        self.relay: Any = None  # the relay seam: a real Relay over a fake peer (relay_world)
        self.audit_head: Any = None  # audit:head (None: no anchor yet)
        self.audit_history: dict[tuple[str, str], list[dict[str, Any]]] = {}  # audit:history
        self.lock = threading.Lock()
        self.tx = 0


class FakeLedger:
    def __init__(self, contract: FakeContract, user: str, msp: str = "?") -> None:
        self.c, self.user, self.msp = contract, user, msp

    def _txid(self) -> str:
        self.c.tx += 1
        return f"tx{self.c.tx:06d}"

    def evaluate(self, function: str, args: Sequence[str]) -> bytes:
        with self.c.lock:
            self.c.calls.append((self.user, function, tuple(args)))
            return json.dumps(self._read(function, list(args))).encode()

    def submit(self, function: str, args: Sequence[str]) -> Submitted:
        with self.c.lock:
            self.c.calls.append((self.user, function, tuple(args)))
            txid = self._txid()
            return Submitted(json.dumps(self._write(function, list(args), txid)).encode(),
                             txid, self.c.tx)

    def submit_private(self, function: str, args: Sequence[str], transient: Mapping[str, bytes],
                       endorsing_organizations: Sequence[str],
                       on_sent: Callable[[str], None] | None = None) -> Submitted:
        with self.c.lock:
            self.c.calls.append((self.user, function, tuple(args)))
            if function not in ("results:compute", "rating:compute") or "salt" not in transient:
                raise LedgerRefused(f"{function}: not in the fake", status=400)
            if tuple(endorsing_organizations) != ("CertifierMSP", "RegulatorMSP"):
                raise LedgerRefused(f"{function}: endorsed by {endorsing_organizations}",
                                    status=403)
            if args[0] in self.c.disagree:
                raise _Disagree()
            txid = self._txid()
            return Submitted(json.dumps(self._compute(function, args, txid)).encode(),
                             txid, self.c.tx)

    def _compute(self, function: str, args: list[str], txid: str) -> Any:
        """A result (or rating) version kept privately; the public answer names it."""
        import accounting

        uscc, start, end = args[:3]
        self._enterprise(uscc)
        key = (uscc, start, end)
        results = self.c.results.get(key, [])
        if function == "results:compute":
            version = len(results) + 1
            record = {"uscc": uscc, "period": {"start": start, "end": end}, "version": version,
                      "inputs": {"factor_set": {"version": args[3] or "in-force"}},
                      "computed": {"tx_id": txid}}
            self.c.results.setdefault(key, []).append(record)
        else:
            if key not in self.c.attestations or not results:
                raise LedgerRefused(f"no attested result of {uscc} {start}..{end}", status=409)
            version = int(args[3]) if args[3] else len(results)
            record = {"uscc": uscc, "version": version, "rating": "A",
                      "rated": {"tx_id": txid}}
            self.c.ratings.setdefault(key, []).append(record)
        digest = accounting.sha256_digest(accounting.canonical_json(record))
        return {"uscc": uscc, "period": {"start": start, "end": end}, "version": version,
                "digest": digest, "tx_id": txid}

    def relay(self) -> Any:
        """What ``GatewayLedger.relay`` is: here the test's relay, or no peer at all."""
        if self.c.relay is None:
            raise LedgerUnreachable("the fake ledger has no peer to relay to")
        return self.c.relay

    def close(self) -> None:
        pass

    def _live(self, uscc: str, report_id: str) -> dict[str, Any]:
        live = [c for c in self.c.consents if c["uscc"] == uscc and c["report_id"] == report_id
                and not c.get("revoked") and not c.get("expired")]
        if not live:
            raise LedgerRefused("refused by rule consent.valid: no live consent of "
                                f"{uscc} for {report_id} names BankMSP", status=403)
        return live[0]

    def _enterprise(self, uscc: str) -> dict[str, Any]:
        if uscc not in self.c.enterprises:
            raise LedgerRefused(f"enterprise {uscc!r} not found", status=404)
        return self.c.enterprises[uscc]

    def _read(self, function: str, args: list[str]) -> Any:
        if function == "registry:get_enterprise":
            return self._enterprise(args[0])
        if function == "registry:list_enterprises":
            size, mark = int(args[0]), args[1]
            keys = sorted(k for k in self.c.enterprises if k > mark.strip("\x00"))
            page = keys[:size]
            more = len(keys) > size
            return {"records": [self.c.enterprises[k] for k in page],
                    "bookmark": ("\x00enterprise\x00" + page[-1]) if more else ""}
        if function == "registry:history":
            self._enterprise(args[0])
            return self.c.history.get(args[0], [])
        if function == "attestation:get":
            key = (args[0], args[1], args[2])
            if key not in self.c.attestations:
                raise LedgerRefused(f"attestation of {args[0]} {args[1]}..{args[2]} not "
                                    "found", status=404)
            return self.c.attestations[key]
        if function == "rating:get":
            return {"ratings": self.c.ratings.get((args[0], args[1], args[2]), [])}
        if function == "results:get" and (args[0], args[1], args[2]) in self.c.results:
            kept = self.c.results[(args[0], args[1], args[2])]
            return {"record": kept[int(args[3]) - 1 if args[3] else -1]}
        if function == "results:get":
            self._enterprise(args[0])
            return {"digest": "sha256:" + "ab" * 32, "record": {
                "uscc": args[0], "period": {"start": args[1], "end": args[2]}, "version": 1,
                "inputs": {"factor_set": {"version": "2024.1", "digest": "sha256:" + "cd" * 32}}}}
        if function == "readings:get_batch":
            raise LedgerRefused(f"batch {args[0]!r} not found", status=404)
        if function == "account:totals":
            self._enterprise(args[0])
            return {"uscc": args[0], "from": args[1], "to": args[2], "totals": {}}
        if function == "report:status":
            key = (args[0], args[1], args[2], args[3])
            if key not in self.c.reports:
                raise LedgerRefused(f"report {' '.join(args)} not found", status=404)
            return self.c.reports[key]
        if function == "governance:in_force":
            if args[0] not in self.c.in_force:
                raise LedgerRefused(f"in-force version of {args[0]} not found", status=404)
            return self.c.in_force[args[0]]
        if function == "consent:list":
            self._enterprise(args[0])
            return {"consents": [c for c in self.c.consents if c["uscc"] == args[0]],
                    "bookmark": ""}
        if function == "audit:head":
            return self.c.audit_head
        if function == "audit:history":
            if (args[0], args[1]) not in self.c.audit_history:
                raise LedgerRefused(f"no version of {args[0]} {args[1]}", status=404)
            return self.c.audit_history[(args[0], args[1])]
        raise LedgerRefused(f"{function}: no such function", status=400)

    def _write(self, function: str, args: list[str], txid: str) -> Any:
        if function == "registry:register_enterprise":
            record = json.loads(args[0])
            uscc = record["uscc"]
            if uscc in self.c.enterprises:
                raise LedgerRefused(f"enterprise {uscc!r} exists", status=409)
            stored = {**record, "areas": record.get("areas", ["industry"]),
                      "status": "active", "version": 1}
            self.c.enterprises[uscc] = stored
            self.c.history[uscc] = [{"tx_id": txid, "value": stored, "is_delete": False}]
            return stored
        if function == "registry:set_status":
            record = dict(self._enterprise(args[0]))
            if record["status"] == "closed":
                raise LedgerRefused(f"enterprise {args[0]!r} is closed", status=409)
            record.update(status=args[1], status_reason=args[2],
                          version=record["version"] + 1)
            self.c.enterprises[args[0]] = record
            self.c.history[args[0]].insert(0, {"tx_id": txid, "value": record,
                                               "is_delete": False})
            return record
        if function == "registry:add_meter":
            uscc, meter_id = args
            record = dict(self._enterprise(uscc))
            if meter_id in self.c.meters:
                raise LedgerRefused(f"meter {meter_id} already belongs to "
                                    f"{self.c.meters[meter_id]}", status=409)
            self.c.meters[meter_id] = uscc
            record.update(meters=sorted([*record.get("meters", []), meter_id]),
                          version=record["version"] + 1)
            self.c.enterprises[uscc] = record
            return record
        if function.startswith("governance:"):
            return self._governance(function, args, txid)
        if function == "attestation:attest":
            statement = json.loads(args[0])
            uscc = statement["enterprise"]["uscc"]
            key = (uscc, statement["period"]["start"], statement["period"]["end"])
            record = {"statement": statement, "signature": args[1], "status": "attested"}
            self.c.attestations[key] = record
            return record
        if function == "attestation:withdraw":
            key = (args[0], args[1], args[2])
            if key not in self.c.attestations:
                raise LedgerRefused("attestation not found", status=404)
            self.c.attestations[key] = {**self.c.attestations[key], "status": "withdrawn",
                                        "reason": args[4]}
            return self.c.attestations[key]
        if function == "consent:access":
            live = self._live(args[0], args[1])
            live["accesses"] += 1
            live["last_access"] = {"tx_id": txid}
            return {"consent": live, "access": {"tx_id": txid}}
        if function == "loan:record":   # the contract's checks: consent, access, digest
            loan_id, rid, digest, commitment = args
            live = self._live(rid.split("-")[1], rid)
            if not live.get("last_access"):
                raise LedgerRefused("refused by rule consent.valid: no access recorded",
                                    status=403)
            known = [r for r in self.c.reports.values() if r["id"] == rid]
            if not known or known[0]["digest"] != digest or known[0]["status"] != "valid":
                raise LedgerRefused(f"report {rid} is not {digest}, valid", status=409)
            if loan_id in self.c.loans:
                raise LedgerRefused(f"loan {loan_id} exists", status=409)
            self.c.loans[loan_id] = {"loan_id": loan_id, "report_id": rid,
                                     "report_digest": digest, "terms_commitment": commitment}
            return self.c.loans[loan_id]
        raise LedgerRefused(f"{function}: no such function", status=400)

    def _governance(self, function: str, args: list[str], txid: str) -> Any:
        """The contract's governance rules the services rely on: admins only, a version
        proposed once, approvals citing its digest by organisations its policy names,
        activation after ``required`` approvals."""
        if self.user != "Admin":
            raise LedgerRefused(f"refused by rule {function.replace(':', '.')}: an admin, "
                                f"not {self.user}", status=403)
        key = (args[0], args[1])
        if function == "governance:propose":
            if key in self.c.versions:
                raise LedgerRefused(f"{args[0]} {args[1]} was already proposed", status=409)
            self.c.versions[key] = {"kind": args[0], "version": args[1], "digest": args[2],
                                    "policy": json.loads(args[3]), "approvals": {},
                                    "status": "proposed", "proposed_tx": txid}
            return self.c.versions[key]
        if key not in self.c.versions:
            raise LedgerRefused(f"{args[0]} {args[1]} not found", status=404)
        entry = self.c.versions[key]
        if function == "governance:approve":
            if entry["digest"] != args[2]:
                raise LedgerRefused(f"digest {args[2]} is not {entry['digest']}", status=409)
            entry["approvals"][self.msp] = txid
            return entry
        if function == "governance:activate":
            if len(entry["approvals"]) < entry["policy"]["required"]:
                raise LedgerRefused(f"{args[0]} {args[1]} has {len(entry['approvals'])} "
                                    "approvals", status=409)
            entry["status"] = "active"
            self.c.in_force[args[0]] = {**entry, "since_tx": txid}
            return self.c.in_force[args[0]]
        raise LedgerRefused(f"{function}: no such function", status=400)
