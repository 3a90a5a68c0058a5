"""Status: the committed status of a transaction (shared by the async and blocking APIs)."""

from __future__ import annotations

from dataclasses import dataclass

from fabric_protos.peer import transaction_pb2

from gateway._errors import CommitError, validation_code_name

__all__ = ["Status"]


@dataclass(frozen=True)
class Status:
    """The committed status of a transaction: its validation code and block."""

    transaction_id: str
    code: int
    block_number: int

    @property
    def successful(self) -> bool:
        return self.code == transaction_pb2.VALID

    @property
    def code_name(self) -> str:
        """e.g. ``VALID``, ``MVCC_READ_CONFLICT``, ``ENDORSEMENT_POLICY_FAILURE``."""
        return validation_code_name(self.code)

    def raise_for_status(self) -> Status:
        """Raise :class:`CommitError` unless the transaction committed valid."""
        if not self.successful:
            raise CommitError(self.transaction_id, self.code, self.block_number)
        return self
