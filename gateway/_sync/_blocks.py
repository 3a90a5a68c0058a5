# GENERATED from gateway/_blocks.py by `python -m gateway._codegen` (unasync): do not edit;
# change the async source and regenerate.
"""Block events from the peer's Deliver service: full, filtered, and with private data.

The request is a signed ``common.Envelope`` (type DELIVER_SEEK_INFO) carrying a
``SeekInfo`` from the start block (or next commit) to the largest block number, so the
stream follows the chain until closed. Resume from a checkpoint with
``checkpointer.checkpoint_block(block_number)`` after processing each block.
"""

# The blocking API (gateway/_sync/_blocks.py) is generated from this file: after editing it,
# run `python -m gateway._codegen` (tests/unit/gateway/test_codegen.py checks).

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from fabric_protos.common import common_pb2
from fabric_protos.peer import events_pb2

from gateway._errors import BlockEventsError
from gateway._signing import SigningIdentity
from gateway._transport import DELIVER_KINDS

from ._client import UNSET, GatewayClient, ready, sign
from ._stream import Stream

__all__ = ["BLOCK_KINDS", "BlockEvents", "BlockEventsRequest", "block_number_of"]

T = TypeVar("T")

BLOCK_KINDS = DELIVER_KINDS  # kind -> (Deliver method, DeliverResponse field)


def block_number_of(item: Any) -> int:
    """Block number of a Block, FilteredBlock or BlockAndPrivateData."""
    if isinstance(item, events_pb2.FilteredBlock):
        return int(item.number)
    if isinstance(item, events_pb2.BlockAndPrivateData):
        return int(item.block.header.number)
    return int(item.header.number)


class BlockEvents(Stream[T]):
    """Async iterator of blocks (``common.Block``, ``FilteredBlock`` or ``BlockAndPrivateData``)."""

    error_type = BlockEventsError

    def __init__(
        self, open_call: Callable[[], Any], kind: str, owner: Any = None
    ) -> None:
        super().__init__(open_call, owner)
        self._field = BLOCK_KINDS[kind][1]

    def _items(self, response: Any) -> list[T]:
        which = response.WhichOneof("Type")
        if which == self._field:
            return [getattr(response, self._field)]
        if which == "status":
            self._closed = True
            if response.status != common_pb2.SUCCESS:
                name = common_pb2.Status.Name(response.status)
                raise BlockEventsError(f"deliver ended with status {response.status} ({name})")
        return []


class BlockEventsRequest(Generic[T]):
    """A signed (or offline-signable) Deliver request of one kind."""

    def __init__(
        self,
        client: GatewayClient,
        signing: SigningIdentity,
        envelope: common_pb2.Envelope,
        kind: str,
    ) -> None:
        if kind not in BLOCK_KINDS:
            raise ValueError(f"block events kind must be one of {sorted(BLOCK_KINDS)}")
        self._client = client
        self._signing = signing
        self._envelope = envelope
        self.kind = kind

    @property
    def bytes(self) -> builtins.bytes:
        """Serialized ``common.Envelope``."""
        return bytes(self._envelope.SerializeToString())

    @property
    def digest(self) -> builtins.bytes:
        return self._signing.hash(self._envelope.payload)

    def _set_signature(self, signature: builtins.bytes) -> None:
        self._envelope.signature = signature

    def events(self, *, timeout: float | None = UNSET) -> BlockEvents[T]:
        """The stream (opened on first use; ``timeout`` bounds its whole life)."""

        def open_call() -> Any:
            if not self._envelope.signature:
                self._set_signature(sign(self._signing, self.digest))
            return self._client.deliver(self.kind, self._envelope, timeout)

        return ready(BlockEvents(open_call, self.kind, owner=self._client))
