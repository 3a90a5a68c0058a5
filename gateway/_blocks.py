"""Block events from the peer's Deliver service: full, filtered, and with private data.

The request is a signed ``common.Envelope`` (type DELIVER_SEEK_INFO) carrying a
``SeekInfo`` from the start block (or next commit) to the largest block number, so the
stream follows the chain until closed. Resume from a checkpoint with
``checkpointer.checkpoint_block(block_number)`` after processing each block.
"""

from __future__ import annotations

import asyncio
import builtins
from typing import Any, Generic, TypeVar

import grpc
from fabric_protos.common import common_pb2
from fabric_protos.peer import events_pb2

from gateway._client import UNSET, GatewayClient
from gateway._errors import BlockEventsError
from gateway._signing import SigningIdentity

__all__ = ["BLOCK_KINDS", "BlockEvents", "BlockEventsRequest", "block_number_of"]

T = TypeVar("T")

# kind -> (Deliver method, DeliverResponse field)
BLOCK_KINDS = {
    "block": "block",
    "filtered": "filtered_block",
    "private": "block_and_private_data",
}


def block_number_of(item: Any) -> int:
    """Block number of a Block, FilteredBlock or BlockAndPrivateData."""
    if isinstance(item, events_pb2.FilteredBlock):
        return int(item.number)
    if isinstance(item, events_pb2.BlockAndPrivateData):
        return int(item.block.header.number)
    return int(item.header.number)


class BlockEvents(Generic[T]):
    """Async iterator of blocks (``common.Block``, ``FilteredBlock`` or ``BlockAndPrivateData``)."""

    def __init__(self, call: Any, kind: str) -> None:
        self._call = call
        self._field = BLOCK_KINDS[kind]
        self._closed = False

    def __aiter__(self) -> BlockEvents[T]:
        return self

    async def __anext__(self) -> T:
        while True:
            if self._closed:
                raise StopAsyncIteration
            try:
                response = await self._call.read()
            except asyncio.CancelledError:
                if self._closed:
                    raise StopAsyncIteration from None
                raise
            except grpc.RpcError as err:
                if self._closed:
                    raise StopAsyncIteration from None
                raise BlockEventsError.from_rpc_error(err) from err
            if response is grpc.aio.EOF:
                self._closed = True
                raise StopAsyncIteration
            which = response.WhichOneof("Type")
            if which == self._field:
                return getattr(response, self._field)
            if which == "status":
                self._closed = True
                if response.status == common_pb2.SUCCESS:
                    raise StopAsyncIteration
                name = common_pb2.Status.Name(response.status)
                raise BlockEventsError(f"deliver ended with status {response.status} ({name})")

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._call.cancel()

    async def __aenter__(self) -> BlockEvents[T]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


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

    async def events(self, *, timeout: float | None = UNSET) -> BlockEvents[T]:
        if not self._envelope.signature:
            self._set_signature(await self._signing.sign(self.digest))
        call = self._client.deliver(self.kind, timeout)
        try:
            await call.write(self._envelope)
        except grpc.RpcError as err:
            raise BlockEventsError.from_rpc_error(err) from err
        return BlockEvents(call, self.kind)
