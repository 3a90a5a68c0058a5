"""What a transaction sees: its arguments, creator, transient data, state and events.

Every state call is a request to the peer over the session's stream, tagged
with the channel and transaction id; the peer answers RESPONSE or ERROR, and an
ERROR becomes a ``PeerError`` raised here (the pinned fabric-chaincode-python
resolved it as success).  Calls of one transaction are serialised (the peer
handles one request per transaction at a time).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fabric_protos.common import common_pb2
from fabric_protos.ledger.queryresult import kv_query_result_pb2
from fabric_protos.peer import chaincode_event_pb2, proposal_pb2
from fabric_protos.peer import chaincode_shim_pb2 as shim
from fabric_protos.peer.chaincode_shim_pb2 import ChaincodeMessage as Msg  # noqa: E402

from ._identity import ClientIdentity

Request = Callable[[int, bytes, str, str], Awaitable[Msg]]


class PeerError(RuntimeError):
    """The peer answered a request with ERROR; carries the request type, key and message."""

    def __init__(self, request: str, key: str, message: str, txid: str) -> None:
        super().__init__(f"peer refused {request} of {key!r} in tx {txid[:12]}: {message}")
        self.request, self.key, self.message, self.txid = request, key, message, txid


def _check_collection(collection: str) -> None:
    if not collection:
        raise ValueError("a private data call needs a collection name")


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not key:
        raise ValueError(f"a state key must be a non-empty string, got {key!r}")
    if key[0] == "\x00" and len(key) < 2:
        raise ValueError("a composite key needs an object type")


class Stub:
    def __init__(self, request: Request, channel_id: str, txid: str, args: list[bytes],
                 signed_proposal: proposal_pb2.SignedProposal | None) -> None:
        self._request = request
        self.channel_id = channel_id
        self.tx_id = txid
        self.args = args
        self.event: chaincode_event_pb2.ChaincodeEvent | None = None
        self._lock = asyncio.Lock()
        self.transient: dict[str, bytes] = {}
        self.creator: bytes = b""
        self.timestamp: tuple[int, int] | None = None
        if signed_proposal is not None and signed_proposal.proposal_bytes:
            prop = proposal_pb2.Proposal.FromString(signed_proposal.proposal_bytes)
            header = common_pb2.Header.FromString(prop.header)
            chdr = common_pb2.ChannelHeader.FromString(header.channel_header)
            shdr = common_pb2.SignatureHeader.FromString(header.signature_header)
            self.creator = shdr.creator
            self.timestamp = (chdr.timestamp.seconds, chdr.timestamp.nanos)
            payload = proposal_pb2.ChaincodeProposalPayload.FromString(prop.payload)
            self.transient = dict(payload.TransientMap)
        self._identity: ClientIdentity | None = None

    # -- arguments and caller ---------------------------------------------------
    @property
    def function(self) -> str:
        return self.args[0].decode("utf-8") if self.args else ""

    @property
    def params(self) -> list[str]:
        return [a.decode("utf-8") for a in self.args[1:]]

    def identity(self) -> ClientIdentity:
        if self._identity is None:
            self._identity = ClientIdentity.from_serialized(self.creator)
        return self._identity

    # -- requests ---------------------------------------------------------------
    async def _call(self, mtype: int, payload: bytes, what: str, key: str) -> bytes:
        async with self._lock:
            resp = await self._request(mtype, payload, self.channel_id, self.tx_id)
        if resp.type == Msg.ERROR:
            raise PeerError(what, key, resp.payload.decode("utf-8", "replace"), self.tx_id)
        if resp.type != Msg.RESPONSE:
            raise PeerError(what, key, f"unexpected reply {Msg.Type.Name(resp.type)}", self.tx_id)
        return bytes(resp.payload)

    async def get_state(self, key: str, collection: str = "") -> bytes:
        """The value of key ('' when absent)."""
        _check_key(key)
        return await self._call(Msg.GET_STATE, shim.GetState(key=key, collection=collection)
                                .SerializeToString(), "GET_STATE", key)

    async def put_state(self, key: str, value: bytes, collection: str = "") -> None:
        _check_key(key)
        if not isinstance(value, bytes | bytearray):
            raise TypeError(f"value of {key!r} must be bytes, got {type(value).__name__}")
        await self._call(Msg.PUT_STATE, shim.PutState(key=key, value=bytes(value),
                         collection=collection).SerializeToString(), "PUT_STATE", key)

    async def del_state(self, key: str, collection: str = "") -> None:
        _check_key(key)
        await self._call(Msg.DEL_STATE, shim.DelState(key=key, collection=collection)
                         .SerializeToString(), "DEL_STATE", key)

    async def get_private_data(self, collection: str, key: str) -> bytes:
        _check_collection(collection)
        return await self.get_state(key, collection)

    async def put_private_data(self, collection: str, key: str, value: bytes) -> None:
        _check_collection(collection)
        await self.put_state(key, value, collection)

    async def del_private_data(self, collection: str, key: str) -> None:
        _check_collection(collection)
        await self.del_state(key, collection)

    async def get_private_data_hash(self, collection: str, key: str) -> bytes:
        _check_collection(collection)
        _check_key(key)
        return await self._call(Msg.GET_PRIVATE_DATA_HASH, shim.GetState(
            key=key, collection=collection).SerializeToString(), "GET_PRIVATE_DATA_HASH", key)

    async def get_state_by_range(self, start: str, end: str,
                                 collection: str = "") -> AsyncIterator[tuple[str, bytes]]:
        """Yield (key, value) for start <= key < end ('' means unbounded), in key order."""
        payload = shim.GetStateByRange(startKey=start, endKey=end, collection=collection)
        raw = await self._call(Msg.GET_STATE_BY_RANGE, payload.SerializeToString(),
                               "GET_STATE_BY_RANGE", f"{start}..{end}")
        resp = shim.QueryResponse.FromString(raw)
        try:
            while True:
                for r in resp.results:
                    kv = kv_query_result_pb2.KV.FromString(r.resultBytes)
                    yield kv.key, bytes(kv.value)
                if not resp.has_more:
                    break
                raw = await self._call(Msg.QUERY_STATE_NEXT, shim.QueryStateNext(id=resp.id)
                                       .SerializeToString(), "QUERY_STATE_NEXT", resp.id)
                resp = shim.QueryResponse.FromString(raw)
        finally:
            await self._call(Msg.QUERY_STATE_CLOSE, shim.QueryStateClose(id=resp.id)
                             .SerializeToString(), "QUERY_STATE_CLOSE", resp.id)

    async def range_list(self, start: str, end: str, collection: str = "") -> list[Any]:
        return [(k, v) async for k, v in self.get_state_by_range(start, end, collection)]

    # -- events -----------------------------------------------------------------
    def set_event(self, name: str, payload: bytes) -> None:
        """Attach the transaction's chaincode event (one per transaction; the last one wins)."""
        if not name:
            raise ValueError("an event needs a name")
        self.event = chaincode_event_pb2.ChaincodeEvent(event_name=name, payload=payload)
