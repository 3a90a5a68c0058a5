"""``carbontrust meter``: meters and the enterprise each belongs to (``registry:*``).

``meter add`` is part of the command-line contract (names, flags, exit statuses).
"""

from __future__ import annotations

from typing import Any

import click

from gateway.cli._app import TEXT, App, ledger_options, opts_of, pass_app
from gateway.cli._uscc import check_uscc_shape


@click.group()
def meter() -> None:
    """Meters and the enterprise each belongs to."""


@meter.command()
@click.option("--uscc", type=TEXT, required=True, help="the enterprise the meter belongs to")
@click.option("--meter", "meter_id", type=TEXT, required=True, metavar="METER_ID",
              help="meter id, unique on the channel")
@click.option("--json", "json_out", is_flag=True, help="print the enterprise record on stdout")
@ledger_options()
@pass_app
def add(app: App, uscc: str, meter_id: str, json_out: bool, **kw: Any) -> None:
    """Add a meter to an enterprise (the regulator writes the registry)."""
    opts = opts_of(kw)
    stored, done = app.submit(opts, *add_meter_call(uscc, meter_id))
    if json_out:
        app.terminal.json(stored)
    app.terminal.success(f"added meter {meter_id} to enterprise {uscc} "
                         f"(transaction {done.transaction_id})")


def add_meter_call(uscc: str, meter_id: str) -> tuple[str, list[str]]:
    """The contract call adding a meter (InputError on a malformed USCC); shared with the
    regulator service's ``POST /v1/enterprises/{uscc}/meters``."""
    check_uscc_shape(uscc)
    return "registry:add_meter", [uscc, meter_id]


@meter.command()
@click.argument("meter_id", type=TEXT)
@ledger_options()
@pass_app
def show(app: App, meter_id: str, **kw: Any) -> None:
    """Print a meter (its enterprise and status) as JSON."""
    app.terminal.json(app.evaluate(opts_of(kw), "registry:get_meter", [meter_id]))
