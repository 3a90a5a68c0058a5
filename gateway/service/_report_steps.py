"""What a report job does on the ledger and in the audit store: the seam between the job's
state machine (:mod:`._report_jobs`) and the world.

:class:`ReportSteps` names the steps; :class:`LedgerReportSteps` is the real one, running
the command line's own building blocks (:mod:`gateway.cli._report_issue`,
:mod:`gateway.cli._report_bundle`) over the service's :class:`~._ledger.LedgerPort` (its
organisation's peer and user) and the audit store its settings name
(``AuditStore.open(settings.audit_store_path())``: a path or an SQLAlchemy URL; a path that
does not exist yet is waited for, never created empty). Unit tests hand the jobs another
:class:`ReportSteps` (the one faked seam); the integration test runs this one.

Failures stay the command line's typed ones (:class:`~gateway.cli._exit.LedgerRefused` with
the contract's status, :class:`~gateway.cli._exit.LedgerUnreachable`): the job turns them
into its problem.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from gateway.cli._exit import CliFailure, InputError, LedgerRefused
from gateway.cli._report_issue import ISSUERS, Built, Inputs
from gateway.service._audit_log import is_url

if TYPE_CHECKING:
    from gateway.audit import AuditStore
    from gateway.service._ledger import LedgerPort

__all__ = ["LedgerReportSteps", "Progress", "ReportSteps"]

Progress = Callable[[str], None]


class ReportSteps(Protocol):
    def gather(self, uscc: str, from_date: str, to_date: str,
               version: int | None) -> Inputs: ...

    def wait_anchored(self, tx_ids: list[str], wait: float,
                      progress: Progress) -> tuple[int, str]: ...

    def build(self, inputs: Inputs, note: str) -> Built: ...

    def status(self, args: list[str], version: int) -> dict[str, Any] | None:
        """``report:status`` of that version, None when the ledger has none."""
        ...

    def submit(self, args: list[str], data: bytes,
               on_sent: Callable[[str], None]) -> tuple[dict[str, Any], str]:
        """``report:issue`` with ``data`` in transient: (the status record, tx id)."""
        ...

    def bundle(self, inputs: Inputs, doc: dict[str, Any], digest: str, tx_id: str,
               size: int) -> bytes: ...

    def verify(self, data: bytes, bundle: bytes, pdf: bytes) -> str: ...


def _failure(exc: Exception) -> Exception:
    from gateway.cli._ledger import ledger_failure

    if isinstance(exc, CliFailure):
        return exc
    found = ledger_failure(exc)
    return exc if found is None else found


class LedgerReportSteps:
    """The real steps: the service's own peer, user and audit store."""

    def __init__(self, port: LedgerPort, audit_target: str | Path, poll: float = 1.0) -> None:
        self.port, self.audit_target, self.poll = port, audit_target, poll
        self.channel = port.target().channel
        self._roots: dict[str, bytes] | None = None

    def evaluate(self, function: str, args: list[str]) -> Any:
        try:
            raw = self.port.ledger().evaluate(function, args)
        except Exception as exc:
            raise _failure(exc) from None
        try:
            return json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            raise LedgerRefused(f"{function} answered {len(raw)} bytes that are not "
                                "JSON") from None

    def _missing(self) -> str | None:
        target = self.audit_target
        if is_url(target) or Path(target).is_file():
            return None
        return (f"no audit store at {target}: is the organisation's notary follower "
                "running? (settings: audit_store)")

    @contextmanager
    def open_audit(self) -> Iterator[AuditStore]:
        from gateway.audit import AuditStore

        missing = self._missing()
        if missing is not None:
            raise InputError(missing)
        opened = AuditStore.open(self.audit_target)
        try:
            yield opened
        finally:
            opened.close()

    def gather(self, uscc: str, from_date: str, to_date: str,
               version: int | None) -> Inputs:
        from gateway.cli._report_issue import gather

        return gather(self.evaluate, uscc, from_date, to_date, version)

    def wait_anchored(self, tx_ids: list[str], wait: float,
                      progress: Progress) -> tuple[int, str]:
        from gateway.cli._report_bundle import wait_anchored

        return wait_anchored(self._tolerant_audit, tx_ids, wait, progress, self.poll)

    @contextmanager
    def _tolerant_audit(self) -> Iterator[Any]:
        """The store, or (while it does not exist yet) an empty stand-in the wait reads as
        "nothing anchored": the follower may create it after the service starts."""
        if self._missing() is not None:
            yield _NoStore()
            return
        with self.open_audit() as s:
            yield s

    def build(self, inputs: Inputs, note: str) -> Built:
        from gateway.cli._report_issue import build

        return build(inputs, self.channel, note)

    def status(self, args: list[str], version: int) -> dict[str, Any] | None:
        from gateway.cli._report_issue import latest_status

        return latest_status(self.evaluate, args, version)

    def submit(self, args: list[str], data: bytes,
               on_sent: Callable[[str], None]) -> tuple[dict[str, Any], str]:
        try:
            done = self.port.ledger().submit_private("report:issue", args, {"report": data},
                                                     ISSUERS, on_sent=on_sent)
        except Exception as exc:
            raise _failure(exc) from None
        return json.loads(done.result.decode("utf-8")), done.transaction_id

    def roots(self) -> dict[str, bytes]:
        """The channel's MSP roots from its configuration block (``cscc``)."""
        from gateway.cli._audit_roots import roots_from_config

        if self._roots is None:
            ledger = self.port.system("cscc")
            try:
                config = ledger.evaluate("GetChannelConfig", [self.channel])
            except Exception as exc:
                raise _failure(exc) from None
            finally:
                ledger.close()
            self._roots = roots_from_config(config)
        return self._roots

    def bundle(self, inputs: Inputs, doc: dict[str, Any], digest: str, tx_id: str,
               size: int) -> bytes:
        from gateway.cli._report_issue import bundle_bytes

        return bundle_bytes(self.open_audit, self.evaluate, channel=self.channel,
                            inputs=inputs, doc=doc, digest=digest, tx_id=tx_id,
                            roots=self.roots(), size=size)

    def verify(self, data: bytes, bundle: bytes, pdf: bytes) -> str:
        from gateway.cli._report_issue import verify_files

        return verify_files(data, bundle, pdf, self.roots())


class _NoStore:
    """An audit store that has nothing (the real one does not exist yet)."""

    def latest_anchor(self, at_most: int | None = None) -> None:
        return None

    def entry_by_tx(self, tx_id: str) -> None:
        return None
