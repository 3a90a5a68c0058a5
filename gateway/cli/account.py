"""``carbontrust account``: an enterprise's period totals from its metered readings.

``account totals USCC --from YYYY-MM-DD --to YYYY-MM-DD [--as ORG_MSP]`` is part of the
command-line contract (issue 11): it prints the contract's ``account:totals`` answer,
``{"uscc", "from", "to", "totals": {source: {"quantity", "unit", "readings"}}}``, as JSON
on stdout. Dates are checked here (a calendar date, ``--from`` not after ``--to``: exit 2);
who may see the totals is the contract's rule (exit 1 otherwise).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import click

from gateway.cli._app import TEXT, App, ledger_options, opts_of, pass_app
from gateway.cli._exit import InputError
from gateway.cli._uscc import check_uscc_shape

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(value: str, option: str) -> dt.date:
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r} is not a date YYYY-MM-DD") from None


@click.group()
def account() -> None:
    """Carbon account figures: period totals of metered readings."""


@account.command()
@click.argument("uscc", type=TEXT)
@click.option("--from", "from_date", type=TEXT, required=True, metavar="YYYY-MM-DD",
              help="first day (inclusive)")
@click.option("--to", "to_date", type=TEXT, required=True, metavar="YYYY-MM-DD",
              help="last day (inclusive)")
@ledger_options()
@pass_app
def totals(app: App, uscc: str, from_date: str, to_date: str, **kw: Any) -> None:
    """Print an enterprise's totals per source over a period, as JSON."""
    opts = opts_of(kw)
    check_uscc_shape(uscc, "USCC")
    if _date(from_date, "--from") > _date(to_date, "--to"):
        raise InputError(f"--from {from_date} is after --to {to_date}")
    app.terminal.json(app.evaluate(opts, "account:totals", [uscc, from_date, to_date]))
