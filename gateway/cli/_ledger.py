"""The seam between the commands and the ledger, and how its failures become exit statuses.

Commands talk to a :class:`Ledger` (``evaluate`` / ``submit`` a contract function with
string arguments, get bytes back). :class:`GatewayLedger` is the real one, over this
package's Gateway client; unit tests pass another :data:`LedgerFactory` to ``main`` (the
one seam that is faked). The Gateway client (grpc, protos, cryptography) is imported here
inside functions, so importing this module costs nothing at start-up.

:func:`ledger_failure` turns the client's typed errors into the CLI's: a contract answer
``chaincode response 4xx, <message>`` (from any endorsing peer) or an identity the peer
refuses (PERMISSION_DENIED) or a transaction committed invalid is :class:`LedgerRefused`
(exit 1, the contract's own message, which names the rule or field); no answer
(UNAVAILABLE, DEADLINE_EXCEEDED, chaincode 5xx or not running) is
:class:`LedgerUnreachable` (exit 3).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from gateway.cli._exit import CliFailure, InputError, LedgerRefused, LedgerUnreachable
from gateway.cli._profile import Target

__all__ = [
    "GatewayLedger",
    "Ledger",
    "LedgerFactory",
    "Submitted",
    "ledger_failure",
    "open_gateway_ledger",
]

_CHAINCODE_RESPONSE = re.compile(r"chaincode response (\d{3}), (.*)", re.S)
_REFUSING_CODES = {"PERMISSION_DENIED"}  # "access denied": the MSP refused the creator


@dataclass(frozen=True)
class Submitted:
    result: bytes
    transaction_id: str
    block_number: int | None


class Ledger(Protocol):
    """What a command needs from the ledger; one identity, one peer, one chaincode."""

    def evaluate(self, function: str, args: Sequence[str]) -> bytes: ...

    def submit(self, function: str, args: Sequence[str]) -> Submitted: ...

    def submit_private(self, function: str, args: Sequence[str], transient: Mapping[str, bytes],
                       endorsing_organizations: Sequence[str],
                       on_sent: Callable[[str], None] | None = None) -> Submitted:
        """Submit with private ``transient`` data, endorsed by those organisations only;
        ``on_sent(tx_id)`` once the transaction is on its way to the orderer."""
        ...

    def close(self) -> None: ...


LedgerFactory = Callable[[Target, "float | None"], Ledger]


class GatewayLedger:
    """A :class:`Ledger` over a blocking :class:`gateway.Gateway` (real peer, real TLS)."""

    def __init__(self, gw: Any, target: Target, timeout: float | None) -> None:
        self._gw = gw
        self._contract = gw.get_network(target.channel).get_contract(target.chaincode)
        self._timeout = timeout
        self._where = (target.channel, target.chaincode)

    def _kw(self) -> dict[str, Any]:
        return {} if self._timeout is None else {"timeout": self._timeout}

    def evaluate(self, function: str, args: Sequence[str]) -> bytes:
        result: bytes = self._contract.evaluate(function, list(args), **self._kw())
        return result

    def evaluate_on(self, function: str, args: Sequence[str],
                    organizations: Sequence[str]) -> bytes:
        """Evaluate on a peer of those organisations only (to compare their answers)."""
        result: bytes = self._contract.evaluate(
            function, list(args), endorsing_organizations=list(organizations), **self._kw())
        return result

    def submit(self, function: str, args: Sequence[str]) -> Submitted:
        kw = self._kw()
        commit = self._contract.new_proposal(function, list(args)).endorse(**kw).submit(**kw)
        status = commit.status(**kw).raise_for_status()
        return Submitted(commit.result, status.transaction_id, status.block_number)

    def submit_private(self, function: str, args: Sequence[str], transient: Mapping[str, bytes],
                       endorsing_organizations: Sequence[str],
                       on_sent: Callable[[str], None] | None = None) -> Submitted:
        kw = self._kw()
        proposal = self._contract.new_proposal(
            function, list(args), transient=dict(transient),
            endorsing_organizations=list(endorsing_organizations))
        commit = proposal.endorse(**kw).submit(**kw)
        if on_sent is not None:
            on_sent(commit.transaction_id)
        status = commit.status(**kw).raise_for_status()
        return Submitted(commit.result, status.transaction_id, status.block_number)

    def relay(self) -> Any:
        """A ``gateway.offline.Relay`` over this connection: requests other identities
        signed offline, sent on (the regulator's relay routes, gateway/service/_relay.py)."""
        from gateway.offline import Relay

        return Relay(self._gw, *self._where)

    def close(self) -> None:
        self._gw.close()


def open_gateway_ledger(target: Target, timeout: float | None) -> Ledger:
    """Load the target's credentials and connect (nothing is sent until the first call)."""
    import gateway as g

    try:
        identity = g.load_identity(target.msp_id, target.cert)
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(f"certificate {target.cert} of {target.user}@{target.msp_id} "
                         f"cannot be used: {exc}") from None
    try:
        signer = g.load_private_key_signer(target.key)
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(f"private key {target.key} of {target.user}@{target.msp_id} "
                         f"cannot be used: {exc}") from None
    try:
        ca = target.tls_ca.read_bytes()
        client_cert = target.tls_cert.read_bytes() if target.tls_cert else None
        client_key = target.tls_key.read_bytes() if target.tls_key else None
    except OSError as exc:
        raise InputError(f"TLS material of {target.msp_id} cannot be read: {exc}") from None
    if b"-----BEGIN CERTIFICATE-----" not in ca:  # else a TLS handshake failure, exit 3
        raise InputError(f"TLS CA {target.tls_ca} of {target.msp_id}'s peer holds no PEM "
                         "certificate")
    gw = g.connect(target.peer_endpoint, identity, signer, tls_root_certificates=ca,
                   client_certificate=client_cert, client_key=client_key)
    return GatewayLedger(gw, target, timeout)


def _contract_answers(err: Any) -> list[tuple[int, str, str]]:
    """(status, message, peer) for every ``chaincode response NNN, msg`` the error carries."""
    found = []
    for d in getattr(err, "details", ()):
        m = _CHAINCODE_RESPONSE.search(d.message)
        if m:
            found.append((int(m.group(1)), m.group(2).strip(), f"{d.address} ({d.msp_id})"))
    if not found:
        m = _CHAINCODE_RESPONSE.search(getattr(err, "status_message", "") or "")
        if m:
            found.append((int(m.group(1)), m.group(2).strip(), "the peer"))
    return found


def ledger_failure(err: BaseException) -> CliFailure | None:
    """The CLI failure for a Gateway client error, or None if ``err`` is not one."""
    from gateway._errors import CommitError, CommitStatusError, GatewayError

    if isinstance(err, CommitError):
        return LedgerRefused(
            f"transaction {err.transaction_id} was committed invalid: {err.code_name} "
            f"(block {err.block_number})", transaction_id=err.transaction_id)
    if not isinstance(err, GatewayError):
        return None
    details = tuple(str(d) for d in err.details)
    txid = err.transaction_id
    answers = _contract_answers(err)
    refusals = [a for a in answers if 400 <= a[0] < 500]
    if refusals:
        messages = sorted({msg for _, msg, _ in refusals})
        status = refusals[0][0]
        text = messages[0] if len(messages) == 1 else "; ".join(
            f"{peer}: {msg}" for _, msg, peer in refusals)
        return LedgerRefused(text, status=status, transaction_id=txid, details=details)
    code = err.code.name if err.code is not None else "ERROR"
    if code in _REFUSING_CODES:
        return LedgerRefused(f"the peer refused the identity: {err.status_message}",
                             transaction_id=txid, details=details)
    if isinstance(err, CommitStatusError) and txid:
        return LedgerUnreachable(
            f"no commit status for transaction {txid} ({code}: {err.status_message}); it may "
            "still commit", transaction_id=txid, details=details)
    what = f"{err.step} failed: {code}: {err.status_message}"
    if answers:
        what = f"{err.step} failed: the contract failed: {answers[0][1]}"
    return LedgerUnreachable(what, transaction_id=txid, details=details)
