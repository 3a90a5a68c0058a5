"""Which audit store a command reads: the ``--as`` organisation's notary log, wherever its
follower keeps it.

The follower of an organisation keeps its key in ``<run dir>/notary/<org key>`` and its log
either beside it (``audit.db``, a network without services) or in the organisation's service
store (``make up``: docs/audit.md, "Where the log lives"); in that case it writes the store's
URL to ``database.url`` in its directory, which this module follows. The run dir is the
connection profile's directory (``network up`` writes ``<run dir>/connection.json``) and the
org key the organisation's short name (``PowerMSP`` -> ``power``, from the profile's
``label``). ``--store`` names another follower directory, or a database URL directly
(``sqlite:///...``, ``postgresql+psycopg://...``).

A reader never creates anything: an ``audit.db`` is opened only if the file exists
(:meth:`AuditStore.open` would create an empty one, and a command that reads must never leave
a file behind or answer from an empty log), and a URL is opened requiring the log's tables
(a database without them names the migration that makes them).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gateway.cli._app import App
from gateway.cli._exit import InputError, LedgerRefused

if TYPE_CHECKING:
    from gateway.audit import AuditStore

__all__ = ["StoreParam", "STORE_HELP", "locate", "org_key", "open_store", "store_dir"]

POINTER = "database.url"  # gateway.audit.__main__.DATABASE_POINTER (not imported: CLI start-up)
STORE_HELP = ("the follower directory (its audit.db, or the store its database.url names), "
              "or a database URL [default: <run dir>/notary/<org key> of the --as "
              "organisation]")


class StoreParam(click.ParamType):
    """``--store``: a database URL (kept as text) or a follower directory (a ``Path``)."""

    name = "DIR|URL"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Path | str:
        if isinstance(value, Path):
            return value
        text = str(value)
        if "://" in text:
            return text
        path = Path(text)
        if path.is_file():
            self.fail(f"{text} is a file: --store takes the follower directory that holds "
                      "audit.db, or a database URL", param, ctx)
        return path


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


def locate(app: App, opts: dict[str, Any], store: Path | str | None) -> tuple[Path | str, str]:
    """(what to give ``AuditStore.open``: a URL or an existing ``audit.db``, the
    organisation). ``InputError`` when a directory holds neither ``database.url`` nor
    ``audit.db``."""
    if isinstance(store, str):
        return store, app.target(opts).msp_id
    directory, msp_id = store_dir(app, opts, store)
    pointer = directory / POINTER
    if pointer.is_file():
        try:
            url = pointer.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InputError(f"cannot read {pointer}: {exc.strerror or exc}") from None
        if "://" not in url:
            raise InputError(f"{pointer} names no database URL (the follower writes one "
                             "there when its log is in a service store)")
        return url, msp_id
    path = directory / "audit.db"
    if not path.is_file():
        raise InputError(f"no audit store at {path} (nor a {POINTER} naming a service "
                         f"store): is {msp_id}'s notary follower running? (it starts with "
                         "the network; --store names another follower directory or a "
                         "database URL)")
    return path, msp_id


def _shown(target: Path | str) -> str:
    if isinstance(target, Path):
        return str(target)
    import notary

    try:
        return str(notary.LogDatabase.parse(target))
    except ValueError:
        return "(a database URL)"


@contextmanager
def open_store(app: App, opts: dict[str, Any],
               store: Path | str | None) -> Iterator[AuditStore]:
    from gateway.audit import AuditStore, StoreCorruptError
    from notary import SchemaMissingError, StoreError

    target, msp_id = locate(app, opts, store)
    shown = _shown(target)
    app.terminal.debug(f"audit store {shown}")
    try:
        opened = AuditStore.open(target)
    except StoreCorruptError as exc:
        raise LedgerRefused(str(exc)) from None
    except SchemaMissingError as exc:
        raise InputError(f"{shown} holds no notary log: {exc.cause}") from None
    except (StoreError, OSError, ValueError) as exc:
        raise InputError(f"cannot read audit store {shown}: {exc}") from None
    try:
        yield opened
    finally:
        opened.close()
