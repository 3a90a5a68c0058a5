"""``carbontrust governance``: factor and rule set versions (``governance:*``).

The regulator proposes a version with its content digest (``governance digest`` prints the
one the accounting package ships), the organisations its policy names approve (with ``--as``
each, as an admin: ``--user Admin``), the regulator's admin activates.
"""

from __future__ import annotations

from typing import Any

import click

from gateway.cli._app import TEXT, App, ledger_options, opts_of, parse_json_object, pass_app
from gateway.cli._exit import InputError

KINDS = click.Choice(("factor_set", "rule_set"))


@click.group()
def governance() -> None:
    """Factor and rule set versions: propose, approve, activate, show."""


JSON_OUT = click.option("--json", "json_out", is_flag=True,
                        help="print the version's record on stdout")


def _submitted(app: App, json_out: bool, what: str, result: Any, txid: str) -> None:
    if json_out:
        app.terminal.json(result)
    app.terminal.success(f"{what} (transaction {txid})")


@governance.command()
@click.argument("kind", type=KINDS)
@click.argument("version", type=TEXT)
@pass_app
def digest(app: App, kind: str, version: str) -> None:
    """Print the content digest of a version shipped in the accounting package (no ledger).

    The digest ``propose`` and ``approve`` cite: the contract refuses any other.
    """
    click.echo(shipped_digest(kind, version))


def shipped_digest(kind: str, version: str) -> str:
    """The content digest of a version the accounting package ships (InputError if none);
    shared with the services' governance routes."""
    import accounting

    try:
        doc = (accounting.load_factor_set(version) if kind == "factor_set"
               else accounting.load_rule_set(version))
    except accounting.UnknownVersionError:
        shipped = (accounting.factor_set_versions() if kind == "factor_set"
                   else accounting.rule_set_versions())
        raise InputError(f"no {kind} {version!r} in the accounting package "
                         f"(shipped: {', '.join(shipped)})") from None
    return str(doc.digest)


@governance.command()
@click.argument("kind", type=KINDS)
@click.argument("version", type=TEXT)
@click.option("--digest", type=TEXT, required=True, help="content digest of the version")
@click.option("--policy", type=TEXT, required=True, metavar="JSON",
              help='approval policy as a JSON object, e.g. {"orgs": [...], "required": 3}')
@JSON_OUT
@ledger_options()
@pass_app
def propose(app: App, kind: str, version: str, digest: str, policy: str, json_out: bool,
            **kw: Any) -> None:
    """Propose a version (the regulator)."""
    opts = opts_of(kw)
    parse_json_object(policy, "--policy")
    result, done = app.submit(opts, "governance:propose", [kind, version, digest, policy])
    _submitted(app, json_out, f"proposed {kind} {version}", result, done.transaction_id)


@governance.command()
@click.argument("kind", type=KINDS)
@click.argument("version", type=TEXT)
@click.option("--digest", type=TEXT, required=True, help="the digest being approved")
@JSON_OUT
@ledger_options(default_as=None)
@pass_app
def approve(app: App, kind: str, version: str, digest: str, json_out: bool, **kw: Any) -> None:
    """Approve a version for the organisation of --as (required)."""
    opts = opts_of(kw)
    result, done = app.submit(opts, "governance:approve", [kind, version, digest])
    _submitted(app, json_out, f"{opts['as_msp']} approved {kind} {version}", result,
               done.transaction_id)


@governance.command()
@click.argument("kind", type=KINDS)
@click.argument("version", type=TEXT)
@JSON_OUT
@ledger_options()
@pass_app
def activate(app: App, kind: str, version: str, json_out: bool, **kw: Any) -> None:
    """Make a version usable (the regulator; refused before its approvals)."""
    opts = opts_of(kw)
    result, done = app.submit(opts, "governance:activate", [kind, version])
    _submitted(app, json_out, f"activated {kind} {version}", result, done.transaction_id)


@governance.command()
@click.argument("kind", type=KINDS)
@click.argument("version", type=TEXT)
@ledger_options()
@pass_app
def show(app: App, kind: str, version: str, **kw: Any) -> None:
    """Print a version and its approvals as JSON."""
    app.terminal.json(app.evaluate(opts_of(kw), "governance:get", [kind, version]))


@governance.command("list")
@click.argument("kind", type=KINDS)
@ledger_options()
@pass_app
def list_(app: App, kind: str, **kw: Any) -> None:
    """Print every version of a kind as JSON."""
    app.terminal.json(app.evaluate(opts_of(kw), "governance:list", [kind]))


@governance.command("in-force")
@click.argument("kind", type=KINDS)
@ledger_options()
@pass_app
def in_force(app: App, kind: str, **kw: Any) -> None:
    """Print the version in force as JSON."""
    app.terminal.json(app.evaluate(opts_of(kw), "governance:in_force", [kind]))
