"""carbontrust's Python Fabric Gateway client, shaped like the official fabric-gateway.

``connect(endpoint | channel, identity, signer)`` -> :class:`Gateway` ->
``get_network(channel)`` -> ``get_contract(chaincode)``; ``evaluate``, ``submit`` and
``submit_async`` are thin over ``new_proposal -> endorse -> submit -> status``. This module
is the blocking API; :mod:`gateway.aio` is the asyncio API. Both are one definition: the
blocking modules are generated from the async ones (:mod:`gateway._codegen`).

Example::

    from gateway import FileCheckpointer, connect, load_identity, load_private_key_signer

    identity = load_identity("PowerMSP", "User1@power-cert.pem")
    signer = load_private_key_signer("keystore/priv_sk")
    tls_ca = open("tlsca.pem", "rb").read()
    with connect("127.0.0.1:7051", identity, signer, tls_root_certificates=tls_ca) as gw:
        network = gw.get_network("carbon")
        contract = network.get_contract("carbon")
        contract.submit("put", ["meter-1", "42"])            # waits for a valid commit
        print(contract.evaluate("get", ["meter-1"]))          # b"42"

        commit = contract.submit_async("increment", ["n"])    # result now, commit later
        print(commit.result, commit.status().code_name, commit.block_number)

        proposal = contract.new_proposal("put", ["k", "v"])   # offline signing
        proposal = gw.new_signed_proposal(proposal.bytes, hsm_sign(proposal.digest))
        transaction = proposal.endorse()
        ...

        checkpointer = FileCheckpointer("events.json")        # resume exactly once
        with network.chaincode_events("carbon", checkpoint=checkpointer) as events:
            for event in events:
                handle(event)
                checkpointer.checkpoint_chaincode_event(event)

Errors: :class:`EndorseError`, :class:`SubmitError`, :class:`CommitStatusError` (each a
:class:`GatewayError` with ``code``, ``transaction_id`` and per-peer ``details``) and
:class:`CommitError` (``code_name`` such as ``MVCC_READ_CONFLICT``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# The names below are loaded on first use (PEP 562), not at ``import gateway``: the client
# pulls in grpc, the Fabric protos and cryptography (about 250 ms), and subpackages that
# must start fast (``gateway.cli``: ``carbontrust --help``) import this package first.
if TYPE_CHECKING:
    from gateway._checkpoint import Checkpoint, Checkpointer, FileCheckpointer, InMemoryCheckpointer
    from gateway._errors import (
        BlockEventsError,
        ChaincodeEventsError,
        CommitError,
        CommitStatusError,
        EndorseError,
        ErrorDetail,
        EvaluateError,
        GatewayClosedError,
        GatewayError,
        SubmitError,
    )
    from gateway._event_types import ChaincodeEvent
    from gateway._identity import Identity, load_identity
    from gateway._pkcs11 import HSMError, HSMSigner, HSMSignerFactory
    from gateway._profile import connect_with_profile, load_profile, profile_identity
    from gateway._signing import (
        Hash,
        MissingSignerError,
        Signer,
        load_private_key_signer,
        new_private_key_signer,
        none,
        sha3_256,
        sha3_384,
        sha256,
        sha384,
    )
    from gateway._status import Status
    from gateway._sync._blocks import BlockEvents, BlockEventsRequest
    from gateway._sync._client import close_channel, dial
    from gateway._sync._commit import Commit, SubmittedTransaction
    from gateway._sync._contract import Contract
    from gateway._sync._events import ChaincodeEvents, ChaincodeEventsRequest
    from gateway._sync._gateway import Gateway, connect
    from gateway._sync._network import Network
    from gateway._sync._proposal import Proposal, Transaction
    from gateway._transport import Timeouts, tls_certificate_hash

_EXPORTS: dict[str, str] = {
    "BlockEvents": "gateway._sync._blocks",
    "BlockEventsError": "gateway._errors",
    "BlockEventsRequest": "gateway._sync._blocks",
    "ChaincodeEvent": "gateway._event_types",
    "ChaincodeEvents": "gateway._sync._events",
    "ChaincodeEventsError": "gateway._errors",
    "ChaincodeEventsRequest": "gateway._sync._events",
    "Checkpoint": "gateway._checkpoint",
    "Checkpointer": "gateway._checkpoint",
    "Commit": "gateway._sync._commit",
    "CommitError": "gateway._errors",
    "CommitStatusError": "gateway._errors",
    "Contract": "gateway._sync._contract",
    "EndorseError": "gateway._errors",
    "ErrorDetail": "gateway._errors",
    "EvaluateError": "gateway._errors",
    "FileCheckpointer": "gateway._checkpoint",
    "Gateway": "gateway._sync._gateway",
    "GatewayClosedError": "gateway._errors",
    "GatewayError": "gateway._errors",
    "HSMError": "gateway._pkcs11",
    "HSMSigner": "gateway._pkcs11",
    "HSMSignerFactory": "gateway._pkcs11",
    "Hash": "gateway._signing",
    "Identity": "gateway._identity",
    "InMemoryCheckpointer": "gateway._checkpoint",
    "MissingSignerError": "gateway._signing",
    "Network": "gateway._sync._network",
    "Proposal": "gateway._sync._proposal",
    "Signer": "gateway._signing",
    "Status": "gateway._status",
    "SubmitError": "gateway._errors",
    "SubmittedTransaction": "gateway._sync._commit",
    "Timeouts": "gateway._transport",
    "Transaction": "gateway._sync._proposal",
    "close_channel": "gateway._sync._client",
    "connect": "gateway._sync._gateway",
    "connect_with_profile": "gateway._profile",
    "dial": "gateway._sync._client",
    "load_identity": "gateway._identity",
    "load_private_key_signer": "gateway._signing",
    "load_profile": "gateway._profile",
    "new_private_key_signer": "gateway._signing",
    "none": "gateway._signing",
    "profile_identity": "gateway._profile",
    "sha256": "gateway._signing",
    "sha384": "gateway._signing",
    "sha3_256": "gateway._signing",
    "sha3_384": "gateway._signing",
    "tls_certificate_hash": "gateway._transport",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'gateway' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = [
    "BlockEvents",
    "BlockEventsError",
    "BlockEventsRequest",
    "ChaincodeEvent",
    "ChaincodeEvents",
    "ChaincodeEventsError",
    "ChaincodeEventsRequest",
    "Checkpoint",
    "Checkpointer",
    "Commit",
    "CommitError",
    "CommitStatusError",
    "Contract",
    "EndorseError",
    "ErrorDetail",
    "EvaluateError",
    "FileCheckpointer",
    "Gateway",
    "GatewayClosedError",
    "GatewayError",
    "HSMError",
    "HSMSigner",
    "HSMSignerFactory",
    "Hash",
    "Identity",
    "InMemoryCheckpointer",
    "MissingSignerError",
    "Network",
    "Proposal",
    "Signer",
    "Status",
    "SubmitError",
    "SubmittedTransaction",
    "Timeouts",
    "Transaction",
    "close_channel",
    "connect",
    "connect_with_profile",
    "dial",
    "load_identity",
    "load_private_key_signer",
    "load_profile",
    "new_private_key_signer",
    "none",
    "profile_identity",
    "sha256",
    "tls_certificate_hash",
    "sha384",
    "sha3_256",
    "sha3_384",
]
