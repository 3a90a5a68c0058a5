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

from ._contract import Contract, Dispatcher, encode_result, transaction
from ._errors import ArgumentError, ContractError, PeerError
from ._identity import ClientIdentity, IdentityError
from ._iterators import KeyModification, PageMetadata, QueryIterator
from ._keys import CompositeKey, InvalidKeyError, create_composite_key, split_composite_key
from ._policy import VALIDATION_PARAMETER, key_endorsement_policy, policy_orgs
from ._proposal import ProposalError
from ._server import Keepalive, serve
from ._session import ProtocolError, Session
from ._stub import Stub

__all__ = [
    "VALIDATION_PARAMETER", "ArgumentError", "ClientIdentity", "CompositeKey", "Contract",
    "ContractError", "Dispatcher", "IdentityError", "InvalidKeyError", "Keepalive",
    "KeyModification", "PageMetadata", "PeerError", "ProposalError", "ProtocolError",
    "QueryIterator", "Session", "Stub", "create_composite_key", "encode_result",
    "key_endorsement_policy", "policy_orgs", "serve", "split_composite_key", "transaction",
]
