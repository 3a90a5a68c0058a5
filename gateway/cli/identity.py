"""``carbontrust identity``: who the ledger sees, and certificate revocation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from gateway.cli._app import FILE, TEXT, App, ledger_options, opts_of, pass_app
from gateway.cli._exit import InputError
from gateway.cli.enterprise import read_pem


@click.group()
def identity() -> None:
    """Who the ledger sees (whoami) and certificate revocation."""


@identity.command()
@ledger_options()
@pass_app
def whoami(app: App, **kw: Any) -> None:
    """Print the caller as the contract sees it (MSP id, role, OU, USCC, fingerprint)."""
    app.terminal.json(app.evaluate(opts_of(kw), "identity:whoami", []))


@identity.command()
@click.option("--cert", type=FILE, default=None,
              help="the certificate (PEM file) to revoke")
@click.option("--fingerprint", type=TEXT, default=None,
              help="or its SHA-256 fingerprint (your own certificate only)")
@click.option("--reason", type=TEXT, required=True)
@ledger_options()
@pass_app
def revoke(app: App, cert: Path | None, fingerprint: str | None, reason: str,
           **kw: Any) -> None:
    """Revoke a certificate: the contract refuses it from then on."""
    opts = opts_of(kw)
    if (cert is None) == (fingerprint is None):
        raise InputError("give exactly one of --cert and --fingerprint")
    which = read_pem(cert) if cert is not None else str(fingerprint)
    _, done = app.submit(opts, "registry:revoke_certificate", [which, reason])
    app.terminal.success(f"revoked {cert or fingerprint} (transaction {done.transaction_id})")
