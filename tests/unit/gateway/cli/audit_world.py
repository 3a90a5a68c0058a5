"""A follower store filled as the follower fills it, for the ``carbontrust audit`` tests.

Everything is real except where the entries come from: the store (:class:`AuditStore`,
its writer API ``commit_block``), the notary Log, the Ed25519 notary keys and their
bindings signed by generated admin certificates (``tests/unit/verifier/pki.py``, the MSP
seam), and anchored checkpoints cosigned by three organisations with the consistency proof
from the previous anchor, as the contract's ``audit:anchor`` records them. Each added entry
is one transaction in a block of its own, written like the contract's audit events.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import notary
from gateway.audit import AnchorRow, AuditStore, BlockRecords
from tests.unit.verifier.pki import orgs
from verifier import audit_leaf, binding_statement, make_binding, origin

CHANNEL = "carbon"
MSPS = ("BankMSP", "CertifierMSP", "PowerMSP", "RegulatorMSP")


def ts(minute: int, second: int = 0) -> str:
    return f"2026-03-01T10:{minute:02d}:{second:02d}.000000000Z"


@dataclass
class World:
    path: Path  # the follower directory (holds audit.db)
    target: str | None = None  # or the service store (a URL) the log lives in
    store: AuditStore = field(init=False)
    signers: dict[str, notary.Signer] = field(init=False)
    block: int = 0
    count: int = 0

    def __post_init__(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        self.store = AuditStore.open(self.target or self.path / "audit.db", sync=True)
        self.store.commit_block(BlockRecords(0))  # the genesis (config) block: no entry
        self.block = 1
        self.signers = {m: notary.Signer.generate(f"{m}/notary") for m in MSPS}

    def close(self) -> None:
        self.store.close()

    def _tx(self) -> str:
        self.count += 1
        return f"{self.count:064x}"

    def add(self, name: str, keys: dict[str, Any], timestamp: str, *, mspid: str = "RegulatorMSP",
            kind: str = "client", records: BlockRecords | None = None,
            digests: dict[str, str] | None = None) -> str:
        """One transaction carrying one audit entry, in a block of its own; its tx id."""
        tx_id = self._tx()
        entry = {"v": 1, "entry": name, "tx_id": tx_id, "timestamp": timestamp,
                 "actor": {"mspid": mspid, "kind": kind, "fingerprint": "ab" * 32},
                 "keys": keys, "digests": digests or {}, "commitments": {}}
        rec = records or BlockRecords(self.block)
        rec.block = self.block
        rec.entries.append((0, tx_id, timestamp, audit_leaf(self.block, 0, tx_id, entry)))
        self.store.commit_block(rec)
        self.block += 1
        return tx_id

    def register_keys(self, timestamp: str, msps: tuple[str, ...] = MSPS) -> None:
        for m in msps:
            admin = orgs()[m].identities["admin"]
            binding = make_binding(binding_statement(CHANNEL, m, self.signers[m].verifier),
                                   admin.cert_pem, admin.key_pem)
            rec = BlockRecords(self.block)
            tx = f"{self.count + 1:064x}"
            rec.bindings.append((m, tx, {"binding": binding, "tx_id": tx,
                                         "timestamp": timestamp}))
            self.add("audit.register_key", {"mspid": m}, timestamp, mspid=m, kind="admin",
                     records=rec)

    def anchor(self, timestamp: str, msps: tuple[str, ...] = MSPS[:3],
               size: int | None = None) -> int:
        """Anchor the log at ``size`` (default: all of it) cosigned by ``msps``."""
        n = self.store.size() if size is None else size
        root = self.store.log.root(n)
        body = notary.Checkpoint(origin(CHANNEL), n, root).body()
        note = notary.sign_note(body, *(self.signers[m] for m in msps))
        previous = self.store.latest_anchor()
        prev = previous.size if previous else 0
        proof = self.store.log.consistency_proof(prev, n) if prev else []
        rec = BlockRecords(self.block)
        tx = f"{self.count + 1:064x}"
        rec.anchors.append(AnchorRow(n, root, note, prev, proof, tx))
        self.add("audit.anchor", {"size": n}, timestamp, records=rec,
                 digests={"root": base64.b64encode(root).decode()})
        return n

    def head(self) -> dict[str, Any] | None:
        """``audit:head()`` as the contract answers it."""
        a = self.store.latest_anchor()
        if a is None:
            return None
        return {"size": a.size, "root": base64.b64encode(a.root).decode(), "note": a.note,
                "previous_size": a.previous_size,
                "proof": [base64.b64encode(h).decode() for h in a.proof], "tx_id": a.tx_id,
                "timestamp": "2026-03-01T10:59:00.000000000Z"}
