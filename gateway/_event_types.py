"""ChaincodeEvent and where a stream starts (shared by the async and blocking APIs)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway._checkpoint import Checkpoint

__all__ = ["ChaincodeEvent", "resolve_start"]


@dataclass(frozen=True)
class ChaincodeEvent:
    """An event a committed (valid) transaction emitted."""

    block_number: int
    transaction_id: str
    chaincode_name: str
    event_name: str
    payload: builtins.bytes

    def __repr__(self) -> str:  # payloads may be large or confidential: size only
        return (
            f"ChaincodeEvent(block_number={self.block_number}, "
            f"transaction_id={self.transaction_id!r}, chaincode_name={self.chaincode_name!r}, "
            f"event_name={self.event_name!r}, payload=<{len(self.payload)} bytes>)"
        )


def resolve_start(start_block: int | None, checkpoint: Checkpoint | None) -> tuple[int | None, str]:
    """(start block or None for next commit, after transaction id); a checkpoint wins."""
    if checkpoint is not None and checkpoint.block_number is not None:
        return checkpoint.block_number, checkpoint.transaction_id or ""
    return start_block, ""
