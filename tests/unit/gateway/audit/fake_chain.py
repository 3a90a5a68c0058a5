"""FakeAuditChain: the seam the follower's unit tests fake (the ledger and its blocks).

It stands in for the peers and the ``audit:*`` contract: each call becomes one block holding
one transaction with the contract's audit event and public writes (keys as in the API table),
after the checks the contract makes (the caller's registered key, stale sizes, the anchor's
policy and consistency proof). The real contract is chaincode/carbon/_audit_trail.py; the
integration test (tests/integration/test_audit_trail.py) runs the followers against it.
"""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fabric_protos.common import common_pb2

import notary
from gateway.audit._witness import LedgerRefusal
from verifier._binding import check_binding_signature
from verifier._entry import THRESHOLD, origin

from .block_builder import FakeTx, make_block

CHANNEL = "carbon"


def admin_credentials(mspid: str) -> tuple[bytes, bytes]:
    """A self-signed P-256 admin certificate (OU=admin) and its key, PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "admin"),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"Admin@{mspid}")])
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


class FakeAuditChain:
    def __init__(self) -> None:
        self.blocks: list[common_pb2.Block] = [make_block(0)]
        self.keys: dict[str, dict[str, Any]] = {}
        self.head: dict[str, Any] | None = None
        self.sigs: dict[tuple[int, str], dict[str, Any]] = {}
        self.second = 0
        self.calls: list[tuple[str, str]] = []  # (mspid, function)
        self.origin = origin(CHANNEL)

    def _tx(self, mspid: str, name: str, keys: dict[str, Any],
            writes: dict[str, Any] | None = None) -> None:
        self.second += 1
        n = len(self.blocks)
        tx_id = f"tx{n}"
        entry = {"v": 1, "entry": name, "tx_id": tx_id,
                 "timestamp": _ts(self.second), "actor": {"mspid": mspid, "kind": "staff",
                                                          "fingerprint": "00"},
                 "keys": keys, "digests": {}, "commitments": {}}
        self.blocks.append(make_block(n, FakeTx(tx_id, entry, writes=writes or {})))

    def workload(self, count: int, per_block: int = 1) -> None:
        """``count`` ordinary transactions (registry entries), ``per_block`` to a block."""
        for _ in range(0, count, per_block):
            n = len(self.blocks)
            txs = []
            for i in range(per_block):
                self.second += 1
                tx_id = f"tx{n}-{i}"
                txs.append(FakeTx(tx_id, {"v": 1, "entry": "registry.register", "tx_id": tx_id,
                                          "timestamp": _ts(self.second), "keys": {"n": n}}))
            self.blocks.append(make_block(n, *txs))

    def verifiers(self) -> tuple[notary.Verifier, ...]:
        return tuple(check_binding_signature(r["binding"]) for r in self.keys.values())

    def ledger(self, mspid: str) -> FakeLedger:
        return FakeLedger(self, mspid)


class FakeLedger:
    """One organisation's view of :class:`FakeAuditChain` (the ``Ledger`` seam)."""

    def __init__(self, chain: FakeAuditChain, mspid: str) -> None:
        self.chain, self.mspid = chain, mspid
        self.down = False  # a follower whose peer does not answer

    def key_records(self) -> list[dict[str, Any]]:
        return [self.chain.keys[m] for m in sorted(self.chain.keys)]

    def register_key(self, binding: dict[str, Any]) -> None:
        self.chain.calls.append((self.mspid, "register_key"))
        verifier = check_binding_signature(binding)
        assert binding["statement"]["mspid"] == self.mspid
        record = {"binding": binding, "tx_id": f"tx{len(self.chain.blocks)}", "timestamp": "t"}
        self.chain.keys[self.mspid] = record
        self.chain._tx(self.mspid, "audit.register_key", {"mspid": self.mspid},
                       {f"notarykey/{self.mspid}": record})
        assert verifier.name == f"{self.mspid}/notary"

    def sign(self, note: str) -> None:
        self.chain.calls.append((self.mspid, "sign"))
        record = self.chain.keys.get(self.mspid)
        if record is None:
            raise LedgerRefusal("403 no registered key")
        parsed = notary.verify_note(note, (check_binding_signature(record["binding"]),))
        cp = notary.Checkpoint.from_body(parsed.text)
        head = self.chain.head["size"] if self.chain.head else 0
        if cp.size <= head:
            raise LedgerRefusal(f"409 stale: size {cp.size} <= anchored {head}")
        root = base64.b64encode(cp.root).decode()
        old = self.chain.sigs.get((cp.size, self.mspid))
        if old is not None:
            if old["root"] != root:
                raise LedgerRefusal(f"409 conflict {old['root']} {root}")
            return
        value = {"mspid": self.mspid, "size": cp.size, "root": root, "note": note}
        self.chain.sigs[(cp.size, self.mspid)] = value
        self.chain._tx(self.mspid, "audit.sign", {"mspid": self.mspid, "size": cp.size},
                       {f"notarysig/{cp.size:020d}/{self.mspid}": value})

    def anchor(self, note: str, proof: list[bytes]) -> None:
        self.chain.calls.append((self.mspid, "anchor"))
        policy = notary.Policy(self.chain.origin, self.chain.verifiers(), THRESHOLD)
        try:
            cp = policy.verify(note).checkpoint
            head = self.chain.head
            old = (notary.Checkpoint(self.chain.origin, head["size"],
                                     base64.b64decode(head["root"]))
                   if head else notary.Checkpoint(self.chain.origin, 0, notary.EMPTY_ROOT))
            if head and cp.size == head["size"] and cp.root == old.root:
                return
            notary.check_extends(old, cp, proof)
        except notary.ProofError as exc:
            raise LedgerRefusal(f"400 {exc}") from exc
        record = {"size": cp.size, "root": base64.b64encode(cp.root).decode(), "note": note,
                  "previous_size": old.size,
                  "proof": [base64.b64encode(h).decode() for h in proof],
                  "tx_id": f"tx{len(self.chain.blocks)}", "timestamp": "t"}
        self.chain.head = record
        self.chain._tx(self.mspid, "audit.anchor", {"size": cp.size},
                       {f"anchor/{cp.size:020d}": record, "anchorhead": record})

    def alarm(self, evidence: dict[str, Any]) -> None:
        self.chain.calls.append((self.mspid, "alarm"))
        key = f"notaryalarm/{evidence['size']}/{self.mspid}/{evidence['accused']}"
        self.chain._tx(self.mspid, "audit.alarm", {"accused": evidence["accused"]},
                       {key: {**evidence, "reporter": self.mspid}})


def _ts(second: int) -> str:
    moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
        seconds=second)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ".000000000Z"


def leaves_json(store: Any) -> list[str]:
    return [json.loads(r.leaf)["tx_id"] for r in store.entries(0, store.size())]
