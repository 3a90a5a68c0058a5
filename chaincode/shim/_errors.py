"""Errors a transaction can raise that go back to the client as they are."""

from __future__ import annotations


class ContractError(Exception):
    """A refusal the contract means to send to the client (status 400 or the given one)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class ArgumentError(ContractError):
    """A transaction argument the contract cannot read (status 400); names its index."""

    def __init__(self, index: int, fault: str) -> None:
        super().__init__(f"argument {index}: {fault}", 400)
        self.index = index


class PeerError(RuntimeError):
    """The peer answered a request with ERROR; carries the request type, key and message."""

    def __init__(self, request: str, key: str, message: str, txid: str) -> None:
        super().__init__(f"peer refused {request} of {key!r} in tx {txid[:12]}: {message}")
        self.request, self.key, self.message, self.txid = request, key, message, txid
