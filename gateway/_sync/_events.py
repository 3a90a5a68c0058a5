# GENERATED from gateway/_events.py by `python -m gateway._codegen` (unasync): do not edit;
# change the async source and regenerate.
"""Chaincode events from the Gateway's ChaincodeEvents stream (async source of both APIs).

The stream starts at the next committed block by default, at ``start_block``, or at a
checkpoint (its block, skipping every event up to and including its transaction id: the
Gateway does the skipping from ``after_transaction_id``).
"""

# The blocking API (gateway/_sync/_events.py) is generated from this file: after editing it,
# run `python -m gateway._codegen` (tests/unit/gateway/test_codegen.py checks).

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any

from fabric_protos.gateway import gateway_pb2

from gateway._errors import ChaincodeEventsError
from gateway._event_types import ChaincodeEvent, resolve_start
from gateway._signing import SigningIdentity

from ._client import UNSET, GatewayClient, ready, sign
from ._stream import Stream

__all__ = ["ChaincodeEvent", "ChaincodeEvents", "ChaincodeEventsRequest", "resolve_start"]


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

        def open_call() -> Any:
            if not self._signed.signature:
                self._set_signature(sign(self._signing, self.digest))
            return self._client.chaincode_events(self._signed, timeout)

        return ready(ChaincodeEvents(open_call, owner=self._client))
