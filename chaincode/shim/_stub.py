"""What a transaction sees: its arguments, proposal, state, private data, queries and event.

Every state call is a request to the peer over the session's stream, tagged
with the channel and transaction id; the peer answers RESPONSE or ERROR, and an
ERROR becomes a ``PeerError`` raised here.  Calls of one transaction are
serialised (the peer handles one request per transaction at a time).  Message
shapes follow Fabric's chaincode_shim.proto as the Go shim uses them; keys
follow _keys.py (simple and composite namespaces kept apart).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from fabric_protos.peer import chaincode_event_pb2, proposal_pb2
from fabric_protos.peer import chaincode_shim_pb2 as shim
from fabric_protos.peer.chaincode_shim_pb2 import ChaincodeMessage as Msg

from ._errors import ArgumentError, PeerError
from ._identity import ClientIdentity
from ._iterators import KeyModification, QueryIterator, decode_kv, decode_modification
from ._keys import (
    CompositeKey,
    check_key,
    create_composite_key,
    partial_bounds,
    range_bounds,
    split_composite_key,
)
from ._policy import VALIDATION_PARAMETER
from ._proposal import ProposalInfo

Request = Callable[[int, bytes, str, str], Awaitable[Msg]]
KV = tuple[str, bytes]


def _collection(collection: str) -> str:
    if not isinstance(collection, str) or not collection:
        raise ValueError(f"a private data call needs a collection name, got {collection!r}")
    return collection


def _page_size(page_size: int) -> int:
    if not isinstance(page_size, int) or page_size <= 0:
        raise ValueError(f"page size must be a positive int, got {page_size!r}")
    return page_size


class Stub:
    create_composite_key = staticmethod(create_composite_key)
    split_composite_key = staticmethod(split_composite_key)

    def __init__(self, request: Request, channel_id: str, txid: str, args: list[bytes],
                 proposal: ProposalInfo | None = None,
                 decorations: dict[str, bytes] | None = None) -> None:
        self._request = request
        self.channel_id = channel_id
        self.tx_id = txid
        self.args: list[bytes] = args  # raw, as the client sent them
        info = proposal or ProposalInfo()
        self.signed_proposal: proposal_pb2.SignedProposal | None = info.signed_proposal
        self.creator: bytes = info.creator
        self.transient: dict[str, bytes] = info.transient
        self.binding: bytes = info.binding
        self.timestamp: tuple[int, int] | None = info.timestamp
        self.decorations: dict[str, bytes] = dict(decorations or {})
        self.event: chaincode_event_pb2.ChaincodeEvent | None = None
        self._lock = asyncio.Lock()
        self._identity: ClientIdentity | None = None
        self.open_iterators: set[QueryIterator] = set()

    # -- arguments and caller ---------------------------------------------------
    def arg_str(self, index: int) -> str:
        """Argument index (0 is the function name) as text; ArgumentError (400) if not UTF-8."""
        raw = self.args[index]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ArgumentError(index, f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at "
                                f"offset {exc.start}); {len(raw)} bytes") from None

    @property
    def function(self) -> str:
        return self.arg_str(0) if self.args else ""

    @property
    def params(self) -> list[str]:
        return [self.arg_str(i) for i in range(1, len(self.args))]

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

    async def close_open_iterators(self) -> None:
        """Close what the contract left open; the session calls this before COMPLETED.

        Tries every iterator, then raises the first PeerError if any close was refused."""
        refused: list[PeerError] = []
        for it in list(self.open_iterators):
            try:
                await it.close()
            except PeerError as exc:
                refused.append(exc)
        if refused:
            raise refused[0]

    async def _get(self, key: str, collection: str) -> bytes:
        check_key(key)
        return await self._call(Msg.GET_STATE, shim.GetState(key=key, collection=collection)
                                .SerializeToString(), "GET_STATE", key)

    async def _put(self, key: str, value: bytes, collection: str) -> None:
        check_key(key)
        if not isinstance(value, bytes | bytearray):
            raise TypeError(f"value of {key!r} must be bytes, got {type(value).__name__}")
        await self._call(Msg.PUT_STATE, shim.PutState(key=key, value=bytes(value),
                         collection=collection).SerializeToString(), "PUT_STATE", key)

    async def _del(self, key: str, collection: str, mtype: int = Msg.DEL_STATE) -> None:
        check_key(key)
        await self._call(mtype, shim.DelState(key=key, collection=collection)
                         .SerializeToString(), Msg.Type.Name(mtype), key)

    def _range(self, start: str, end: str, collection: str,
               metadata: shim.QueryMetadata | None = None) -> QueryIterator[KV]:
        payload = shim.GetStateByRange(startKey=start, endKey=end, collection=collection,
                                       metadata=metadata.SerializeToString() if metadata
                                       else b"")
        return QueryIterator(self._call, Msg.GET_STATE_BY_RANGE, payload.SerializeToString(),
                             f"{start!r}..{end!r}", decode_kv, self.open_iterators)

    async def _metadata(self, key: str, collection: str) -> dict[str, bytes]:
        check_key(key)
        raw = await self._call(Msg.GET_STATE_METADATA, shim.GetStateMetadata(
            key=key, collection=collection).SerializeToString(), "GET_STATE_METADATA", key)
        return {e.metakey: bytes(e.value) for e in shim.StateMetadataResult.FromString(raw).entries}

    async def _put_metadata(self, key: str, metakey: str, value: bytes, collection: str) -> None:
        check_key(key)
        msg = shim.PutStateMetadata(key=key, collection=collection,
                                    metadata=shim.StateMetadata(metakey=metakey, value=value))
        await self._call(Msg.PUT_STATE_METADATA, msg.SerializeToString(), "PUT_STATE_METADATA",
                         key)

    # -- public state -------------------------------------------------------------
    async def get_state(self, key: str) -> bytes:
        """The value of key (b'' when absent)."""
        return await self._get(key, "")

    async def put_state(self, key: str, value: bytes) -> None:
        await self._put(key, value, "")

    async def del_state(self, key: str) -> None:
        await self._del(key, "")

    def get_state_by_range(self, start: str, end: str) -> QueryIterator[KV]:
        """(key, value) for start <= key < end among simple keys ('' = open end)."""
        return self._range(*range_bounds(start, end), "")

    def get_state_by_range_with_pagination(self, start: str, end: str, page_size: int,
                                           bookmark: str = "") -> QueryIterator[KV]:
        """One page; ``it.metadata`` (fetched count, bookmark of the next page) once opened."""
        md = shim.QueryMetadata(pageSize=_page_size(page_size), bookmark=bookmark)
        return self._range(*range_bounds(start, end), "", md)

    def get_state_by_partial_composite_key(self, object_type: str,
                                           attributes: Sequence[str] = ()) -> QueryIterator[KV]:
        return self._range(*partial_bounds(object_type, tuple(attributes)), "")

    def get_state_by_partial_composite_key_with_pagination(
            self, object_type: str, attributes: Sequence[str], page_size: int,
            bookmark: str = "") -> QueryIterator[KV]:
        md = shim.QueryMetadata(pageSize=_page_size(page_size), bookmark=bookmark)
        return self._range(*partial_bounds(object_type, tuple(attributes)), "", md)

    def get_history_for_key(self, key: str) -> QueryIterator[KeyModification]:
        """Every committed change of key, with its transaction id, time and delete flag."""
        check_key(key)
        return QueryIterator(self._call, Msg.GET_HISTORY_FOR_KEY, shim.GetHistoryForKey(
            key=key).SerializeToString(), repr(key), decode_modification, self.open_iterators)

    async def range_list(self, start: str, end: str) -> list[KV]:
        return await self.get_state_by_range(start, end).to_list()

    # -- key-level endorsement ------------------------------------------------------
    async def get_state_metadata(self, key: str) -> dict[str, bytes]:
        return await self._metadata(key, "")

    async def get_state_validation_parameter(self, key: str) -> bytes:
        return (await self._metadata(key, "")).get(VALIDATION_PARAMETER, b"")

    async def set_state_validation_parameter(self, key: str, policy: bytes) -> None:
        """Make writes of key need policy (see key_endorsement_policy) instead of the cc's."""
        await self._put_metadata(key, VALIDATION_PARAMETER, policy, "")

    # -- private data -----------------------------------------------------------------
    async def get_private_data(self, collection: str, key: str) -> bytes:
        return await self._get(key, _collection(collection))

    async def put_private_data(self, collection: str, key: str, value: bytes) -> None:
        await self._put(key, value, _collection(collection))

    async def del_private_data(self, collection: str, key: str) -> None:
        await self._del(key, _collection(collection))

    async def purge_private_data(self, collection: str, key: str) -> None:
        """Delete key and purge its past versions from every peer's private store."""
        await self._del(key, _collection(collection), Msg.PURGE_PRIVATE_DATA)

    async def get_private_data_hash(self, collection: str, key: str) -> bytes:
        check_key(key)
        return await self._call(Msg.GET_PRIVATE_DATA_HASH, shim.GetState(
            key=key, collection=_collection(collection)).SerializeToString(),
            "GET_PRIVATE_DATA_HASH", key)

    def get_private_data_by_range(self, collection: str, start: str,
                                  end: str) -> QueryIterator[KV]:
        return self._range(*range_bounds(start, end), _collection(collection))

    def get_private_data_by_partial_composite_key(
            self, collection: str, object_type: str,
            attributes: Sequence[str] = ()) -> QueryIterator[KV]:
        return self._range(*partial_bounds(object_type, tuple(attributes)),
                           _collection(collection))

    async def get_private_data_metadata(self, collection: str, key: str) -> dict[str, bytes]:
        return await self._metadata(key, _collection(collection))

    async def get_private_data_validation_parameter(self, collection: str, key: str) -> bytes:
        return (await self._metadata(key, _collection(collection))).get(VALIDATION_PARAMETER,
                                                                        b"")

    async def set_private_data_validation_parameter(self, collection: str, key: str,
                                                    policy: bytes) -> None:
        await self._put_metadata(key, VALIDATION_PARAMETER, policy, _collection(collection))

    # -- events -----------------------------------------------------------------
    def set_event(self, name: str, payload: bytes) -> None:
        """Attach the transaction's chaincode event (one per transaction; the last one wins)."""
        if not name:
            raise ValueError("an event needs a name")
        self.event = chaincode_event_pb2.ChaincodeEvent(event_name=name, payload=payload)


__all__ = ["CompositeKey", "KeyModification", "PeerError", "QueryIterator", "Stub"]
