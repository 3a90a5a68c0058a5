"""``carbontrust enterprise``: the enterprise registry (``registry:*`` of the contract).

``register`` and ``show`` are part of the command-line contract (names, flags, exit
statuses); the others follow the same shape. Writes default to the regulator's identity
(``--as RegulatorMSP``), which is who the contract lets write the registry.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from gateway.cli._app import FILE, TEXT, App, ledger_options, opts_of, pass_app
from gateway.cli._exit import InputError, LedgerUnreachable
from gateway.cli._uscc import check_uscc_shape

AREAS = ("industry", "energy", "construction", "transport", "agriculture_forestry",
         "daily_life")
STATUSES = ("active", "suspended", "closed")


@click.group()
def enterprise() -> None:
    """The enterprise registry: register, show, list, history, update."""


def _done(app: App, json_out: bool, record: Any, message: str, txid: str) -> None:
    if json_out:
        app.terminal.json(record)
    app.terminal.success(f"{message} (transaction {txid})")


@enterprise.command()
@click.option("--uscc", type=TEXT, required=True, help="unified social credit code (18 chars)")
@click.option("--name", type=TEXT, required=True, help="registered name")
@click.option("--industry", type=TEXT, required=True, metavar="CODE", help="GB/T 4754 code")
@click.option("--region", type=TEXT, required=True, help="region (one accounting knows)")
@click.option("--area", "areas", type=click.Choice(AREAS), multiple=True,
              help="account area (repeat; default: industry)")
@click.option("--json", "json_out", is_flag=True, help="print the stored record on stdout")
@ledger_options()
@pass_app
def register(app: App, uscc: str, name: str, industry: str, region: str,
             areas: tuple[str, ...], json_out: bool, **kw: Any) -> None:
    """Register an enterprise (the regulator writes the registry)."""
    opts = opts_of(kw)
    check_uscc_shape(uscc)
    record: dict[str, Any] = {"uscc": uscc, "name": name, "industry": industry, "region": region}
    if areas:
        record["areas"] = list(areas)
    stored, done = app.submit(opts, "registry:register_enterprise", [_dumps(record)])
    _done(app, json_out, stored, f"registered enterprise {uscc} as {opts['as_msp']}",
          done.transaction_id)


@enterprise.command()
@click.argument("uscc", type=TEXT)
@ledger_options()
@pass_app
def show(app: App, uscc: str, **kw: Any) -> None:
    """Print an enterprise's record as JSON."""
    opts = opts_of(kw)
    check_uscc_shape(uscc, "USCC")
    app.terminal.json(app.evaluate(opts, "registry:get_enterprise", [uscc]))


@enterprise.command("list")
@click.option("--page-size", type=click.IntRange(min=1), default=100, show_default=True,
              help="records per ledger call (the contract sets the maximum)")
@click.option("--bookmark", type=TEXT, default=None,
              help="print one page from here, as {records, bookmark}")
@ledger_options()
@pass_app
def list_(app: App, page_size: int, bookmark: str | None, **kw: Any) -> None:
    """Print every enterprise the identity may see, as a JSON array (paged on the ledger)."""
    opts = opts_of(kw)
    if bookmark is not None:
        app.terminal.json(app.evaluate(opts, "registry:list_enterprises",
                                       [str(page_size), bookmark]))
        return
    records: list[Any] = []
    seen: set[str] = set()
    mark = ""
    while True:
        page = app.evaluate(opts, "registry:list_enterprises", [str(page_size), mark])
        if not isinstance(page, dict) or not isinstance(page.get("records"), list):
            raise LedgerUnreachable(f"list_enterprises answered {type(page).__name__}, "
                                    "expected {records, bookmark}")
        records.extend(page["records"])
        mark = str(page.get("bookmark") or "")
        if not page["records"] or not mark or mark in seen:
            break
        seen.add(mark)
    app.terminal.json(records)


@enterprise.command()
@click.argument("uscc", type=TEXT)
@ledger_options()
@pass_app
def history(app: App, uscc: str, **kw: Any) -> None:
    """Print every version of an enterprise's record as JSON (the ledger's order: newest first)."""
    opts = opts_of(kw)
    check_uscc_shape(uscc, "USCC")
    app.terminal.json(app.evaluate(opts, "registry:history", [uscc]))


@enterprise.command()
@click.argument("uscc", type=TEXT)
@click.option("--name", type=TEXT, default=None)
@click.option("--industry", type=TEXT, default=None, metavar="CODE")
@click.option("--region", type=TEXT, default=None)
@click.option("--area", "areas", type=click.Choice(AREAS), multiple=True)
@click.option("--json", "json_out", is_flag=True, help="print the new record on stdout")
@ledger_options()
@pass_app
def update(app: App, uscc: str, name: str | None, industry: str | None, region: str | None,
           areas: tuple[str, ...], json_out: bool, **kw: Any) -> None:
    """Change an enterprise's name, industry, region or areas."""
    opts = opts_of(kw)
    check_uscc_shape(uscc, "USCC")
    changes: dict[str, Any] = {k: v for k, v in
                               (("name", name), ("industry", industry), ("region", region))
                               if v is not None}
    if areas:
        changes["areas"] = list(areas)
    if not changes:
        raise InputError("nothing to update: give --name, --industry, --region or --area")
    stored, done = app.submit(opts, "registry:update_enterprise", [uscc, _dumps(changes)])
    _done(app, json_out, stored, f"updated enterprise {uscc}", done.transaction_id)


@enterprise.command("set-status")
@click.argument("uscc", type=TEXT)
@click.argument("status", type=click.Choice(STATUSES))
@click.option("--reason", type=TEXT, required=True)
@click.option("--json", "json_out", is_flag=True, help="print the new record on stdout")
@ledger_options()
@pass_app
def set_status(app: App, uscc: str, status: str, reason: str, json_out: bool,
               **kw: Any) -> None:
    """Set an enterprise's status: active, suspended or closed."""
    opts = opts_of(kw)
    check_uscc_shape(uscc, "USCC")
    stored, done = app.submit(opts, "registry:set_status", [uscc, status, reason])
    _done(app, json_out, stored, f"enterprise {uscc} is now {status}", done.transaction_id)


@enterprise.command("bind-certificate")
@click.argument("uscc", type=TEXT)
@click.argument("cert", type=FILE)
@click.option("--json", "json_out", is_flag=True, help="print the new record on stdout")
@ledger_options()
@pass_app
def bind_certificate(app: App, uscc: str, cert: Path, json_out: bool, **kw: Any) -> None:
    """Bind the certificate (PEM file) the enterprise signs with."""
    opts = opts_of(kw)
    check_uscc_shape(uscc, "USCC")
    pem = read_pem(cert)
    stored, done = app.submit(opts, "registry:bind_certificate", [uscc, pem])
    _done(app, json_out, stored, f"bound {cert} to enterprise {uscc}", done.transaction_id)


def read_pem(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read certificate {path}: {exc}") from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise InputError(f"{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
    return text


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
