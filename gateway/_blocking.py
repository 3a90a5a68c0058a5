"""The blocking API: Gateway, Network, Contract, ``connect`` and ``dial``.

A thin layer over the async core (:mod:`gateway.aio`): each call runs the same coroutine on
the process-wide loop thread. Safe to use from many threads at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import grpc
import grpc.aio
from fabric_protos.common import common_pb2
from fabric_protos.peer import events_pb2

from gateway import _client, _gateway, _network
from gateway._blocking_steps import (
    BlockEvents,
    BlockEventsRequest,
    ChaincodeEvents,
    ChaincodeEventsRequest,
    Commit,
    Proposal,
    SubmittedTransaction,
    Transaction,
)
from gateway._client import UNSET, Timeouts
from gateway._contract import Arg
from gateway._contract import Contract as _AioContract
from gateway._identity import Identity
from gateway._runner import LoopThread, default_runner
from gateway._signing import Hash, Signer, sha256

if TYPE_CHECKING:
    from gateway._checkpoint import Checkpoint

__all__ = ["Contract", "Gateway", "Network", "close_channel", "connect", "dial"]


class Contract:
    """Blocking contract; see :class:`gateway.aio.Contract` for the semantics."""

    def __init__(self, runner: LoopThread, aio: _AioContract) -> None:
        self._runner = runner
        self._aio = aio

    @property
    def chaincode_name(self) -> str:
        return self._aio.chaincode_name

    @property
    def contract_name(self) -> str | None:
        return self._aio.contract_name

    def new_proposal(
        self,
        transaction_name: str,
        args: Sequence[Arg] = (),
        *,
        transient: Mapping[str, Arg] | None = None,
        endorsing_organizations: Sequence[str] = (),
    ) -> Proposal:
        aio = self._aio.new_proposal(
            transaction_name,
            args,
            transient=transient,
            endorsing_organizations=endorsing_organizations,
        )
        return Proposal(self._runner, aio)

    def evaluate(
        self,
        transaction_name: str,
        args: Sequence[Arg] = (),
        *,
        transient: Mapping[str, Arg] | None = None,
        endorsing_organizations: Sequence[str] = (),
        timeout: float | None = UNSET,
    ) -> bytes:
        """Evaluate (query) a transaction on one peer; return its result."""
        return self._runner.run(
            self._aio.evaluate(
                transaction_name,
                args,
                transient=transient,
                endorsing_organizations=endorsing_organizations,
                timeout=timeout,
            )
        )

    def submit(
        self,
        transaction_name: str,
        args: Sequence[Arg] = (),
        *,
        transient: Mapping[str, Arg] | None = None,
        endorsing_organizations: Sequence[str] = (),
        endorse_timeout: float | None = UNSET,
        submit_timeout: float | None = UNSET,
        commit_status_timeout: float | None = UNSET,
    ) -> bytes:
        """Endorse, submit and wait for a valid commit; return the result.

        Raises EndorseError, SubmitError, CommitStatusError, or CommitError (invalid commit).
        """
        return self._runner.run(
            self._aio.submit(
                transaction_name,
                args,
                transient=transient,
                endorsing_organizations=endorsing_organizations,
                endorse_timeout=endorse_timeout,
                submit_timeout=submit_timeout,
                commit_status_timeout=commit_status_timeout,
            )
        )

    def submit_async(
        self,
        transaction_name: str,
        args: Sequence[Arg] = (),
        *,
        transient: Mapping[str, Arg] | None = None,
        endorsing_organizations: Sequence[str] = (),
        endorse_timeout: float | None = UNSET,
        submit_timeout: float | None = UNSET,
    ) -> SubmittedTransaction:
        """Endorse and submit; return the result and a commit handle without waiting."""
        aio = self._runner.run(
            self._aio.submit_async(
                transaction_name,
                args,
                transient=transient,
                endorsing_organizations=endorsing_organizations,
                endorse_timeout=endorse_timeout,
                submit_timeout=submit_timeout,
            )
        )
        return SubmittedTransaction(self._runner, aio)

    def evaluate_transaction(self, transaction_name: str, *args: Arg) -> bytes:
        return self.evaluate(transaction_name, args)

    def submit_transaction(self, transaction_name: str, *args: Arg) -> bytes:
        return self.submit(transaction_name, args)

    def __repr__(self) -> str:
        return repr(self._aio)


class Network:
    """Blocking network (channel); see :class:`gateway.aio.Network`."""

    def __init__(self, runner: LoopThread, aio: _network.Network) -> None:
        self._runner = runner
        self._aio = aio

    @property
    def name(self) -> str:
        return self._aio.name

    def get_contract(self, chaincode_name: str, contract_name: str | None = None) -> Contract:
        return Contract(self._runner, self._aio.get_contract(chaincode_name, contract_name))

    def new_chaincode_events_request(
        self,
        chaincode_name: str,
        *,
        start_block: int | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> ChaincodeEventsRequest:
        aio = self._aio.new_chaincode_events_request(
            chaincode_name, start_block=start_block, checkpoint=checkpoint
        )
        return ChaincodeEventsRequest(self._runner, aio)

    def chaincode_events(
        self,
        chaincode_name: str,
        *,
        start_block: int | None = None,
        checkpoint: Checkpoint | None = None,
        timeout: float | None = UNSET,
    ) -> ChaincodeEvents:
        request = self.new_chaincode_events_request(
            chaincode_name, start_block=start_block, checkpoint=checkpoint
        )
        return request.events(timeout=timeout)

    def new_block_events_request(
        self,
        kind: str = "block",
        *,
        start_block: int | None = None,
        checkpoint: Checkpoint | None = None,
        tls_cert_hash: bytes | None = None,
    ) -> BlockEventsRequest[Any]:
        aio = self._aio.new_block_events_request(
            kind, start_block=start_block, checkpoint=checkpoint, tls_cert_hash=tls_cert_hash
        )
        return BlockEventsRequest(self._runner, aio)

    def _blocks(self, kind: str, start_block: int | None, checkpoint: Any, timeout: Any) -> Any:
        request = self.new_block_events_request(
            kind, start_block=start_block, checkpoint=checkpoint
        )
        return request.events(timeout=timeout)

    def block_events(
        self,
        *,
        start_block: int | None = None,
        checkpoint: Checkpoint | None = None,
        timeout: float | None = UNSET,
    ) -> BlockEvents[common_pb2.Block]:
        return self._blocks("block", start_block, checkpoint, timeout)

    def filtered_block_events(
        self,
        *,
        start_block: int | None = None,
        checkpoint: Checkpoint | None = None,
        timeout: float | None = UNSET,
    ) -> BlockEvents[events_pb2.FilteredBlock]:
        return self._blocks("filtered", start_block, checkpoint, timeout)

    def block_and_private_data_events(
        self,
        *,
        start_block: int | None = None,
        checkpoint: Checkpoint | None = None,
        timeout: float | None = UNSET,
    ) -> BlockEvents[events_pb2.BlockAndPrivateData]:
        return self._blocks("private", start_block, checkpoint, timeout)

    def __repr__(self) -> str:
        return repr(self._aio)


class Gateway:
    """Blocking gateway; see :class:`gateway.aio.Gateway`. Use as a context manager."""

    def __init__(self, runner: LoopThread, aio: _gateway.Gateway) -> None:
        self._runner = runner
        self._aio = aio

    @property
    def aio(self) -> _gateway.Gateway:
        """The async gateway underneath (for code running on the gateway loop)."""
        return self._aio

    @property
    def identity(self) -> Identity:
        return self._aio.identity

    @property
    def channel(self) -> grpc.aio.Channel:
        return self._aio.channel

    def get_network(self, channel_name: str) -> Network:
        return Network(self._runner, self._aio.get_network(channel_name))

    def new_signed_proposal(self, proposal_bytes: bytes, signature: bytes) -> Proposal:
        return Proposal(self._runner, self._aio.new_signed_proposal(proposal_bytes, signature))

    def new_signed_transaction(self, transaction_bytes: bytes, signature: bytes) -> Transaction:
        aio = self._aio.new_signed_transaction(transaction_bytes, signature)
        return Transaction(self._runner, aio)

    def new_signed_commit(self, commit_bytes: bytes, signature: bytes) -> Commit:
        return Commit(self._runner, self._aio.new_signed_commit(commit_bytes, signature))

    def new_signed_chaincode_events_request(
        self, request_bytes: bytes, signature: bytes
    ) -> ChaincodeEventsRequest:
        aio = self._aio.new_signed_chaincode_events_request(request_bytes, signature)
        return ChaincodeEventsRequest(self._runner, aio)

    def new_signed_block_events_request(
        self, request_bytes: bytes, signature: bytes, kind: str = "block"
    ) -> BlockEventsRequest[Any]:
        aio = self._aio.new_signed_block_events_request(request_bytes, signature, kind)
        return BlockEventsRequest(self._runner, aio)

    @property
    def closed(self) -> bool:
        return self._aio.closed

    @property
    def tls_cert_hash(self) -> bytes:
        return self._aio.tls_cert_hash

    def close(self) -> None:
        """End this gateway's streams and calls; see :meth:`gateway.aio.Gateway.close`."""
        self._runner.run(self._aio.close())

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return repr(self._aio)


