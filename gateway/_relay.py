"""Relay: a service sends on requests an identity signed elsewhere (async source of both APIs).

The service connects with its *own* identity and signer. An enterprise's proposal and
transaction carry the enterprise as creator and its signature (made offline, gateway.offline);
the service only forwards them. The commit status request is the service's own: Fabric's
Gateway admits any channel reader to ask for a transaction's status (ACL
``Gateway/CommitStatus``, default ``/Channel/Application/Readers``) and the request names
the asking identity, not the transaction's creator, so the enterprise signs twice
(proposal, transaction), not three times.
"""

# The blocking API (gateway/_sync/_relay.py) is generated from this file: after editing it,
# run `python -m gateway._codegen` (tests/unit/gateway/test_codegen.py checks).

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gateway._identity import Identity
from gateway.offline._document import OfflineRequest, SignedRequest
from gateway.offline._errors import OfflineExpectationError
from gateway.offline._inspect import describe
from gateway.offline._prepare import prepare_proposal
from gateway.offline._sign import verify_signature

from ._client import UNSET
from ._commit import SubmittedTransaction
from ._gateway import Gateway

__all__ = ["Relay"]


class Relay:
    """Proposals for other identities on one chaincode, sent on once they are signed."""

    def __init__(self, gateway: Gateway, channel: str, chaincode: str) -> None:
        self._gateway = gateway
        self.channel = channel
        self.chaincode = chaincode

    def prepare(self, creator: Identity, function: str, args: Sequence[bytes | str] = (), *,
                transient: Mapping[str, bytes | str] | None = None,
                endorsing_organizations: Sequence[str] = ()) -> OfflineRequest:
        """The unsigned proposal of ``function(args)`` with ``creator`` as its creator."""
        return prepare_proposal(creator, channel=self.channel, chaincode=self.chaincode,
                                function=function, args=args, transient=transient,
                                endorsing_organizations=endorsing_organizations)

    def _checked(self, signed: SignedRequest, kind: str) -> None:
        if signed.kind != kind:
            raise OfflineExpectationError("kind", kind, signed.kind)
        facts = describe(signed.request)
        for name, want in (("channel", self.channel), ("chaincode", self.chaincode)):
            if facts[name] != want:
                raise OfflineExpectationError(name, want, facts[name])
        verify_signature(signed)

    async def evaluate(self, signed: SignedRequest, *, timeout: float | None = UNSET) -> bytes:
        """Evaluate a signed proposal (a read as the creator); return the result."""
        self._checked(signed, "proposal")
        proposal = self._gateway.new_signed_proposal(signed.request.message, signed.signature)
        return await proposal.evaluate(timeout=timeout)

    async def endorse(self, signed: SignedRequest, *,
                      timeout: float | None = UNSET) -> OfflineRequest:
        """Endorse a signed proposal; return the transaction its creator must sign next."""
        self._checked(signed, "proposal")
        proposal = self._gateway.new_signed_proposal(signed.request.message, signed.signature)
        transaction = await proposal.endorse(timeout=timeout)
        return OfflineRequest("transaction", transaction.bytes)

    async def submit(self, signed: SignedRequest, *,
                     timeout: float | None = UNSET) -> SubmittedTransaction:
        """Send a signed transaction to be ordered; the returned handle's ``status()`` asks
        with the service's own identity."""
        self._checked(signed, "transaction")
        transaction = self._gateway.new_signed_transaction(signed.request.message,
                                                           signed.signature)
        return await transaction.submit(timeout=timeout)

    def __repr__(self) -> str:
        return f"<Relay {self.chaincode} on {self.channel} via {self._gateway!r}>"
