"""FakePeer: a test double of the peer side of the chaincode protocol (a clearly named seam).

It dials the shim's Connect stream like a real peer does, answers REGISTER with
REGISTERED + READY, sends TRANSACTION messages, and serves state requests from
an in-memory dict.  Keys listed in ``refuse`` are answered with ERROR, as a peer
refuses a non-member's private read.  Like the real peer, a request for a
transaction that already sent COMPLETED is answered with ERROR "no ledger
context" (recorded in ``late_requests``).  It keeps a history per key, state
metadata, and answers paginated ranges in one response with metadata, as the
peer's query response generator does.
"""

from __future__ import annotations

import asyncio
import datetime

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fabric_protos.common import common_pb2
from fabric_protos.ledger.queryresult import kv_query_result_pb2
from fabric_protos.msp import identities_pb2
from fabric_protos.peer import (
    chaincode_pb2,
    chaincode_shim_pb2_grpc,
    proposal_pb2,
    proposal_response_pb2,
)
from fabric_protos.peer import chaincode_shim_pb2 as shim

from chaincode.shim._identity import ATTR_OID

Msg = shim.ChaincodeMessage


def make_cert(attrs: dict[str, str] | None = None, ou: str = "client") -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou),
                      x509.NameAttribute(NameOID.COMMON_NAME, "User1@power.test")])
    now = datetime.datetime.now(datetime.UTC)
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
         .public_key(key.public_key()).serial_number(1)
         .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1)))
    if attrs is not None:
        import json
        b = b.add_extension(x509.UnrecognizedExtension(
            ATTR_OID,
            json.dumps({"attrs": attrs}).encode()), critical=False)
    return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def signed_proposal(mspid: str, cert: bytes, transient: dict[str, bytes] | None = None,
                    header_type: int = common_pb2.ENDORSER_TRANSACTION, epoch: int = 0
                    ) -> proposal_pb2.SignedProposal:
    creator = identities_pb2.SerializedIdentity(mspid=mspid, id_bytes=cert).SerializeToString()
    chdr = common_pb2.ChannelHeader(type=header_type, channel_id="carbon", epoch=epoch)
    chdr.timestamp.seconds, chdr.timestamp.nanos = 1_700_000_123, 456
    shdr = common_pb2.SignatureHeader(creator=creator, nonce=b"n" * 24)
    header = common_pb2.Header(channel_header=chdr.SerializeToString(),
                               signature_header=shdr.SerializeToString())
    payload = proposal_pb2.ChaincodeProposalPayload(TransientMap=transient or {})
    prop = proposal_pb2.Proposal(header=header.SerializeToString(),
                                 payload=payload.SerializeToString())
    return proposal_pb2.SignedProposal(proposal_bytes=prop.SerializeToString(), signature=b"s")


