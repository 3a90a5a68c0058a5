"""Which audit store a command reads: the ``--as`` organisation's follower store.

The follower of an organisation keeps its log in ``<run dir>/notary/<org key>/audit.db``
(docs/audit.md, "Followers"); the run dir is the connection profile's directory (``network
up`` writes ``<run dir>/connection.json``) and the org key the organisation's short name
(``PowerMSP`` -> ``power``, from the profile's ``label``). ``--store DIR`` names another
follower directory.

The store is opened only if its file exists: :meth:`AuditStore.open` would create an empty
one, and a command that reads must never leave a file behind or answer from an empty log.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.cli._app import App
from gateway.cli._exit import InputError, LedgerRefused

if TYPE_CHECKING:
    from gateway.audit import AuditStore

__all__ = ["org_key", "open_store", "store_dir"]


def org_key(profile: Path, msp_id: str) -> str:
    """The organisation's short name as ``network`` names its directories."""
    try:
        org = json.loads(profile.read_text(encoding="utf-8"))["orgs"][msp_id]
        label = org.get("label") if isinstance(org, dict) else None
    except (OSError, ValueError, KeyError, TypeError):
        label = None
    if isinstance(label, str) and label and "/" not in label:
        return label.lower()
    name = msp_id[:-3] if msp_id.endswith("MSP") else msp_id
    return name.lower()


def store_dir(app: App, opts: dict[str, Any], store: Path | None) -> tuple[Path, str]:
    """(the follower directory to read, the organisation whose it is)."""
    target = app.target(opts)
    if store is not None:
        return store, target.msp_id
    return target.profile.parent / "notary" / org_key(target.profile, target.msp_id), \
        target.msp_id


@contextmanager
def open_store(app: App, opts: dict[str, Any], store: Path | None) -> Iterator[AuditStore]:
    from gateway.audit import AuditStore, StoreCorruptError
    from notary import StoreError

    directory, msp_id = store_dir(app, opts, store)
    path = directory / "audit.db"
    if not path.is_file():
        raise InputError(f"no audit store at {path}: is {msp_id}'s notary follower running? "
                         "(it starts with the network; --store DIR names another follower "
                         "directory)")
    app.terminal.debug(f"audit store {path}")
    try:
        opened = AuditStore.open(path)
    except StoreCorruptError as exc:
        raise LedgerRefused(str(exc)) from None
    except (StoreError, OSError) as exc:
        raise InputError(f"cannot read audit store {path}: {exc}") from None
    try:
        yield opened
    finally:
        opened.close()
