"""MemoryLedger: the test seam.  An in-memory peer answering the real ``Stub``'s requests.

The contract runs exactly as on a peer: a real ``chaincode.shim.Stub`` and ``Dispatcher``,
with the peer's side of each request (GET_STATE, PUT_STATE, ranges with pagination,
QUERY_STATE_NEXT/CLOSE, GET_HISTORY_FOR_KEY, private data) answered from dicts instead of
over the gRPC stream (tests/unit/chaincode/fake_peer.py is the gRPC seam; one test in
test_contract_over_grpc.py runs the contract through it too).  As on Fabric:

* a transaction reads committed state only (not its own writes) and its writes are applied
  only if it returns status 200 (the endorsed read/write set, committed);
* history keeps every committed write of a key with the transaction's id and timestamp;
* a transaction's writes are recorded per collection ("" is public state), so tests can
  assert that a transaction wrote nothing public;
* a transaction that ran a range query on private data may not write anything (the peer's
  simulator refuses: "Transaction has already performed queries on pvt data. Writes are not
  allowed"), since private range reads cannot be re-checked at commit.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

from fabric_protos.ledger.queryresult import kv_query_result_pb2
from fabric_protos.msp import identities_pb2
from fabric_protos.peer import chaincode_shim_pb2 as shim
from fabric_protos.peer.chaincode_shim_pb2 import ChaincodeMessage as Msg

from chaincode.carbon import _clock
from chaincode.shim import ContractError, Dispatcher, Stub
from chaincode.shim._proposal import ProposalInfo

PRIVATE_QUERY = "\x00private range query ran"   # marker in a transaction's iterators


@dataclass
class Result:
    status: int
    payload: bytes
    message: str
    event: tuple[str, bytes] | None
    writes: list[tuple[str, str]] = field(default_factory=list)  # (collection, key)
    tx_id: str = ""

    def json(self) -> Any:
        import json
        assert self.status == 200, (self.status, self.message)
        return json.loads(self.payload)


class MemoryLedger:
    def __init__(self, contracts: Any) -> None:
        self.dispatcher = Dispatcher(*contracts)
        self.state: dict[tuple[str, str], bytes] = {}
        self.history: dict[str, list[tuple[str, bytes, bool, int]]] = {}
        self.events: list[tuple[str, bytes]] = []
        self.clock = 1_700_000_000
        # The endorser's own clock is the ledger's (the proposal's time) plus this offset:
        # tests of the freshness check (chaincode/carbon/_clock.py) move it apart.
        self.endorser_offset = 0.0
        self._ids = itertools.count(1)
        # the last transaction's requests to the peer, in order, as (message type, collection
        # of a GET_STATE or PUT_STATE, else ""): each is a round trip on a real peer
        self.requests: list[tuple[int, str]] = []
        self.loop = asyncio.new_event_loop()

    def close(self) -> None:
        self.loop.close()

    def invoke(self, identity: Any, fn: str, *args: str | bytes,
               transient: dict[str, bytes] | None = None) -> Result:
        return self.loop.run_until_complete(self._invoke(identity, fn, args, transient or {}))

    async def _invoke(self, identity: Any, fn: str, args: tuple[str | bytes, ...],
                      transient: dict[str, bytes]) -> Result:
        txid = f"tx{next(self._ids):04d}"
        self.clock += 7
        ts = self.clock
        writes: dict[tuple[str, str], bytes | None] = {}
        iters: dict[str, list[bytes]] = {}
        self.requests = []

        async def request(mtype: int, payload: bytes, channel: str, tx: str) -> Msg:
            coll = (shim.GetState.FromString(payload).collection if mtype == Msg.GET_STATE
                    else shim.PutState.FromString(payload).collection
                    if mtype == Msg.PUT_STATE else "")
            self.requests.append((mtype, coll))
            return Msg(type=Msg.RESPONSE, payload=self._answer(mtype, payload, writes, iters))

        creator = identities_pb2.SerializedIdentity(
            mspid=identity.mspid, id_bytes=identity.pem).SerializeToString()
        raw_args = [fn.encode()] + [a if isinstance(a, bytes) else a.encode() for a in args]
        stub = Stub(request, "carbon", txid, raw_args,
                    ProposalInfo(creator=creator, transient=transient, timestamp=(ts, 0)))
        endorser_time = _clock.endorser_time
        _clock.endorser_time = lambda: float(ts) + self.endorser_offset  # the seam
        try:
            payload = await self.dispatcher(stub)
            status, message = 200, ""
        except ContractError as exc:
            payload, status, message = b"", exc.status, str(exc)
        except Exception as exc:  # what the shim's session answers with 500
            payload, status, message = b"", 500, f"{type(exc).__name__}: {exc}"
        finally:
            _clock.endorser_time = endorser_time
        await stub.close_open_iterators()
        event = (stub.event.event_name, bytes(stub.event.payload)) if stub.event else None
        if status == 200:
            for (coll, key), value in writes.items():
                if value is None:
                    self.state.pop((coll, key), None)
                else:
                    self.state[(coll, key)] = value
                if coll == "":
                    self.history.setdefault(key, []).append(
                        (txid, value or b"", value is None, ts))
            if event:
                self.events.append(event)
        return Result(status, payload, message, event if status == 200 else None,
                      sorted(writes), txid)

    def _answer(self, mtype: int, payload: bytes, writes: dict[tuple[str, str], bytes | None],
                iters: dict[str, list[bytes]]) -> bytes:
        if mtype == Msg.GET_STATE:
            req = shim.GetState.FromString(payload)
            return self.state.get((req.collection, req.key), b"")
        if mtype in (Msg.PUT_STATE, Msg.DEL_STATE) and PRIVATE_QUERY in iters:
            raise RuntimeError("unsuppored transaction. Transaction has already performed "
                               "queries on pvt data. Writes are not allowed")
        if mtype == Msg.PUT_STATE:
            put = shim.PutState.FromString(payload)
            writes[(put.collection, put.key)] = put.value
            return b""
        if mtype == Msg.DEL_STATE:
            d = shim.DelState.FromString(payload)
            writes[(d.collection, d.key)] = None
            return b""
        if mtype == Msg.GET_STATE_BY_RANGE:
            rng = shim.GetStateByRange.FromString(payload)
            if rng.collection:
                iters[PRIVATE_QUERY] = []
            rows = sorted((k, v) for (c, k), v in self.state.items()
                          if c == rng.collection and k >= rng.startKey
                          and (not rng.endKey or k < rng.endKey))
            resp = shim.QueryResponse(has_more=False, id=f"it{len(iters)}")
            if rng.metadata:
                md = shim.QueryMetadata.FromString(rng.metadata)
                rows = [r for r in rows if r[0] >= md.bookmark]
                page, rest = rows[: md.pageSize], rows[md.pageSize:]
                rows = page
                resp.metadata = shim.QueryResponseMetadata(
                    fetched_records_count=len(page),
                    bookmark=rest[0][0] if rest else "").SerializeToString()
            for k, v in rows:
                resp.results.add(resultBytes=kv_query_result_pb2.KV(
                    namespace="carbon", key=k, value=v).SerializeToString())
            iters[resp.id] = []
            return resp.SerializeToString()
        if mtype == Msg.GET_HISTORY_FOR_KEY:
            h = shim.GetHistoryForKey.FromString(payload)
            resp = shim.QueryResponse(has_more=False, id=f"h{len(iters)}")
            for txid, value, deleted, ts in reversed(self.history.get(h.key, [])):
                km = kv_query_result_pb2.KeyModification(tx_id=txid, value=value,
                                                         is_delete=deleted)
                km.timestamp.seconds = ts
                resp.results.add(resultBytes=km.SerializeToString())
            return resp.SerializeToString()
        if mtype == Msg.GET_PRIVATE_DATA_HASH:  # any peer holds the hash of a private value
            req = shim.GetState.FromString(payload)
            stored = self.state.get((req.collection, req.key))
            return hashlib.sha256(stored).digest() if stored else b""
        if mtype == Msg.QUERY_STATE_CLOSE:
            return b""
        raise AssertionError(f"MemoryLedger does not answer {Msg.Type.Name(mtype)}")
