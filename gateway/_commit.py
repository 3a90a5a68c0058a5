"""Commit: waiting for a submitted transaction's validation result (async source of both APIs)."""

# The blocking API (gateway/_sync/_commit.py) is generated from this file: after editing it,
# run `python -m gateway._codegen` (tests/unit/gateway/test_codegen.py checks).

from __future__ import annotations

import builtins

from fabric_protos.gateway import gateway_pb2

from gateway._signing import SigningIdentity
from gateway._status import Status

from ._client import UNSET, GatewayClient, sign

__all__ = ["Commit", "Status", "SubmittedTransaction"]


class Commit:
    """A handle on a submitted transaction; :meth:`status` waits for it to commit.

    ``bytes``/``digest`` support offline signing of the commit status request
    (``Gateway.new_signed_commit``). ``block_number`` is None until :meth:`status` returned.
    """

    def __init__(
        self,
        client: GatewayClient,
        signing: SigningIdentity,
        transaction_id: str,
        signed_request: gateway_pb2.SignedCommitStatusRequest,
    ) -> None:
        self._client = client
        self._signing = signing
        self._transaction_id = transaction_id
        self._request = signed_request
        self._status: Status | None = None

    @property
    def transaction_id(self) -> str:
        return self._transaction_id

    @property
    def bytes(self) -> builtins.bytes:
        """Serialized ``gateway.SignedCommitStatusRequest`` (signature included if set)."""
        return bytes(self._request.SerializeToString())

    @property
    def digest(self) -> builtins.bytes:
        return self._signing.hash(self._request.request)

    @property
    def block_number(self) -> int | None:
        return self._status.block_number if self._status else None

    def _set_signature(self, signature: builtins.bytes) -> None:
        self._request.signature = signature

    def __repr__(self) -> str:
        state = self._status.code_name if self._status else "pending"
        return f"<{type(self).__name__} {self._transaction_id} {state}>"

    async def status(self, *, timeout: float | None = UNSET) -> Status:
        """The transaction's commit status (waits for the commit; cached once known)."""
        if self._status is not None:
            return self._status
        if not self._request.signature:
            self._set_signature(await sign(self._signing, self.digest))
        response = await self._client.commit_status(self._request, self._transaction_id, timeout)
        self._status = Status(self._transaction_id, response.result, response.block_number)
        return self._status


class SubmittedTransaction(Commit):
    """A transaction accepted by the orderer: its result plus the :class:`Commit` handle."""

    def __init__(
        self,
        client: GatewayClient,
        signing: SigningIdentity,
        transaction_id: str,
        signed_request: gateway_pb2.SignedCommitStatusRequest,
        result: builtins.bytes,
    ) -> None:
        super().__init__(client, signing, transaction_id, signed_request)
        self._result = result

    @property
    def result(self) -> builtins.bytes:
        """The chaincode's return value (as endorsed; valid only if the commit succeeds)."""
        return self._result
