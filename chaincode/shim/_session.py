"""One Connect stream between a peer and this chaincode server.

Protocol (peer <-> chaincode, fabric-protos peer/chaincode_shim.proto): the
chaincode sends REGISTER (its package id); the peer answers REGISTERED then
READY; then the peer sends INIT/TRANSACTION messages, and for each the
chaincode sends state requests (GET_STATE, PUT_STATE, ...) tagged with channel
and txid, each answered by RESPONSE or ERROR, and ends with COMPLETED (a
peer.Response, status 200 or an error status, plus the chaincode event).
KEEPALIVE messages are echoed.  Any other message the protocol does not allow
in the current state is answered with ERROR and ends the stream, as the Go
shim's handler does (the peer then re-dials a fresh, well-defined session).

Before a transaction's COMPLETED, every query iterator the contract left open
is closed (QUERY_STATE_CLOSE), while the peer still holds its ledger context.
A proposal that does not parse or is not an endorser transaction is answered
with ERROR for that transaction, as Go's shim does.

Each transaction runs in its own task; every outgoing message goes through one
queue drained by the stream's writer, so concurrent transactions never write
to the stream at the same time (the pinned fabric-chaincode-python did, and
failed with GRPC_CALL_ERROR_TOO_MANY_OPERATIONS).  An exception in a
transaction is answered at once as status 500 with its message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from fabric_protos.peer import chaincode_pb2, proposal_response_pb2
from google.protobuf.message import DecodeError

from ._errors import ContractError, PeerError
from ._proposal import ProposalError, parse
from ._stub import Stub

log = logging.getLogger("chaincode.shim")
from fabric_protos.peer.chaincode_shim_pb2 import ChaincodeMessage as Msg  # noqa: E402

Handler = Callable[[Stub], Awaitable[bytes]]


def _wire_text(text: str) -> str:
    """text as a protobuf string field takes it: a lone surrogate (a JSON escape such as
    "\\ud800" that an argument parsed into, then quoted by an error message) is written as
    its escape.  Without this, building the Response raised inside the error handler and the
    transaction was never answered: the peer waited for its execute timeout."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class ProtocolError(RuntimeError):
    pass


