"""The service's own organisation's notary log, opened for one request.

Every service serves its organisation's notary log (docs/services.md, "Audit routes"). The
log is what the organisation's notary follower writes; the settings say where
(``ServiceSettings.audit_store_path()``): a path to the follower's ``audit.db`` or a URL
of the service's own store, whichever :meth:`gateway.audit.AuditStore.open` is given. It is
opened per request, read only (``sync=False``), and closed after: a reader's ``notary.Log``
sees the size it had when opened, so a request always answers from the log as it is then,
and nothing is kept open between requests that a follower's writes would have to wait for.

A path that names no file is not created (a reader must never leave an empty log behind
and answer from it): 503 ``not-configured`` with ``Retry-After``, since the follower creates
it when it starts. A store whose Log and entry rows disagree is 503 ``audit-store-corrupt``
with the store's evidence (never repaired here).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request

from gateway.service._problems import ApiProblem

if TYPE_CHECKING:
    from gateway.audit import AuditStore

__all__ = ["is_url", "open_log", "own_log", "shown"]

RETRY = {"Retry-After": "5"}


def is_url(target: Any) -> bool:
    """A database URL (``sqlite:///...``, ``postgresql+psycopg://...``) rather than a path."""
    return isinstance(target, str) and "://" in target


def shown(target: Any) -> str:
    """The target as a message may show it (a URL without its password: notary's own
    rendering of where a log lives)."""
    from notary import LogDatabase

    try:
        return str(LogDatabase.parse(target))
    except ValueError:  # an unparsable URL is shown as no URL at all
        return "(the configured audit_store URL)"


@contextmanager
def open_log(target: Any, msp_id: str) -> Iterator[AuditStore]:
    from gateway.audit import AuditStore, StoreCorruptError
    from notary import StoreError

    if not is_url(target) and not Path(target).is_file():
        raise ApiProblem(503, "not-configured", f"no audit store at {target}: is "
                         f"{msp_id}'s notary follower running? (settings: audit_store)",
                         headers=RETRY)
    try:
        store = AuditStore.open(target)
    except StoreCorruptError as exc:
        raise ApiProblem(503, "audit-store-corrupt", f"{msp_id}'s audit store "
                         f"{shown(target)} is corrupt: {exc.reason}",
                         evidence={k: str(v) for k, v in exc.evidence.items()}) from None
    except (StoreError, OSError) as exc:
        raise ApiProblem(503, "audit-store-unavailable", f"cannot read {msp_id}'s audit "
                         f"store {shown(target)}: {type(exc).__name__}",
                         headers=RETRY) from None
    except Exception as exc:  # a URL the engine cannot use (sqlalchemy.exc.*): the setting
        if type(exc).__module__.startswith("sqlalchemy"):
            raise ApiProblem(503, "audit-store-unavailable", f"cannot open {msp_id}'s audit "
                             f"store: {type(exc).__name__}", headers=RETRY) from None
        raise
    try:
        yield store
    finally:
        store.close()


@contextmanager
def own_log(request: Request) -> Iterator[AuditStore]:
    """This service's organisation's log (its settings' ``audit_store_path()``)."""
    settings = request.app.state.settings
    with open_log(settings.audit_store_path(), settings.msp_id) as store:
        yield store
