"""Exit statuses of ``carbontrust`` and the failures that carry them.

Other tools call the command line and branch on its status, so the meanings are fixed:

====  ==============================================================================
0     success
1     the ledger refused: the contract answered 4xx (the rule or field is in its
      message), the caller's identity was refused, or the transaction committed
      invalid (e.g. MVCC_READ_CONFLICT)
2     bad usage or unreadable input: unknown option or ``--as``, a missing or broken
      connection profile or credential file, an argument that is not UTF-8 text, a
      malformed USCC
3     no answer from the ledger: peer unreachable, deadline passed, chaincode not
      running or failing internally (5xx). Not a refusal and not the caller's input,
      so it gets its own status: a script may retry on 3, never on 1 or 2. After a
      submit, 3 can mean the outcome is unknown; the transaction id is on stderr
70    a bug in carbontrust itself (sysexits EX_SOFTWARE): one line, never a traceback
130   interrupted (Ctrl-C)
141   stdout was closed by its reader (``| head``): 128 + SIGPIPE, what a shell shows
      for a program killed by the broken pipe; the command itself had finished or was
      stopped there (a submitted transaction is not undone)
====  ==============================================================================
"""

from __future__ import annotations

OK = 0
REFUSED = 1
USAGE = 2
UNREACHABLE = 3
INTERNAL = 70
INTERRUPTED = 130
BROKEN_PIPE = 141

__all__ = [
    "BROKEN_PIPE",
    "INTERNAL",
    "INTERRUPTED",
    "OK",
    "REFUSED",
    "UNREACHABLE",
    "USAGE",
    "CliFailure",
    "InputError",
    "LedgerRefused",
    "LedgerUnreachable",
]


class CliFailure(Exception):
    """A command failed in a way the user is told about in one message, with its status."""

    exit_code = INTERNAL

    def __init__(self, message: str, *, details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details = details  # evidence shown with -v (per-peer answers, ids)


class InputError(CliFailure):
    """The command line or a file it names cannot be used (exit 2)."""

    exit_code = USAGE


class LedgerRefused(CliFailure):
    """The ledger answered no (exit 1). ``status``: the contract's status, or None."""

    exit_code = REFUSED

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        transaction_id: str | None = None,
        details: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, details=details)
        self.status = status
        self.transaction_id = transaction_id


class LedgerUnreachable(CliFailure):
    """No answer from the ledger (exit 3); ``transaction_id`` set when a submit may land."""

    exit_code = UNREACHABLE

    def __init__(
        self, message: str, *, transaction_id: str | None = None, details: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message, details=details)
        self.transaction_id = transaction_id
