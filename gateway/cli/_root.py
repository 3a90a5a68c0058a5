"""The root ``carbontrust`` group: verbosity, colour, and the command groups by role.

Each group lives in its own module and is imported only when it runs (:class:`LazyGroup`);
this module imports Click and nothing heavy, so ``carbontrust --help`` is quick.
"""

from __future__ import annotations

import click

from gateway.cli._app import App
from gateway.cli._lazy import LazyGroup

__all__ = ["GROUPS", "carbontrust"]

# name -> (module:attribute, short help); room for more roles (reports, consent, audit...)
GROUPS: dict[str, tuple[str, str]] = {
    "enterprise": ("gateway.cli.enterprise:enterprise",
                   "The enterprise registry: register, show, list, history, update."),
    "meter": ("gateway.cli.meter:meter", "Meters and the enterprise each belongs to."),
    "identity": ("gateway.cli.identity:identity",
                 "Who the ledger sees (whoami) and certificate revocation."),
    "governance": ("gateway.cli.governance:governance",
                   "Factor and rule set versions: propose, approve, activate, show."),
    "readings": ("gateway.cli.readings:readings",
                 "Metered readings: submit batches, prove a reading is in its batch."),
    "account": ("gateway.cli.account:account",
                "Carbon account figures: period totals of metered readings."),
    "audit": ("gateway.cli.audit:audit",
              "The audit trail: record history, proofs, exports checked offline."),
    "results": ("gateway.cli.results:results",
                "Period results computed on the ledger from metered totals and operating data."),
    "attest": ("gateway.cli.attest:attest",
               "Attest an enterprise's period result (CertifierMSP); print the record as JSON."),
    "attestation": ("gateway.cli.attest:attestation",
                    "Attestations: show one, withdraw one (CertifierMSP)."),
    "rating": ("gateway.cli.results:rating",
               "Ratings of attested results with the rule set in force."),
    "credential": ("gateway.cli.credential:credential",
                   "Verifiable credentials (W3C VC 2.0, vc+jwt): issue, verify, status."),
    "report": ("gateway.cli.report:report",
               "The carbon credit report: issue it with its proof bundle."),
    "verify": ("gateway.cli.report:verify",
               "Verify a report offline with its proof bundle (exit 0 valid, 1 refused, 2 "
               "unreadable)."),
    "offline": ("gateway.cli.offline:offline",
                "See and sign requests a service built for your identity (your key stays here)."),
}


def _print_version(ctx: click.Context) -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("carbontrust")
    except PackageNotFoundError:
        found = "(source tree, not installed)"
    click.echo(f"carbontrust {found}")
    ctx.exit(0)


@click.group(
    cls=LazyGroup,
    lazy=GROUPS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option("-v", "--verbose", count=True,
              help="more messages on stderr (-vv: per-peer evidence)")
@click.option("-q", "--quiet", count=True, help="fewer messages on stderr (-qq: errors only)")
@click.option("--color/--no-color", default=None,
              help="colour on stderr and for JSON on a terminal [default: auto; NO_COLOR honoured]")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=lambda ctx, _p, v: _print_version(ctx) if v else None,
              help="Show the version and exit.")
@click.pass_context
def carbontrust(ctx: click.Context, verbose: int, quiet: int, color: bool | None) -> None:
    """carbontrust: the carbon account ledger from the command line.

    Exit status: 0 success, 1 the ledger refused (the reason on stderr), 2 bad usage or
    unreadable input, 3 no answer from the ledger (unreachable, timed out: retry).
    Data (JSON) goes to stdout, messages to stderr.
    """
    app = ctx.ensure_object(App)
    app.terminal.verbosity = verbose - quiet
    if color is not None:
        app.terminal.color = color
