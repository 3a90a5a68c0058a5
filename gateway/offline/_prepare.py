"""Build an unsigned proposal for an identity whose key is elsewhere (pure: no network)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gateway._builders import build_proposed_transaction
from gateway._identity import Identity
from gateway.offline._document import OfflineRequest

__all__ = ["prepare_proposal"]


def prepare_proposal(creator: Identity, *, channel: str, chaincode: str, function: str,
                     args: Sequence[bytes | str] = (),
                     transient: Mapping[str, bytes | str] | None = None,
                     endorsing_organizations: Sequence[str] = ()) -> OfflineRequest:
    """The proposal ``creator`` must sign, as an :class:`OfflineRequest`.

    Built as the in-process client builds it (``Contract.new_proposal``): a fresh nonce, the
    transaction id SHA-256(nonce || creator), the proposal's timestamp from this machine's
    clock (the contract's notion of the transaction's time: docs/consent.md).
    """
    if isinstance(args, str | bytes):
        raise TypeError("args must be a sequence of arguments, not a single str/bytes")
    proposed = build_proposed_transaction(
        creator=creator.serialize(), channel=channel, chaincode=chaincode,
        transaction_name=function, args=args, transient=transient,
        endorsing_organizations=endorsing_organizations)
    return OfflineRequest("proposal", proposed.SerializeToString())
