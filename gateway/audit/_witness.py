"""The checkpoint protocol of one organisation: sign, cosign, anchor, alarm, monitor.

:class:`Witness` acts after each block the follower stored, from the store alone (its log,
the signatures, anchors and key bindings the blocks carried), so a restarted follower takes
up exactly where the ledger stands:

- sign its own checkpoint at each due size (:mod:`._due`) above the anchored head;
- cosign another organisation's checkpoint at size N only when its own log has the same root
  at N (which is also consistency with every checkpoint it signed before: they are all roots
  of its one log); a different root is a split view: an alarm (store, one log line naming the
  organisation with both checkpoints, ``audit:alarm`` on the ledger) and no cosignature;
- anchor the largest size above the head with >= THRESHOLD signatures matching its own root:
  at once if it is the smallest MSP id among those signers, else after 3 x cadence;
- monitor every new anchored checkpoint: the policy over the registered keys, consistency
  with the previous anchor, and the root its own log has at that size.

The ledger is reached through :class:`Ledger` (the seam unit tests fake).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import notary
from verifier._binding import BindingError, check_binding_signature, notary_key_name
from verifier._entry import THRESHOLD, origin

from ._due import Cadence
from ._store import AuditStore, SignatureRow

__all__ = ["Ledger", "LedgerRefusal", "Witness"]

log = logging.getLogger("gateway.audit")


class LedgerRefusal(Exception):
    """The contract refused a call (a 4xx answer or an invalid commit): logged, not retried
    at once; the next block decides again."""


class Ledger(Protocol):
    """The audit contract as the witness needs it (``audit:*`` of the API table)."""

    def key_records(self) -> list[dict[str, Any]]: ...

    def register_key(self, binding: dict[str, Any]) -> None: ...

    def sign(self, note: str) -> None: ...

    def anchor(self, note: str, proof: list[bytes]) -> None: ...

    def alarm(self, evidence: dict[str, Any]) -> None: ...


class Witness:
    def __init__(
        self,
        store: AuditStore,
        signer: notary.Signer,
        mspid: str,
        channel: str,
        ledger: Ledger,
        cadence: Cadence,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if signer.name != notary_key_name(mspid):
            raise ValueError(f"notary key is named {signer.name!r}, not {notary_key_name(mspid)!r}")
        self.store, self.signer, self.mspid = store, signer, mspid
        self.origin = origin(channel)
        self.ledger, self.cadence, self.clock = ledger, cadence, clock
        self._submitted: set[int] = set()  # sizes signed this run (the block may not be in yet)
        self._ready_since: dict[int, float] = {}  # size -> when THRESHOLD matches were seen
        self._anchor_tried: dict[int, float] = {}

    # -- keys ----------------------------------------------------------------------------

    def verifiers(self) -> dict[str, notary.Verifier]:
        """The registered notary key of each organisation (the latest binding seen)."""
        found: dict[str, notary.Verifier] = {}
        for record in self.store.key_bindings():
            try:
                verifier = check_binding_signature(record.get("binding", record))
            except BindingError as exc:
                log.warning("key binding skipped tx_id=%s reason=%s", record.get("tx_id"), exc)
                continue
            found[verifier.name.removesuffix("/notary")] = verifier
        return found

    # -- after each block ------------------------------------------------------------------

    def after_block(self, due: int | None) -> None:
        """Act on the store as it stands after a block (``due``: that block's due size)."""
        self.monitor()
        head = self.head_size()
        if due is not None and due > head:
            self.sign(due)
        self.cosign_others(head)
        self.anchor_ready(head)

    def head_size(self) -> int:
        anchor = self.store.latest_anchor()
        return 0 if anchor is None else anchor.size

    def signed_by_me(self, size: int) -> bool:
        return size in self._submitted or any(
            s.mspid == self.mspid for s in self.store.signatures(size)
        )

    def checkpoint(self, size: int) -> notary.Checkpoint:
        return notary.Checkpoint(self.origin, size, self.store.log.root(size))

    def own_note(self, size: int) -> str:
        return notary.sign_note(self.checkpoint(size).body(), self.signer)

    def sign(self, size: int) -> None:
        if self.signed_by_me(size) or size > self.store.size() or size == 0:
            return
        note = self.own_note(size)
        log.info("signing checkpoint org=%s size=%d root=%s", self.mspid, size,
                 self.checkpoint(size).body().split("\n")[2])
        # remembered only once sent (or refused): a failed call leaves it to sign again
        self._call("sign", self.ledger.sign, note)
        self._submitted.add(size)

    def cosign_others(self, head: int) -> None:
        mine = self.store.size()
        by_size: dict[int, list[SignatureRow]] = {}
        for row in self.store.signatures(above=head):
            if row.mspid != self.mspid:
                by_size.setdefault(row.size, []).append(row)
        for size, rows in sorted(by_size.items()):
            if size > mine:
                continue  # checked again once the own log reaches that size
            own_root = self.store.log.root(size)
            for row in rows:
                if row.root != own_root:
                    self.split_view(row, own_root)
            if any(row.root == own_root for row in rows):
                self.sign(size)

    def split_view(self, row: SignatureRow, own_root: bytes) -> None:
        if any(a["source"] == "local" and a["accused"] == row.mspid and a["size"] == row.size
               for a in self.store.alarms()):
            return
        ours = self.own_note(row.size)
        evidence = {"accused": row.mspid, "size": row.size, "ours": ours, "theirs": row.note,
                    "reason": "root differs from the reporter's log at that size"}
        self.store.add_alarm(self.mspid, row.mspid, row.size, evidence)
        log.error(
            "SPLIT VIEW accused=%s reporter=%s size=%d ours=%s theirs=%s",
            row.mspid, self.mspid, row.size, json.dumps(ours), json.dumps(row.note),
        )
        self._call("alarm", self.ledger.alarm, evidence)

    def anchor_ready(self, head: int) -> None:
        """Anchor the largest size above the head with THRESHOLD signatures matching our
        own root (we never anchor what our own log contradicts)."""
        mine = self.store.size()
        ready: dict[int, list[SignatureRow]] = {}
        roots: dict[int, bytes] = {}
        for row in self.store.signatures(above=head):
            if row.size > mine:
                continue
            if row.size not in roots:
                roots[row.size] = self.store.log.root(row.size)
            if row.root == roots[row.size]:
                ready.setdefault(row.size, []).append(row)
        sizes = [s for s, rows in ready.items() if len({r.mspid for r in rows}) >= THRESHOLD]
        if not sizes:
            return
        size = max(sizes)
        rows = ready[size]
        now = self.clock()
        first = self._ready_since.setdefault(size, now)
        leader = min(r.mspid for r in rows)
        waited = now - first >= 3 * self.cadence.seconds
        if leader != self.mspid and not waited:
            return
        if now - self._anchor_tried.get(size, -1e18) < self.cadence.seconds:
            return  # tried lately; its block may still be on its way
        self._anchor_tried[size] = now
        body = self.checkpoint(size).body()
        sigs: list[notary.NoteSignature] = []
        for row in sorted(rows, key=lambda r: r.mspid):
            sigs.extend(notary.Note.parse(row.note).signatures)
        note = notary.Note(body, tuple(sigs)).format()
        proof = self.store.log.consistency_proof(head, size) if head else []
        log.info("anchoring checkpoint org=%s size=%d signers=%s", self.mspid, size,
                 ",".join(sorted(r.mspid for r in rows)))
        self._call("anchor", self.ledger.anchor, note, proof)

    def fallback(self) -> None:
        """No block for the cadence's seconds and entries not yet signed: sign the current
        size (the others cosign it on seeing our signature)."""
        size = self.store.size()
        if size > self.head_size() and not self.signed_by_me(size):
            pending = any(not r.name.startswith("audit.")
                          for r in self.store.entries(self._last_signed(), size))
            if pending:
                self.sign(size)

    def _last_signed(self) -> int:
        sizes = [s.size for s in self.store.signatures() if s.mspid == self.mspid]
        return max([*sizes, *self._submitted, self.head_size()])

    # -- monitor -------------------------------------------------------------------------

    def monitor(self) -> None:
        """Check each anchored checkpoint not yet checked: policy over the registered keys,
        consistency with the previous anchor, the root of our own log at its size."""
        checked = int(self.store.get_state("monitored_size") or 0)
        anchors = self.store.anchors(after=checked)
        if not anchors:
            return
        last = self.store.latest_anchor(at_most=checked)
        previous = (notary.Checkpoint(self.origin, last.size, last.root) if last
                    else notary.Checkpoint(self.origin, 0, notary.EMPTY_ROOT))
        verifiers = tuple(self.verifiers().values())
        for a in anchors:
            if a.size > self.store.size():
                break  # checked once our own log reaches it
            problem = None
            try:
                policy = notary.Policy(self.origin, verifiers, THRESHOLD)
                cp = policy.verify(a.note).checkpoint
                notary.check_extends(previous, cp, a.proof)
                if self.store.log.root(a.size) != cp.root:
                    problem = "anchored root differs from our own log"
            except (notary.ProofError, ValueError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if problem:
                evidence = {"accused": "anchor", "size": a.size, "ours": self.own_note(a.size),
                            "theirs": a.note, "reason": problem, "anchor_tx_id": a.tx_id}
                self.store.add_alarm(self.mspid, "anchor", a.size, evidence, a.tx_id)
                log.error("ANCHOR INCONSISTENT reporter=%s size=%d tx_id=%s reason=%s",
                          self.mspid, a.size, a.tx_id, problem)
            else:
                log.info("anchor checked size=%d tx_id=%s", a.size, a.tx_id)
            previous = notary.Checkpoint(self.origin, a.size, a.root)
            self.store.set_state("monitored_size", str(a.size))

    # -- ledger calls --------------------------------------------------------------------

    def _call(self, what: str, fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except LedgerRefusal as exc:
            log.warning("audit:%s refused org=%s: %s", what, self.mspid, exc)
