"""Chaincode events from the Gateway's ChaincodeEvents stream (async core).

The stream starts at the next committed block by default, at ``start_block``, or at a
checkpoint (its block, skipping every event up to and including its transaction id: the
Gateway does the skipping from ``after_transaction_id``).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fabric_protos.gateway import gateway_pb2

from gateway._client import UNSET, GatewayClient
from gateway._errors import ChaincodeEventsError
from gateway._signing import SigningIdentity
from gateway._stream import Stream

if TYPE_CHECKING:
    from gateway._checkpoint import Checkpoint

__all__ = ["ChaincodeEvent", "ChaincodeEvents", "ChaincodeEventsRequest", "resolve_start"]


@dataclass(frozen=True)
class ChaincodeEvent:
    """An event a committed (valid) transaction emitted."""

    block_number: int
    transaction_id: str
    chaincode_name: str
    event_name: str
    payload: builtins.bytes

    def __repr__(self) -> str:  # payloads may be large or confidential: size only
        return (
            f"ChaincodeEvent(block_number={self.block_number}, "
            f"transaction_id={self.transaction_id!r}, chaincode_name={self.chaincode_name!r}, "
            f"event_name={self.event_name!r}, payload=<{len(self.payload)} bytes>)"
        )


def resolve_start(start_block: int | None, checkpoint: Checkpoint | None) -> tuple[int | None, str]:
    """(start block or None for next commit, after transaction id); a checkpoint wins."""
    if checkpoint is not None and checkpoint.block_number is not None:
        return checkpoint.block_number, checkpoint.transaction_id or ""
    return start_block, ""


class ChaincodeEvents(Stream[ChaincodeEvent]):
    """Async iterator of :class:`ChaincodeEvent`; close it (or ``async with``) to stop."""

    error_type = ChaincodeEventsError

    def _items(self, response: Any) -> Iterable[ChaincodeEvent]:
        return [
            ChaincodeEvent(
                block_number=response.block_number,
                transaction_id=ev.tx_id,
                chaincode_name=ev.chaincode_id,
                event_name=ev.event_name,
                payload=bytes(ev.payload),
            )
            for ev in response.events
        ]


class ChaincodeEventsRequest:
    """A chaincode events request, signable offline (``bytes``/``digest``) before use."""

    def __init__(
        self,
        client: GatewayClient,
        signing: SigningIdentity,
        signed: gateway_pb2.SignedChaincodeEventsRequest,
    ) -> None:
        self._client = client
        self._signing = signing
        self._signed = signed

    @property
    def bytes(self) -> builtins.bytes:
        """Serialized ``gateway.SignedChaincodeEventsRequest``."""
        return bytes(self._signed.SerializeToString())

    @property
    def digest(self) -> builtins.bytes:
        return self._signing.hash(self._signed.request)

    def _set_signature(self, signature: builtins.bytes) -> None:
        self._signed.signature = signature

    def events(self, *, timeout: float | None = UNSET) -> ChaincodeEvents:
        """The stream (opened on first use; ``timeout`` bounds its whole life)."""

        async def open_call() -> Any:
            if not self._signed.signature:
                self._set_signature(await self._signing.sign(self.digest))
            return self._client.chaincode_events(self._signed, timeout)

        return ChaincodeEvents(open_call, owner=self._client)