class FakePeer:
    def __init__(self, address: str, page_size: int = 2) -> None:
        self.address = address
        self.state: dict[tuple[str, str], bytes] = {}
        self.refuse: set[str] = set()
        self.page_size = page_size
        self.registered_as: str | None = None
        self.completed: dict[str, Msg] = {}
        self.keepalives = 0
        self.requests: list[tuple[str, str]] = []  # (type, txid)
        self._out: asyncio.Queue[Msg] = asyncio.Queue()
        self._done: dict[str, asyncio.Future[Msg]] = {}
        self._iters: dict[str, list[tuple[str, bytes]]] = {}
        self._ready = asyncio.Event()
        self.history: dict[str, list[tuple[str, bytes, bool]]] = {}
        self.metadata: dict[tuple[str, str], dict[str, bytes]] = {}
        self.purged: list[tuple[str, str]] = []
        self.finished: set[str] = set()
        self.late_requests: list[tuple[str, str]] = []
        self.ended = asyncio.Event()  # the shim ended the stream
        self.refuse_types: set[int] = set()  # request types answered with ERROR

    async def run(self) -> None:
        self.channel = grpc.aio.insecure_channel(self.address)
        stub = chaincode_shim_pb2_grpc.ChaincodeStub(self.channel)

        async def outgoing():
            while True:
                yield await self._out.get()

        self.call = stub.Connect(outgoing())
        self._reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self._ready.wait(), 5)

    async def close(self) -> None:
        self.call.cancel()
        self._reader.cancel()
        await self.channel.close()

    async def _read(self) -> None:
        try:
            async for msg in self.call:
                await self._handle(msg)
        finally:
            self.ended.set()

    async def send_raw(self, msg: Msg) -> None:
        await self._out.put(msg)

    async def _handle(self, msg: Msg) -> None:
        t = msg.type
        self.requests.append((Msg.Type.Name(t), msg.txid))
        if t == Msg.REGISTER:
            self.registered_as = chaincode_pb2.ChaincodeID.FromString(msg.payload).name
            await self._out.put(Msg(type=Msg.REGISTERED))
            await self._out.put(Msg(type=Msg.READY))
            self._ready.set()
        elif t == Msg.KEEPALIVE:
            self.keepalives += 1
        elif t in (Msg.COMPLETED, Msg.ERROR) and msg.txid in self._done:
            self.finished.add(msg.txid)
            self._done.pop(msg.txid).set_result(msg)
        elif t in self.refuse_types:
            await self._reply(msg, Msg.ERROR, f"refused {Msg.Type.Name(t)}".encode())
        elif msg.txid in self.finished:
            self.late_requests.append((Msg.Type.Name(t), msg.txid))
            await self._reply(msg, Msg.ERROR, f"[{msg.txid}] no ledger context".encode())
        elif t in (Msg.GET_STATE, Msg.GET_PRIVATE_DATA_HASH):
            req = shim.GetState.FromString(msg.payload)
            await asyncio.sleep(0.001)  # let other transactions interleave
            if req.key in self.refuse:
                await self._reply(msg, Msg.ERROR, f"access denied to {req.key}".encode())
            else:
                value = self.state.get((req.collection, req.key), b"")
                if t == Msg.GET_PRIVATE_DATA_HASH:
                    import hashlib
                    value = hashlib.sha256(value).digest() if value else b""
                await self._reply(msg, Msg.RESPONSE, value)
        elif t == Msg.PUT_STATE:
            req = shim.PutState.FromString(msg.payload)
            self.state[(req.collection, req.key)] = req.value
            self.history.setdefault(req.key, []).append((msg.txid, req.value, False))
            await self._reply(msg, Msg.RESPONSE, b"")
        elif t in (Msg.DEL_STATE, Msg.PURGE_PRIVATE_DATA):
            req = shim.DelState.FromString(msg.payload)
            self.state.pop((req.collection, req.key), None)
            self.history.setdefault(req.key, []).append((msg.txid, b"", True))
            if t == Msg.PURGE_PRIVATE_DATA:
                self.purged.append((req.collection, req.key))
            await self._reply(msg, Msg.RESPONSE, b"")
        elif t == Msg.GET_STATE_BY_RANGE:
            req = shim.GetStateByRange.FromString(msg.payload)
            rows = sorted((k, v) for (c, k), v in self.state.items()
                          if c == req.collection and k >= req.startKey
                          and (not req.endKey or k < req.endKey))
            if req.metadata:
                md = shim.QueryMetadata.FromString(req.metadata)
                rows = [r for r in rows if r[0] >= md.bookmark]
                page, rest = rows[: md.pageSize], rows[md.pageSize:]
                resp = shim.QueryResponse(has_more=False, id="it-" + msg.txid,
                                          metadata=shim.QueryResponseMetadata(
                                              fetched_records_count=len(page),
                                              bookmark=rest[0][0] if rest else ""
                                          ).SerializeToString())
                for k, v in page:
                    resp.results.add(resultBytes=kv_query_result_pb2.KV(
                        namespace="carbon", key=k, value=v).SerializeToString())
                await self._reply(msg, Msg.RESPONSE, resp.SerializeToString())
                return
            self._iters[msg.txid] = rows
            await self._reply(msg, Msg.RESPONSE, self._page(msg.txid))
        elif t == Msg.GET_HISTORY_FOR_KEY:
            req = shim.GetHistoryForKey.FromString(msg.payload)
            resp = shim.QueryResponse(has_more=False, id="h-" + msg.txid)
            for txid, value, deleted in reversed(self.history.get(req.key, [])):
                km = kv_query_result_pb2.KeyModification(tx_id=txid, value=value,
                                                         is_delete=deleted)
                km.timestamp.seconds = 1_700_000_000
                resp.results.add(resultBytes=km.SerializeToString())
            await self._reply(msg, Msg.RESPONSE, resp.SerializeToString())
        elif t == Msg.GET_STATE_METADATA:
            req = shim.GetStateMetadata.FromString(msg.payload)
            res = shim.StateMetadataResult()
            for mk, mv in sorted(self.metadata.get((req.collection, req.key), {}).items()):
                res.entries.add(metakey=mk, value=mv)
            await self._reply(msg, Msg.RESPONSE, res.SerializeToString())
        elif t == Msg.PUT_STATE_METADATA:
            req = shim.PutStateMetadata.FromString(msg.payload)
            self.metadata.setdefault((req.collection, req.key), {})[req.metadata.metakey] = \
                req.metadata.value
            await self._reply(msg, Msg.RESPONSE, b"")
        elif t == Msg.QUERY_STATE_NEXT:
            await self._reply(msg, Msg.RESPONSE, self._page(msg.txid))
        elif t == Msg.QUERY_STATE_CLOSE:
            self._iters.pop(msg.txid, None)
            await self._reply(msg, Msg.RESPONSE, b"")

    def _page(self, txid: str) -> bytes:
        rows = self._iters[txid]
        page, self._iters[txid] = rows[: self.page_size], rows[self.page_size:]
        resp = shim.QueryResponse(has_more=bool(self._iters[txid]), id="it-" + txid)
        for k, v in page:
            kv = kv_query_result_pb2.KV(namespace="carbon", key=k, value=v)
            resp.results.add(resultBytes=kv.SerializeToString())
        return resp.SerializeToString()

    async def _reply(self, req: Msg, mtype: int, payload: bytes) -> None:
        await self._out.put(Msg(type=mtype, payload=payload, txid=req.txid,
                                channel_id=req.channel_id))

    async def keepalive(self) -> None:
        await self._out.put(Msg(type=Msg.KEEPALIVE))

    async def invoke(self, txid: str, *args: str | bytes,
                     proposal: proposal_pb2.SignedProposal | None = None,
                     decorations: dict[str, bytes] | None = None
                     ) -> tuple[proposal_response_pb2.Response, Msg]:
        done = await self.invoke_raw(txid, *args, proposal=proposal, decorations=decorations)
        assert done.type == Msg.COMPLETED, Msg.Type.Name(done.type)
        return proposal_response_pb2.Response.FromString(done.payload), done

    async def invoke_raw(self, txid: str, *args: str | bytes,
                         proposal: proposal_pb2.SignedProposal | None = None,
                         decorations: dict[str, bytes] | None = None) -> Msg:
        """The message that ends the transaction (COMPLETED or ERROR)."""
        fut: asyncio.Future[Msg] = asyncio.get_running_loop().create_future()
        self._done[txid] = fut
        inp = chaincode_pb2.ChaincodeInput(
            args=[a if isinstance(a, bytes) else a.encode() for a in args],
            decorations=decorations or {})
        msg = Msg(type=Msg.TRANSACTION, payload=inp.SerializeToString(), txid=txid,
                  channel_id="carbon")
        if proposal is not None:
            msg.proposal.CopyFrom(proposal)
        await self._out.put(msg)
        done = await asyncio.wait_for(fut, 5)
        await asyncio.sleep(0.05)  # let anything the shim sends after the end arrive
        return done
