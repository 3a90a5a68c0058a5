# GENERATED from gateway/_gateway.py by `python -m gateway._codegen` (unasync): do not edit;
# change the async source and regenerate.
"""Gateway: one peer's Gateway service for one identity (async source of both APIs)."""

# The blocking API (gateway/_sync/_gateway.py) is generated from this file: after editing it,
# run `python -m gateway._codegen` (tests/unit/gateway/test_codegen.py checks).

from __future__ import annotations

from typing import Any

from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2

from gateway._identity import Identity
from gateway._signing import Hash, Signer, SigningIdentity, sha256
from gateway._transport import Timeouts, tls_certificate_hash

from ._blocks import BlockEventsRequest
from ._client import Channel, GatewayClient, open_channel
from ._commit import Commit
from ._events import ChaincodeEventsRequest
from ._network import Network
from ._proposal import Proposal, Transaction, channel_of_proposal

__all__ = ["Gateway", "connect"]


class Gateway:
    """Entry point: ``get_network(channel)``; rebuild offline-signed requests; close."""

    def __init__(
        self,
        client: GatewayClient,
        signing: SigningIdentity,
        *,
        owns_channel: bool = False,
    ) -> None:
        self._client = client
        self._signing = signing
        self._owns_channel = owns_channel
        self._closed = False

    @property
    def identity(self) -> Identity:
        return self._signing.identity

    @property
    def channel(self) -> Channel:
        """The grpc channel (share it with other gateways by passing it to ``connect``)."""
        return self._client.channel

    @property
    def timeouts(self) -> Timeouts:
        return self._client.timeouts

    def get_network(self, channel_name: str) -> Network:
        return Network(self._client, self._signing, channel_name)

    # -- offline signing: rebuild a request from its bytes plus a signature made elsewhere --

    def new_signed_proposal(self, proposal_bytes: bytes, signature: bytes) -> Proposal:
        proposed = gateway_pb2.ProposedTransaction.FromString(proposal_bytes)
        proposal = Proposal(self._client, self._signing, channel_of_proposal(proposed), proposed)
        proposal._set_signature(signature)
        return proposal

    def new_signed_transaction(self, transaction_bytes: bytes, signature: bytes) -> Transaction:
        prepared = gateway_pb2.PreparedTransaction.FromString(transaction_bytes)
        transaction = Transaction(self._client, self._signing, prepared)
        transaction._set_signature(signature)
        return transaction

    def new_signed_commit(self, commit_bytes: bytes, signature: bytes) -> Commit:
        signed = gateway_pb2.SignedCommitStatusRequest.FromString(commit_bytes)
        txid = gateway_pb2.CommitStatusRequest.FromString(signed.request).transaction_id
        commit = Commit(self._client, self._signing, txid, signed)
        commit._set_signature(signature)
        return commit

    def new_signed_chaincode_events_request(
        self, request_bytes: bytes, signature: bytes
    ) -> ChaincodeEventsRequest:
        signed = gateway_pb2.SignedChaincodeEventsRequest.FromString(request_bytes)
        request = ChaincodeEventsRequest(self._client, self._signing, signed)
        request._set_signature(signature)
        return request

    def new_signed_block_events_request(
        self, request_bytes: bytes, signature: bytes, kind: str = "block"
    ) -> BlockEventsRequest[Any]:
        envelope = common_pb2.Envelope.FromString(request_bytes)
        request: BlockEventsRequest[Any] = BlockEventsRequest(
            self._client, self._signing, envelope, kind
        )
        request._set_signature(signature)
        return request

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._client.closed

    @property
    def tls_cert_hash(self) -> bytes:
        """SHA-256 of the client TLS certificate (empty without mutual TLS)."""
        return self._client.tls_cert_hash

    def close(self) -> None:
        """End everything this gateway opened: its event streams stop, calls in flight are
        cancelled, and any later call raises :class:`GatewayClosedError`. The channel is
        closed too if this gateway dialled it; a shared channel stays open for others."""
        if not self._closed:
            self._closed = True
            self._client.close(close_channel=self._owns_channel)

    def __enter__(self) -> Gateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Gateway {self._signing.identity.msp_id}>"


def connect(
    client: Channel | str,
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
    """Connect ``identity`` to a peer's Gateway.

    ``client`` is a shared channel from ``dial`` (left open on close) or an endpoint
    ``host:port`` dialled here with ``tls_root_certificates`` / ``server_name`` (closed with
    the gateway). Without ``signer`` every request must be signed offline.

    Mutual TLS: ``client_certificate`` and ``client_key`` (PEM) are presented to the peer
    when dialling an endpoint, and the certificate's SHA-256 goes into block event
    requests. Over a shared channel dialled with a client certificate, pass
    ``tls_client_certificate_hash`` (:func:`tls_certificate_hash` of that certificate),
    as with the official clients' option of the same name.
    """
    if (client_certificate is None) != (client_key is None):
        raise ValueError("mutual TLS needs both client_certificate and client_key")
    if client_certificate is not None and not isinstance(client, str):
        raise ValueError(
            "client_certificate/client_key apply when dialling an endpoint; pass them to "
            "dial() for a shared channel (and tls_client_certificate_hash here)"
        )
    channel, owns = open_channel(
        client,
        tls_root_certificates=tls_root_certificates,
        server_name=server_name,
        insecure=insecure,
        client_certificate=client_certificate,
        client_key=client_key,
    )
    if client_certificate is not None and tls_client_certificate_hash is None:
        tls_client_certificate_hash = tls_certificate_hash(client_certificate)
    signing = SigningIdentity(identity, signer, hash)
    transport = GatewayClient(channel, timeouts, tls_client_certificate_hash or b"")
    return Gateway(transport, signing, owns_channel=owns)
