"""The audit contract over the Gateway client: :class:`GatewayAuditLedger` (the real
:class:`~gateway.audit._witness.Ledger`).

Writes are endorsed and submitted but not waited for: the follower learns their outcome from
the blocks it follows (a signature, an anchor, an alarm appears, or it does not and the next
block decides again), so the follower never blocks on its own transactions. A contract
refusal (4xx at endorsement) is a :class:`LedgerRefusal`; no answer is raised as the client's
error and ends the follower's connection (it reconnects).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from gateway._errors import GatewayError
from gateway.cli._exit import LedgerRefused
from gateway.cli._ledger import ledger_failure

from ._witness import LedgerRefusal

__all__ = ["GatewayAuditLedger"]


class GatewayAuditLedger:
    def __init__(self, contract: Any, admin_contract: Any | None = None,
                 timeout: float = 30.0) -> None:
        self._contract = contract
        self._admin = admin_contract
        self._timeout = timeout

    def _refusal(self, exc: GatewayError) -> Exception:
        failure = ledger_failure(exc)
        if isinstance(failure, LedgerRefused):
            return LedgerRefusal(str(failure))
        return exc

    def _submit(self, contract: Any, function: str, *args: str) -> str:
        try:
            proposal = contract.new_proposal(function, list(args))
            commit = proposal.endorse(timeout=self._timeout).submit(timeout=self._timeout)
        except GatewayError as exc:
            raise self._refusal(exc) from exc
        return str(commit.transaction_id)

    def evaluate(self, function: str, *args: str) -> Any:
        try:
            return json.loads(self._contract.evaluate(function, list(args), timeout=self._timeout))
        except GatewayError as exc:
            raise self._refusal(exc) from exc

    def key_records(self) -> list[dict[str, Any]]:
        answer = self.evaluate("audit:keys")
        return list(answer.get("keys", [])) if isinstance(answer, dict) else []

    def register_key(self, binding: dict[str, Any]) -> None:
        if self._admin is None:
            raise LedgerRefusal("no admin identity to register the notary key with")
        text = json.dumps(binding, sort_keys=True, separators=(",", ":"))
        self._submit(self._admin, "audit:register_key", text)

    def sign(self, note: str) -> None:
        self._submit(self._contract, "audit:sign", note)

    def anchor(self, note: str, proof: list[bytes]) -> None:
        text = json.dumps([base64.b64encode(h).decode("ascii") for h in proof])
        self._submit(self._contract, "audit:anchor", note, text)

    def alarm(self, evidence: dict[str, Any]) -> None:
        self._submit(self._contract, "audit:alarm",
                     json.dumps(evidence, sort_keys=True, separators=(",", ":")))
