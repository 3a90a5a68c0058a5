"""Query iterators over the peer's paged results (ranges, composite ranges, history).

A query opens an iterator on the peer (GET_STATE_BY_RANGE, GET_HISTORY_FOR_KEY),
pages through it with QUERY_STATE_NEXT and must end with QUERY_STATE_CLOSE
while its transaction is still running: the peer drops the transaction's
ledger context at COMPLETED and answers a later close with ERROR "no ledger
context".  So these iterators are objects, not async generators (whose
finalizer would run at some later point on the event loop): they close when
exhausted, on ``close()``, at the end of an ``async with``, and otherwise the
session closes every one still open before it sends COMPLETED, as Fabric's Go
shim expects contracts to.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from fabric_protos.ledger.queryresult import kv_query_result_pb2
from fabric_protos.peer import chaincode_shim_pb2 as shim
from fabric_protos.peer.chaincode_shim_pb2 import ChaincodeMessage as Msg

from ._keys import key_from_peer

T = TypeVar("T")
Call = Callable[[int, bytes, str, str], Awaitable[bytes]]


@dataclass(frozen=True)
class PageMetadata:
    """What a paginated query reports: records fetched and where the next page starts."""

    fetched_records_count: int
    bookmark: str


@dataclass(frozen=True)
class KeyModification:
    """One entry of a key's history: the transaction, its time, the value or a delete."""

    tx_id: str
    value: bytes
    timestamp: tuple[int, int]  # (seconds, nanos)
    is_delete: bool


def decode_kv(raw: bytes) -> tuple[str, bytes]:
    kv = kv_query_result_pb2.KV.FromString(raw)
    return key_from_peer(kv.key), bytes(kv.value)


def decode_modification(raw: bytes) -> KeyModification:
    km = kv_query_result_pb2.KeyModification.FromString(raw)
    return KeyModification(tx_id=km.tx_id, value=bytes(km.value), is_delete=km.is_delete,
                           timestamp=(km.timestamp.seconds, km.timestamp.nanos))


class QueryIterator(Generic[T]):
    """``async with stub.get_state_by_range(a, b) as it: async for key, value in it: ...``"""

    def __init__(self, call: Call, mtype: int, payload: bytes, label: str,
                 decode: Callable[[bytes], T], registry: set[QueryIterator]) -> None:
        self._call, self._mtype, self._payload, self._label = call, mtype, payload, label
        self._decode = decode
        self._registry = registry
        self._buf: deque[bytes] = deque()
        self._id = ""
        self._has_more = False
        self._state = "new"
        self.metadata: PageMetadata | None = None  # set once opened, for paginated queries

    @property
    def closed(self) -> bool:
        return self._state == "closed"

    async def open(self) -> QueryIterator[T]:
        if self._state != "new":
            return self
        self._state = "opening"
        try:
            raw = await self._call(self._mtype, self._payload,
                                   Msg.Type.Name(self._mtype), self._label)
        except BaseException:
            self._state = "closed"
            raise
        resp = shim.QueryResponse.FromString(raw)
        self._id = resp.id
        self._state = "open"
        self._registry.add(self)
        if resp.metadata:
            md = shim.QueryResponseMetadata.FromString(resp.metadata)
            self.metadata = PageMetadata(md.fetched_records_count, md.bookmark)
        self._take(resp)
        return self

    def _take(self, resp: shim.QueryResponse) -> None:
        self._buf.extend(r.resultBytes for r in resp.results)
        self._has_more = resp.has_more

    async def close(self) -> None:
        """Release the peer's iterator (once; later calls do nothing)."""
        if self._state != "open":
            self._state = "closed"
            return
        self._state = "closed"
        self._registry.discard(self)
        await self._call(Msg.QUERY_STATE_CLOSE, shim.QueryStateClose(id=self._id)
                         .SerializeToString(), "QUERY_STATE_CLOSE", self._label)

    def __aiter__(self) -> QueryIterator[T]:
        return self

    async def __anext__(self) -> T:
        if self._state == "new":
            await self.open()
        while not self._buf:
            if self._state != "open" or not self._has_more:
                await self.close()
                raise StopAsyncIteration
            raw = await self._call(Msg.QUERY_STATE_NEXT, shim.QueryStateNext(id=self._id)
                                   .SerializeToString(), "QUERY_STATE_NEXT", self._label)
            self._take(shim.QueryResponse.FromString(raw))
        return self._decode(self._buf.popleft())

    async def __aenter__(self) -> QueryIterator[T]:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def to_list(self) -> list[T]:
        async with self:
            return [item async for item in self]
