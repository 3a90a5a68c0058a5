"""Network: one channel; contracts and event streams on it (async source of both APIs)."""

# The blocking API (gateway/_sync/_network.py) is generated from this file: after editing it,
# run `python -m gateway._codegen` (tests/unit/gateway/test_codegen.py checks).

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fabric_protos.common import common_pb2
from fabric_protos.peer import events_pb2

from gateway._builders import build_block_events_envelope, build_chaincode_events_request
from gateway._event_types import resolve_start
from gateway._signing import SigningIdentity

from ._blocks import BlockEvents, BlockEventsRequest
from ._client import UNSET, GatewayClient
from ._contract import Contract
from ._events import ChaincodeEvents, ChaincodeEventsRequest

if TYPE_CHECKING:
    from gateway._checkpoint import Checkpoint

__all__ = ["Network"]


class Network:
    """A channel as seen through the gateway peer."""

    def __init__(self, client: GatewayClient, signing: SigningIdentity, name: str) -> None:
        self._client = client
        self._signing = signing
        self.name = name

    def get_contract(self, chaincode_name: str, contract_name: str | None = None) -> Contract:
        return Contract(self._client, self._signing, self.name, chaincode_name, contract_name)

    # -- chaincode events -------------------------------------------------------------

    def new_chaincode_events_request(
        self,
        chaincode_name: str,
        *,
        start_block: int | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> ChaincodeEventsRequest:
        """An events request to sign offline or open with ``events()``."""
        start, after = resolve_start(start_block, checkpoint)
        signed = build_chaincode_events_request(
            creator=self._signing.creator,
            channel=self.name,
            chaincode=chaincode_name,
            start_block=start,
            after_transaction_id=after,
        )
        return ChaincodeEventsRequest(self._client, self._signing, signed)

    def chaincode_events(
        self,
        chaincode_name: str,
        *,
        start_block: int | None = None,
        checkpoint: Checkpoint | None = None,
        timeout: float | None = UNSET,
    ) -> ChaincodeEvents:
        """Events of ``chaincode_name`` from ``start_block``, a checkpoint, or the next commit.

        Use as ``async with network.chaincode_events(...) as events: async for e in events``;
        the stream opens on entry (or first iteration, or ``await``).
        """
        request = self.new_chaincode_events_request(
            chaincode_name, start_block=start_block, checkpoint=checkpoint
        )
        return request.events(timeout=timeout)

    # -- block events -----------------------------------------------------------------

    def new_block_events_request(
        self,
        kind: str = "block",
        *,
        start_block: int | None = None,
        checkpoint: Checkpoint | None = None,
        tls_cert_hash: bytes | None = None,
    ) -> BlockEventsRequest[Any]:
        """A Deliver request; ``kind`` is ``block``, ``filtered`` or ``private``.

        ``tls_cert_hash`` (default: the gateway's, from its client TLS certificate) binds
        the request to the TLS session; a peer requiring mutual TLS refuses a mismatch.
        """
        start, _ = resolve_start(start_block, checkpoint)
        envelope = build_block_events_envelope(
            creator=self._signing.creator,
            channel=self.name,
            start_block=start,
            tls_cert_hash=self._client.tls_cert_hash if tls_cert_hash is None else tls_cert_hash,
        )
        return BlockEventsRequest(self._client, self._signing, envelope, kind)

    def block_events(
        self,
        *,
        start_block: int | None = None,
        checkpoint: Checkpoint | None = None,
        timeout: float | None = UNSET,
    ) -> BlockEvents[common_pb2.Block]:
        request = self.new_block_events_request(
            "block", start_block=start_block, checkpoint=checkpoint
        )
        return request.events(timeout=timeout)

    def filtered_block_events(
        self,
        *,
        start_block: int | None = None,
        checkpoint: Checkpoint | None = None,
        timeout: float | None = UNSET,
    ) -> BlockEvents[events_pb2.FilteredBlock]:
        request = self.new_block_events_request(
            "filtered", start_block=start_block, checkpoint=checkpoint
        )
        return request.events(timeout=timeout)

    def block_and_private_data_events(
        self,
        *,
        start_block: int | None = None,
        checkpoint: Checkpoint | None = None,
        timeout: float | None = UNSET,
    ) -> BlockEvents[events_pb2.BlockAndPrivateData]:
        request = self.new_block_events_request(
            "private", start_block=start_block, checkpoint=checkpoint
        )
        return request.events(timeout=timeout)

    def __repr__(self) -> str:
        return f"<Network {self.name}>"
