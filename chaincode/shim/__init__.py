"""Our chaincode shim: the peer <-> chaincode protocol on the official protobuf bindings.

Why our own and not fabric-chaincode-python 2.5.4: against a real v2.5 peer
that package fails on concurrent transactions (parallel writes to one stream),
resolves the peer's ERROR replies as success, sends nothing back when a
transaction raises (the client waits 30 s), never sends chaincode events,
ignores the TLS environment, has no private data or transient data, gives no
certificate attributes, crashes the peer through invoke_chaincode, and logs
every message at INFO.  Those are defects of its handler's structure (no
single writer, no request/response correlation by txid), not of a few
functions, so an adapter over it would replace nearly all of it.  The
protocol itself is small (see _session.py), so this shim implements it on
``fabric_protos`` + ``grpc.aio`` and is unit-tested against a fake peer that
speaks the same protocol (tests/unit/chaincode), and integration-tested
against real peers.  Cross-chaincode invocation is deliberately absent.

Usage::

    from chaincode.shim import Contract, transaction, serve, Dispatcher

    class Hello(Contract):
        @transaction
        async def put(self, stub, key: str, value: str) -> str:
            await stub.put_state(key, value.encode())
            stub.set_event("put", value.encode())
            return value

    asyncio.run(serve("127.0.0.1:9999", package_id, Dispatcher(Hello())))
"""

from ._contract import Contract, ContractError, Dispatcher, encode_result, transaction
from ._identity import ClientIdentity, IdentityError
from ._server import serve
from ._session import ProtocolError, Session
from ._stub import PeerError, Stub

__all__ = [
    "ClientIdentity", "Contract", "ContractError", "Dispatcher", "IdentityError", "PeerError",
    "ProtocolError", "Session", "Stub", "encode_result", "serve", "transaction",
]
