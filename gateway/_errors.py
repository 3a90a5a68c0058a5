"""Typed errors that carry evidence: gRPC status, per-peer details, transaction id, code.

Every failure of a Gateway call is a :class:`GatewayError` subclass naming the step that
failed (evaluate, endorse, submit, commit status, event streams) with the gRPC status code,
the Gateway's message and one :class:`ErrorDetail` (address, MSP id, message) per peer the
Gateway reported on. A transaction that committed *invalid* is a :class:`CommitError` with
its validation code (e.g. ``MVCC_READ_CONFLICT``) and block number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
from fabric_protos.peer import transaction_pb2

from gateway._rpc_status import decode_status_details

__all__ = [
    "BlockEventsError",
    "ChaincodeEventsError",
    "CommitError",
    "CommitStatusError",
    "EndorseError",
    "ErrorDetail",
    "EvaluateError",
    "GatewayClosedError",
    "GatewayError",
    "SubmitError",
    "validation_code_name",
]


def validation_code_name(code: int) -> str:
    """The ``TxValidationCode`` name of ``code`` (e.g. 11 -> ``MVCC_READ_CONFLICT``)."""
    try:
        return str(transaction_pb2.TxValidationCode.Name(code))
    except ValueError:
        return f"UNKNOWN_CODE_{code}"


@dataclass(frozen=True)
class ErrorDetail:
    """What one peer (or orderer) answered, as reported by the Gateway."""

    address: str
    msp_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.address} ({self.msp_id}): {self.message}"


class GatewayError(Exception):
    """A Gateway (or Deliver) call failed.

    Attributes: ``code`` (``grpc.StatusCode``, None for a Deliver status that is not a gRPC
    error), ``status_message`` (the Gateway's message), ``details`` (per-peer
    :class:`ErrorDetail` tuple), ``transaction_id`` (None for event streams).
    """

    step = "gateway call"

    def __init__(
        self,
        status_message: str,
        *,
        code: grpc.StatusCode | None = None,
        details: tuple[ErrorDetail, ...] = (),
        transaction_id: str | None = None,
    ) -> None:
        self.code = code
        self.status_message = status_message
        self.details = tuple(details)
        self.transaction_id = transaction_id
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [f"{self.step} failed"]
        if self.transaction_id:
            parts.append(f" for transaction {self.transaction_id}")
        code = self.code.name if self.code is not None else "ERROR"
        parts.append(f": {code}: {self.status_message}")
        for d in self.details:
            parts.append(f"\n  - {d}")
        return "".join(parts)

    def __reduce__(self) -> tuple[Any, ...]:  # keep the evidence across pickling
        kwargs = {
            "code": self.code,
            "details": self.details,
            "transaction_id": self.transaction_id,
        }
        return (_rebuild, (type(self), self.status_message, kwargs))

    @classmethod
    def from_rpc_error(cls, err: grpc.RpcError, transaction_id: str | None = None,
                       deadline_expired: bool = False) -> GatewayError:
        """Build from a ``grpc.RpcError`` / ``grpc.aio.AioRpcError``, decoding its details.

        ``deadline_expired``: the caller's deadline had passed when the call failed; a
        CANCELLED status (the peer reset the stream at the same deadline) is then reported
        as DEADLINE_EXCEEDED, with the transport's words kept in the message.
        """
        call: Any = err
        code = call.code() if hasattr(call, "code") else grpc.StatusCode.UNKNOWN
        message = (call.details() if hasattr(call, "details") else None) or str(err)
        if deadline_expired and code == grpc.StatusCode.CANCELLED:
            code = grpc.StatusCode.DEADLINE_EXCEEDED
            message = f"Deadline Exceeded (transport reported CANCELLED: {message})"
        try:
            metadata = call.trailing_metadata() if hasattr(call, "trailing_metadata") else None
        except Exception:  # noqa: BLE001 - some error objects carry no call
            metadata = None
        details = tuple(
            ErrorDetail(d.address, d.msp_id, d.message) for d in decode_status_details(metadata)
        )
        return cls(message, code=code, details=details, transaction_id=transaction_id)

    @property
    def messages(self) -> list[str]:
        """Each peer's message, in the order the Gateway reported them."""
        return [d.message for d in self.details]


class EvaluateError(GatewayError):
    """Evaluating a transaction (a query on one peer) failed."""

    step = "evaluate"


class EndorseError(GatewayError):
    """Collecting endorsements failed (chaincode error, policy not satisfiable, peer down)."""

    step = "endorse"


class SubmitError(GatewayError):
    """Sending the endorsed transaction to the ordering service failed."""

    step = "submit"


class CommitStatusError(GatewayError):
    """Obtaining the commit status failed (e.g. deadline exceeded while waiting)."""

    step = "commit status"


class ChaincodeEventsError(GatewayError):
    """The chaincode events stream failed."""

    step = "chaincode events"


class BlockEventsError(GatewayError):
    """The block events (Deliver) stream failed or ended with a non-success status."""

    step = "block events"


class GatewayClosedError(GatewayError):
    """The gateway was closed: its contracts and streams no longer reach the peer.

    Raised by every call made through a closed gateway, and by calls that were in flight
    when it closed (they are cancelled), instead of grpc's ``UsageError``.
    """

    step = "gateway"

    def __init__(self, status_message: str = "the gateway is closed", **kw: Any) -> None:
        kw.setdefault("code", grpc.StatusCode.CANCELLED)
        super().__init__(status_message, **kw)


def _rebuild(cls: type[GatewayError], message: str, kwargs: dict[str, Any]) -> GatewayError:
    return cls(message, **kwargs)


class CommitError(Exception):
    """A transaction was committed to a block but is invalid (e.g. ``MVCC_READ_CONFLICT``)."""

    def __init__(self, transaction_id: str, code: int, block_number: int) -> None:
        self.transaction_id = transaction_id
        self.code = code
        self.code_name = validation_code_name(code)
        self.block_number = block_number
        self.args = (transaction_id, code, block_number)
        self._message = (
            f"transaction {transaction_id} failed to commit with status code {code} "
            f"({self.code_name}) in block {block_number}"
        )

    def __str__(self) -> str:
        return self._message
