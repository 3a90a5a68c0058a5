"""Contract: one chaincode (and optional contract name) on a channel (async source of both APIs).

``evaluate`` / ``submit`` / ``submit_async`` are thin over :meth:`Contract.new_proposal` ->
``Proposal.evaluate`` | ``Proposal.endorse`` -> ``Transaction.submit`` -> ``Commit.status``.
"""

# The blocking API (gateway/_sync/_contract.py) is generated from this file: after editing it,
# run `python -m gateway._codegen` (tests/unit/gateway/test_codegen.py checks).

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gateway._builders import build_proposed_transaction
from gateway._signing import SigningIdentity

from ._client import UNSET, GatewayClient
from ._commit import SubmittedTransaction
from ._proposal import Proposal

__all__ = ["Contract"]

Arg = bytes | str


class Contract:
    """Transactions of one chaincode on one channel."""

    def __init__(
        self,
        client: GatewayClient,
        signing: SigningIdentity,
        channel: str,
        chaincode_name: str,
        contract_name: str | None = None,
    ) -> None:
        self._client = client
        self._signing = signing
        self._channel = channel
        self.chaincode_name = chaincode_name
        self.contract_name = contract_name or None

    def _qualified(self, transaction_name: str) -> str:
        if self.contract_name:
            return f"{self.contract_name}:{transaction_name}"
        return transaction_name

    def new_proposal(
        self,
        transaction_name: str,
        args: Sequence[Arg] = (),
        *,
        transient: Mapping[str, Arg] | None = None,
        endorsing_organizations: Sequence[str] = (),
    ) -> Proposal:
        """An unsigned proposal (signed on first use, or offline via its ``digest``).

        ``endorsing_organizations`` restricts endorsement (and evaluation) to those MSP ids,
        e.g. for private data sent in ``transient``.
        """
        if isinstance(args, str | bytes):
            raise TypeError("args must be a sequence of arguments, not a single str/bytes")
        proposed = build_proposed_transaction(
            creator=self._signing.creator,
            channel=self._channel,
            chaincode=self.chaincode_name,
            transaction_name=self._qualified(transaction_name),
            args=args,
            transient=transient,
            endorsing_organizations=endorsing_organizations,
        )
        return Proposal(self._client, self._signing, self._channel, proposed)

    async def evaluate(
        self,
        transaction_name: str,
        args: Sequence[Arg] = (),
        *,
        transient: Mapping[str, Arg] | None = None,
        endorsing_organizations: Sequence[str] = (),
        timeout: float | None = UNSET,
    ) -> bytes:
        """Evaluate (query) a transaction on one peer; return its result."""
        proposal = self.new_proposal(
            transaction_name,
            args,
            transient=transient,
            endorsing_organizations=endorsing_organizations,
        )
        return await proposal.evaluate(timeout=timeout)

    async def submit_async(
        self,
        transaction_name: str,
        args: Sequence[Arg] = (),
        *,
        transient: Mapping[str, Arg] | None = None,
        endorsing_organizations: Sequence[str] = (),
        endorse_timeout: float | None = UNSET,
        submit_timeout: float | None = UNSET,
    ) -> SubmittedTransaction:
        """Endorse and submit; return at once with the result and a commit handle."""
        proposal = self.new_proposal(
            transaction_name,
            args,
            transient=transient,
            endorsing_organizations=endorsing_organizations,
        )
        transaction = await proposal.endorse(timeout=endorse_timeout)
        return await transaction.submit(timeout=submit_timeout)

    async def submit(
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

        Raises :class:`EndorseError`, :class:`SubmitError`, :class:`CommitStatusError`, or
        :class:`CommitError` when the transaction committed invalid.
        """
        submitted = await self.submit_async(
            transaction_name,
            args,
            transient=transient,
            endorsing_organizations=endorsing_organizations,
            endorse_timeout=endorse_timeout,
            submit_timeout=submit_timeout,
        )
        status = await submitted.status(timeout=commit_status_timeout)
        status.raise_for_status()
        return submitted.result

    async def evaluate_transaction(self, transaction_name: str, *args: Arg) -> bytes:
        """``evaluate`` with positional arguments (the official clients' shorthand)."""
        return await self.evaluate(transaction_name, args)

    async def submit_transaction(self, transaction_name: str, *args: Arg) -> bytes:
        """``submit`` with positional arguments (the official clients' shorthand)."""
        return await self.submit(transaction_name, args)

    def __repr__(self) -> str:
        name = (
            f"{self.chaincode_name}:{self.contract_name}"
            if self.contract_name
            else (self.chaincode_name)
        )
        return f"<Contract {name} on {self._channel}>"
