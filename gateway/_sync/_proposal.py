# GENERATED from gateway/_proposal.py by `python -m gateway._codegen` (unasync): do not edit;
# change the async source and regenerate.
"""Proposal and Transaction: the explicit steps ``evaluate`` / ``endorse`` -> ``submit``.

Each step signs its message with the gateway's signer unless a signature was attached
offline (``Gateway.new_signed_proposal`` / ``new_signed_transaction``), so a caller can do
any step elsewhere or retry one step.
"""

# The blocking API (gateway/_sync/_proposal.py) is generated from this file: after editing it,
# run `python -m gateway._codegen` (tests/unit/gateway/test_codegen.py checks).

from __future__ import annotations

import builtins

from fabric_protos.common import common_pb2
from fabric_protos.gateway import gateway_pb2
from fabric_protos.peer import proposal_pb2

from gateway._builders import build_commit_status_request, channel_and_result
from gateway._signing import SigningIdentity

from ._client import UNSET, GatewayClient, sign
from ._commit import SubmittedTransaction

__all__ = ["Proposal", "Transaction", "channel_of_proposal"]


def channel_of_proposal(proposed: gateway_pb2.ProposedTransaction) -> str:
    proposal = proposal_pb2.Proposal.FromString(proposed.proposal.proposal_bytes)
    header = common_pb2.Header.FromString(proposal.header)
    return str(common_pb2.ChannelHeader.FromString(header.channel_header).channel_id)


class Proposal:
    """A transaction proposal, to evaluate (query) or endorse (then submit)."""

    def __init__(
        self,
        client: GatewayClient,
        signing: SigningIdentity,
        channel: str,
        proposed: gateway_pb2.ProposedTransaction,
    ) -> None:
        self._client = client
        self._signing = signing
        self._channel = channel
        self._proposed = proposed

    @property
    def transaction_id(self) -> str:
        return str(self._proposed.transaction_id)

    @property
    def bytes(self) -> builtins.bytes:
        """Serialized ``gateway.ProposedTransaction`` (for offline signing or transfer)."""
        return bytes(self._proposed.SerializeToString())

    @property
    def digest(self) -> builtins.bytes:
        """What the signer signs: the hash of the proposal bytes."""
        return self._signing.hash(self._proposed.proposal.proposal_bytes)

    @property
    def endorsing_organizations(self) -> list[str]:
        return list(self._proposed.endorsing_organizations)

    def _set_signature(self, signature: builtins.bytes) -> None:
        self._proposed.proposal.signature = signature

    def _sign(self) -> None:
        if not self._proposed.proposal.signature:
            self._set_signature(sign(self._signing, self.digest))

    def __repr__(self) -> str:
        signed = "signed" if self._proposed.proposal.signature else "unsigned"
        return f"<Proposal {self.transaction_id} on {self._channel}, {signed}>"

    def evaluate(self, *, timeout: float | None = UNSET) -> builtins.bytes:
        """Run the transaction on one peer without ordering it; return its result."""
        self._sign()
        request = gateway_pb2.EvaluateRequest(
            transaction_id=self._proposed.transaction_id,
            channel_id=self._channel,
            proposed_transaction=self._proposed.proposal,
            target_organizations=self._proposed.endorsing_organizations,
        )
        response = self._client.evaluate(request, timeout)
        return bytes(response.result.payload)

    def endorse(self, *, timeout: float | None = UNSET) -> Transaction:
        """Collect endorsements (the Gateway picks peers satisfying the policy)."""
        self._sign()
        request = gateway_pb2.EndorseRequest(
            transaction_id=self._proposed.transaction_id,
            channel_id=self._channel,
            proposed_transaction=self._proposed.proposal,
            endorsing_organizations=self._proposed.endorsing_organizations,
        )
        response = self._client.endorse(request, timeout)
        prepared = gateway_pb2.PreparedTransaction(
            transaction_id=self._proposed.transaction_id,
            envelope=response.prepared_transaction,
        )
        return Transaction(self._client, self._signing, prepared)


class Transaction:
    """An endorsed transaction, ready to be signed and submitted for ordering."""

    def __init__(
        self,
        client: GatewayClient,
        signing: SigningIdentity,
        prepared: gateway_pb2.PreparedTransaction,
    ) -> None:
        self._client = client
        self._signing = signing
        self._prepared = prepared
        self._channel, self._result = channel_and_result(prepared.envelope)

    @property
    def transaction_id(self) -> str:
        return str(self._prepared.transaction_id)

    @property
    def result(self) -> builtins.bytes:
        """The chaincode's return value as endorsed."""
        return self._result

    @property
    def bytes(self) -> builtins.bytes:
        """Serialized ``gateway.PreparedTransaction`` (for offline signing or transfer)."""
        return bytes(self._prepared.SerializeToString())

    @property
    def digest(self) -> builtins.bytes:
        """What the signer signs: the hash of the envelope payload."""
        return self._signing.hash(self._prepared.envelope.payload)

    def _set_signature(self, signature: builtins.bytes) -> None:
        self._prepared.envelope.signature = signature

    def __repr__(self) -> str:
        signed = "signed" if self._prepared.envelope.signature else "unsigned"
        return f"<Transaction {self.transaction_id} on {self._channel}, {signed}>"

    def submit(self, *, timeout: float | None = UNSET) -> SubmittedTransaction:
        """Send the signed transaction to the ordering service; return the commit handle."""
        if not self._prepared.envelope.signature:
            self._set_signature(sign(self._signing, self.digest))
        request = gateway_pb2.SubmitRequest(
            transaction_id=self._prepared.transaction_id,
            channel_id=self._channel,
            prepared_transaction=self._prepared.envelope,
        )
        self._client.submit(request, timeout)
        status_request = build_commit_status_request(
            creator=self._signing.creator, channel=self._channel, txid=self.transaction_id
        )
        return SubmittedTransaction(
            self._client, self._signing, self.transaction_id, status_request, self._result
        )