class Session:
    registrations = 0  # streams that reached READY in this process (evidence of reconnects)

    def __init__(self, cc_id: str, handler: Handler, peer: str = "") -> None:
        self.peer = peer
        self.cc_id = cc_id
        self.handler = handler
        self.out: asyncio.Queue[Msg | None] = asyncio.Queue()
        self.pending: dict[tuple[str, str], asyncio.Future[Msg]] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.state = "created"

    def send(self, msg: Msg) -> None:
        self.out.put_nowait(msg)

    async def request(self, mtype: int, payload: bytes, channel: str, txid: str) -> Msg:
        key = (channel, txid)
        if key in self.pending:
            raise ProtocolError(f"tx {txid[:12]} already has a request outstanding")
        fut: asyncio.Future[Msg] = asyncio.get_running_loop().create_future()
        self.pending[key] = fut
        self.send(Msg(type=mtype, payload=payload, txid=txid, channel_id=channel))
        try:
            return await fut
        finally:
            self.pending.pop(key, None)

    async def outgoing(self, incoming: AsyncIterator[Msg]) -> AsyncIterator[Msg]:
        """Drive the session: yields what to write while a task reads what arrives."""
        self.send(Msg(type=Msg.REGISTER,
                      payload=chaincode_pb2.ChaincodeID(name=self.cc_id).SerializeToString()))
        reader = asyncio.create_task(self._read(incoming))
        try:
            while True:
                msg = await self.out.get()
                if msg is None:
                    break
                yield msg
        finally:
            if self.state in ("ready", "ended"):
                log.info("peer stream closed: %s (was %s)", self.peer or "peer", self.state)
            reader.cancel()
            for t in list(self.tasks):
                t.cancel()
            for fut in self.pending.values():
                if not fut.done():
                    fut.set_exception(ProtocolError("the peer stream closed"))

    async def _read(self, incoming: AsyncIterator[Msg]) -> None:
        try:
            async for msg in incoming:
                self._dispatch(msg)
        except Exception as exc:  # the stream broke: end the session
            log.warning("stream from peer ended: %s", exc)
        finally:
            self.out.put_nowait(None)

    def _dispatch(self, msg: Msg) -> None:
        t = msg.type
        if self.state == "ended":
            return
        if t == Msg.KEEPALIVE:
            self.send(msg)
        elif self.state == "created" and t == Msg.REGISTERED:
            self.state = "established"
        elif self.state == "established" and t == Msg.READY:
            self.state = "ready"
            Session.registrations += 1
            log.info("peer stream registered: %s as %s (registration %d of this server)",
                     self.peer or "peer", self.cc_id, Session.registrations)
        elif self.state == "ready" and t in (Msg.TRANSACTION, Msg.INIT):
            task = asyncio.create_task(self._run(msg))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        elif self.state == "ready" and t in (Msg.RESPONSE, Msg.ERROR):
            fut = self.pending.get((msg.channel_id, msg.txid))
            if fut is None or fut.done():
                log.warning("reply %s for tx %s with nothing waiting", Msg.Type.Name(t),
                            msg.txid[:12])
            else:
                fut.set_result(msg)
        else:
            name = Msg.Type.Name(t) if t in Msg.Type.values() else str(t)
            log.error("unexpected %s (tx %s) in state %s: ending the stream", name,
                      msg.txid[:12], self.state)
            self.send(Msg(type=Msg.ERROR, txid=msg.txid, channel_id=msg.channel_id,
                          payload=f"chaincode cannot handle {name} in state "
                                  f"{self.state}".encode()))
            self.state = "ended"
            self.out.put_nowait(None)

    async def _run(self, msg: Msg) -> None:
        txid, channel = msg.txid, msg.channel_id
        stub: Stub | None = None
        try:
            inp = chaincode_pb2.ChaincodeInput.FromString(msg.payload)
            info = parse(txid, msg.proposal if msg.HasField("proposal") else None)
        except (ProposalError, DecodeError) as exc:
            log.warning("tx %s refused: %s", txid[:12], exc)
            self.send(Msg(type=Msg.ERROR, payload=str(exc).encode(), txid=txid,
                          channel_id=channel))
            return
        try:
            stub = Stub(self.request, channel, txid, list(inp.args), info,
                        dict(inp.decorations))
            log.debug("tx %s %s", txid[:12], stub.function)
            payload = await self.handler(stub)
            resp = proposal_response_pb2.Response(status=200, payload=payload)
        except ContractError as exc:
            resp = proposal_response_pb2.Response(status=exc.status,
                                                  message=_wire_text(str(exc)))
        except PeerError as exc:
            resp = proposal_response_pb2.Response(status=500, message=_wire_text(str(exc)))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # the message can carry keys or arguments: only its type at WARNING (the client
            # gets the message in the response)
            log.warning("tx %s failed: %s", txid[:12], type(exc).__name__)
            log.debug("tx %s failure message: %s", txid[:12], exc)
            resp = proposal_response_pb2.Response(
                status=500, message=_wire_text(f"{type(exc).__name__}: {exc}"))
        if stub is not None and stub.open_iterators:
            try:
                await stub.close_open_iterators()
            except (PeerError, ProtocolError) as exc:
                # the result stands: the peer drops its iterators at COMPLETED anyway
                log.warning("tx %s: closing a query iterator failed: %s", txid[:12],
                            type(exc).__name__)
        out = Msg(type=Msg.COMPLETED, payload=resp.SerializeToString(), txid=txid,
                  channel_id=channel)
        if stub is not None and stub.event is not None and resp.status < 400:
            out.chaincode_event.CopyFrom(stub.event)
        self.send(out)