def dial(
    endpoint: str,
    *,
    tls_root_certificates: bytes | None = None,
    server_name: str | None = None,
    insecure: bool = False,
    **kw: Any,
) -> grpc.aio.Channel:
    """A channel for the blocking API, created on its loop; share it among gateways.

    Close it with ``gateway.close_channel(channel)`` when no gateway needs it any more.
    """
    return default_runner().call(
        lambda: _client.dial(
            endpoint,
            tls_root_certificates=tls_root_certificates,
            server_name=server_name,
            insecure=insecure,
            **kw,
        )
    )


def close_channel(channel: grpc.aio.Channel) -> None:
    """Close a channel made by :func:`dial`."""
    default_runner().run_awaitable(channel.close)


def connect(
    client: grpc.aio.Channel | str,
    identity: Identity,
    signer: Signer | None = None,
    *,
    hash: Hash = sha256,
    timeouts: Timeouts | None = None,
    tls_root_certificates: bytes | None = None,
    server_name: str | None = None,
    insecure: bool = False,
    client_certificate: bytes | None = None,
    client_key: bytes | None = None,
    tls_client_certificate_hash: bytes | None = None,
) -> Gateway:
    """Connect ``identity`` to a peer's Gateway (blocking API).

    ``client`` is an endpoint ``host:port`` (dialled with ``tls_root_certificates`` and
    ``server_name``, closed with the gateway) or a channel from :func:`dial`, shared.
    Mutual TLS: see :func:`gateway.aio.connect`.
    """
    runner = default_runner()
    aio = runner.call(
        lambda: _gateway.connect(
            client,
            identity,
            signer,
            hash=hash,
            timeouts=timeouts,
            tls_root_certificates=tls_root_certificates,
            server_name=server_name,
            insecure=insecure,
            client_certificate=client_certificate,
            client_key=client_key,
            tls_client_certificate_hash=tls_client_certificate_hash,
        )
    )
    return Gateway(runner, aio)
