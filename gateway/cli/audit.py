"""``carbontrust audit``: the audit trail for regulators and third parties (issue 12).

Contract commands (names and flags fixed):

    carbontrust audit history TYPE KEY [--as ORG_MSP]         (JSON on stdout)
    carbontrust audit prove TX_ID [--as ORG_MSP]               (a proof bundle on stdout)
    carbontrust audit export --from ISO --to ISO [--uscc USCC] --out FILE [--as ORG_MSP]
    carbontrust audit check FILE --trust MSP_ROOTS_DIR         (offline)

``history``, ``prove`` and ``export`` answer from the ``--as`` organisation's notary
follower store (default RegulatorMSP's; ``--store DIR`` names another follower directory),
asking the ledger only what the log does not hold (public values, the anchor head).
``check`` needs nothing but the file and the MSP roots; ``roots`` writes those roots.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from gateway.cli._app import FILE, TEXT, App, ledger_options, opts_of, pass_app
from gateway.cli._audit_store import STORE_HELP, StoreParam
from gateway.cli._audit_types import TYPES
from gateway.cli._uscc import check_uscc_shape

__all__ = ["audit"]

STORE = click.option("--store", type=StoreParam(), default=None, help=STORE_HELP)


@click.group()
def audit() -> None:
    """The audit trail: record history, proofs, exports checked offline."""


@audit.command()
@click.argument("type_name", metavar="TYPE", type=click.Choice(sorted(TYPES)))
@click.argument("key", type=TEXT)
@STORE
@ledger_options()
@pass_app
def history(app: App, type_name: str, key: str, store: Path | str | None, **kw: Any) -> None:
    """Every version of a record (by TYPE and KEY) from the audit log, as JSON.

    KEY is the record's identifier: a USCC (enterprise), a meter id, a batch id, a
    factor or rule set version; USCC/PERIOD_START/PERIOD_END[/VERSION] for operating data,
    results, attestations and ratings (a prefix lists them all).
    """
    from gateway.cli._audit_history import record_history
    from gateway.cli._audit_store import open_store

    opts = opts_of(kw)
    with open_store(app, opts, store) as opened:
        app.terminal.json(record_history(app, opts, opened, type_name, key))


@audit.command()
@click.argument("tx_id", type=TEXT)
@STORE
@ledger_options()
@pass_app
def prove(app: App, tx_id: str, store: Path | str | None, **kw: Any) -> None:
    """The inclusion proof of a transaction's audit entry under the latest anchored
    checkpoint (a notary tlog-proof bundle, the leaf and the signers' key bindings)."""
    from gateway.cli._audit_prove import prove_entry
    from gateway.cli._audit_store import open_store

    opts = opts_of(kw)
    with open_store(app, opts, store) as opened:
        channel = app.target(opts).channel
        app.terminal.json(prove_entry(opened, channel, opts["as_msp"], tx_id))


@audit.command()
@click.option("--from", "time_from", type=TEXT, required=True, metavar="ISO",
              help="first instant (ISO 8601; a date is its first instant; no offset: UTC)")
@click.option("--to", "time_to", type=TEXT, required=True, metavar="ISO",
              help="last instant, inclusive (a date is its last instant)")
@click.option("--uscc", type=TEXT, default=None, help="only this enterprise's entries in full")
@click.option("--out", type=FILE, required=True, help="the export file to write")
@STORE
@ledger_options()
@pass_app
def export(app: App, time_from: str, time_to: str, uscc: str | None, out: Path,
           store: Path | str | None, **kw: Any) -> None:
    """Write the audit entries of a time range (or one enterprise's) with their proofs,
    the anchored checkpoints and the key bindings: a file `audit check` verifies offline."""
    from gateway.cli._audit_export import run_export

    opts = opts_of(kw)
    if uscc is not None:
        check_uscc_shape(uscc, "--uscc")
    run_export(app, opts, store, (time_from, time_to, uscc), out)


@audit.command()
@click.argument("file", type=FILE)
@click.option("--trust", type=click.Path(file_okay=False, path_type=Path), required=True,
              metavar="MSP_ROOTS_DIR", help="one <MSP id>.pem per organisation: its root CAs")
@pass_app
def check(app: App, file: Path, trust: Path) -> int:
    """Check an audit export offline against the MSP roots: exit 0 valid, 1 invalid (the
    reason code first on stderr), 2 unreadable."""
    from gateway.cli._audit_check import check_file

    return check_file(app, file, trust)


@audit.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              metavar="DIR", help="directory to write <MSP id>.pem files into")
@click.option("--from-run-dir", is_flag=True,
              help="read the MSP folders of the network's run dir instead of asking the peer")
@ledger_options()
@pass_app
def roots(app: App, out: Path, from_run_dir: bool, **kw: Any) -> None:
    """Write the channel's MSP roots directory (for `audit check --trust`), from the channel
    configuration the --as organisation's peer serves."""
    from gateway.cli._audit_roots import roots_from_peer, roots_from_run_dir, write_roots

    opts = opts_of(kw)
    found = roots_from_run_dir(app, opts) if from_run_dir else roots_from_peer(app, opts)
    for path in write_roots(found, out):
        app.terminal.info(f"wrote {path}")


