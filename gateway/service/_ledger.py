"""A service's way to its own organisation's peer, and how the ledger's answers become HTTP.

The service signs with its organisation's identities from the network's
``connection.json`` (``gateway.cli._profile.load_target``: always the service's own MSP,
never another organisation's peer) through the same :class:`~gateway.cli._ledger.Ledger`
seam as the command line (one ``GatewayLedger`` per user, opened on first use and shared by
the request threads: grpc channels are thread-safe). Unit tests hand the service another
factory (the one faked seam).

Failures are the command line's typed ones, turned into problem details:

==============================  =====  ======================================
contract 400                    422    the field the contract names
contract 403 / identity refused 403    ``ledger-refused``: the rule it names
contract 404                    404
contract 409, committed invalid 409
no answer (LedgerUnreachable)   503    ``ledger-unavailable``, Retry-After
==============================  =====  ======================================
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from gateway.cli._exit import CliFailure, InputError, LedgerRefused, LedgerUnreachable
from gateway.cli._ledger import Ledger, Submitted, ledger_failure, open_gateway_ledger
from gateway.cli._profile import Target, load_target
from gateway.service._problems import ApiProblem
from gateway.service._settings import ServiceSettings

__all__ = ["LedgerFactory", "LedgerPort", "as_problem"]

LedgerFactory = Callable[[Target, "float | None"], Ledger]
_STATUS = {400: 422, 403: 403, 404: 404, 409: 409}


def as_problem(exc: BaseException) -> ApiProblem | None:
    """The problem for a ledger failure (a client error or a CLI failure), or None."""
    failure = exc if isinstance(exc, CliFailure) else ledger_failure(exc)
    if isinstance(failure, LedgerRefused):
        status = _STATUS.get(failure.status or 0, 409 if failure.status is None else 422)
        return ApiProblem(status, "ledger-refused", failure.message,
                          ledger_status=failure.status)
    if isinstance(failure, (LedgerUnreachable, InputError)):
        return ApiProblem(503, "ledger-unavailable", failure.message,
                          headers={"Retry-After": "5"})
    return None


class LedgerPort:
    """The service's ledgers, one per user of its organisation, opened on first use."""

    def __init__(self, settings: ServiceSettings, factory: LedgerFactory | None = None) -> None:
        self.settings = settings
        self._factory = factory or open_gateway_ledger
        self._ledgers: dict[str, Ledger] = {}
        self._lock = threading.Lock()

    def target(self, user: str | None = None) -> Target:
        return load_target(self.settings.profile_path(), self.settings.msp_id,
                           user or self.settings.user)

    def ledger(self, user: str | None = None) -> Ledger:
        name = user or self.settings.user
        with self._lock:
            if name not in self._ledgers:
                try:
                    self._ledgers[name] = self._factory(self.target(name),
                                                        self.settings.ledger_timeout)
                except CliFailure as failure:
                    raise _raise(failure) from None
            return self._ledgers[name]

    def system(self, chaincode: str) -> Ledger:
        """A new ledger over a system chaincode (``cscc``, ``qscc``) as the service's user,
        through the same factory (close it)."""
        import dataclasses

        try:
            return self._factory(dataclasses.replace(self.target(), chaincode=chaincode),
                                 self.settings.ledger_timeout)
        except CliFailure as failure:
            raise _raise(failure) from None

    def evaluate_json(self, function: str, args: list[str], user: str | None = None) -> Any:
        try:
            raw = self.ledger(user).evaluate(function, args)
        except ApiProblem:
            raise
        except Exception as exc:
            raise _raise(exc) from None
        return _json(function, raw)

    def submit_json(self, function: str, args: list[str],
                    user: str | None = None) -> tuple[Any, Submitted]:
        try:
            done = self.ledger(user).submit(function, args)
        except ApiProblem:
            raise
        except Exception as exc:
            raise _raise(exc) from None
        return _json(function, done.result), done

    def close(self) -> None:
        with self._lock:
            for ledger in self._ledgers.values():
                ledger.close()
            self._ledgers.clear()


def _raise(exc: BaseException) -> BaseException:
    problem = as_problem(exc)
    return problem if problem is not None else exc


def _json(function: str, raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        raise ApiProblem(502, "ledger-answer", f"{function} answered {len(raw)} bytes that "
                         "are not JSON") from None
