"""``carbontrust results`` and ``carbontrust rating``: results and ratings computed on the ledger.

``results compute USCC --from --to [--as ORG_MSP]`` (the command-line contract, issue 13)
submits ``results:compute`` with a fresh random salt in transient data, endorsed by
CertifierMSP and RegulatorMSP: the only organisations whose peers hold both the readings
(``privateReadings``) and the operating data (``operatingData``), so the salt never goes to
another peer.  The transaction answers the version and digest only (its answer is in every
peer's block); the command reads the record with ``results:get`` evaluated on a member's
peer, checks it against them, and prints ``{"digest", "record"}`` (docs/results.md).
``rating compute`` likewise reads its record with ``rating:get``.

When the endorsers answer differently the gateway refuses the transaction ("ProposalResponse
Payloads do not match", naming the peer); this command then asks each endorsing organisation
for ``results:preview`` (what it would record) and names the first field where they differ
with each organisation's value: exit 1, nothing was written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Sequence
from typing import Any

import click

from gateway.cli._app import TEXT, App, ledger_options, opts_of, pass_app
from gateway.cli._exit import CliFailure, InputError, LedgerRefused
from gateway.cli._ledger import Ledger, Submitted
from gateway.cli._read_back import rating_record, result_record
from gateway.cli._uscc import check_uscc_shape

__all__ = ["ENDORSERS", "compute_private", "first_difference", "period", "rating", "results",
           "submit_private"]

ENDORSERS = ("CertifierMSP", "RegulatorMSP")
MISMATCH = "ProposalResponsePayloads do not match"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(value: str, option: str) -> dt.date:
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option} {value!r} is not a date YYYY-MM-DD") from None


def period(uscc: str, from_date: str, to_date: str) -> None:
    """Usage checks of USCC --from --to (exit 2): a result covers days of one year."""
    check_uscc_shape(uscc, "USCC")
    start, end = _date(from_date, "--from"), _date(to_date, "--to")
    if start > end:
        raise InputError(f"--from {from_date} is after --to {to_date}")
    if start.year != end.year:
        raise InputError(f"--from {from_date} and --to {to_date} are in different years (a "
                         "result covers one calendar year at most)")


def version_text(version: int | None) -> str:
    return "" if version is None else str(version)


#: compared first, where present: the computation before the figures derived from it
FIRST = ("result", "lines", "factors", "accounting_input")


def first_difference(a: Any, b: Any, path: str = "") -> tuple[str, Any, Any] | None:
    """The first (path, a's value, b's value) where two JSON values differ, or None; keys
    in FIRST come first, so a differing factor is named before the totals it changes."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = set(a) | set(b)
        for key in [k for k in FIRST if k in keys] + sorted(keys - set(FIRST)):
            found = first_difference(a.get(key), b.get(key), f"{path}.{key}" if path else key)
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else (path or "(answer)", a, b)


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def explain_mismatch(ledger: Ledger, function: str, args: Sequence[str],
                     orgs: Sequence[str]) -> str:
    """Each organisation's answer to ``function`` (evaluated on its peers alone), and the
    first field where they differ."""
    evaluate_on = getattr(ledger, "evaluate_on", None)
    if evaluate_on is None:
        return "(this client cannot ask the organisations one by one)"
    answers: dict[str, Any] = {}
    for org in orgs:
        try:
            answers[org] = json.loads(evaluate_on(function, args, [org]))
        except Exception as exc:  # one peer down must not hide the other's answer
            answers[org] = f"no answer: {exc}"
    first, *rest = orgs
    parts = []
    for org in rest:
        diff = first_difference(answers[first], answers[org])
        if diff is None:
            parts.append(f"{first} and {org} now answer alike (a peer was a block behind?)")
        else:
            where, mine, theirs = diff
            parts.append(f"{where}: {first} says {_shown(mine)}, {org} says {_shown(theirs)}")
    return "; ".join(parts)


ReadBack = Callable[[Ledger, str, Sequence[str], Any, str], Any]


def submit_private(app: App, opts: dict[str, Any], function: str, args: Sequence[str],
                   transient: dict[str, bytes], explain: str | None = None,
                   read_back: ReadBack | None = None) -> Any:
    """Submit with transient data endorsed by ENDORSERS; decode the JSON answer.

    ``explain``: a read-only function with the same arguments whose answers the peers are
    asked for one by one when their endorsements disagree. ``read_back``: what is printed
    instead of the answer, read with an evaluation once the transaction committed (the
    answer, in every peer's block, names the private record; _read_back.py)."""
    ledger = app.open_ledger(opts)
    try:
        app.terminal.debug(f"submit {function} endorsed by {', '.join(ENDORSERS)}", 2)
        with app.terminal.status(f"{function}: endorsing, ordering, waiting for commit"):
            answer, read, done = compute_private(ledger, app.target(opts).msp_id, function,
                                                 args, transient, explain, read_back)
        app.terminal.debug(f"transaction {done.transaction_id} committed in block "
                           f"{done.block_number}")
        return answer if read_back is None else read
    finally:
        ledger.close()


def compute_private(ledger: Ledger, caller: str, function: str, args: Sequence[str],
                    transient: dict[str, bytes], explain: str | None = None,
                    read_back: ReadBack | None = None) -> tuple[Any, Any, Submitted]:
    """(the public answer, the record read back or None, the submission) of a compute
    endorsed by ENDORSERS; typed failures (LedgerRefused naming the field where the endorsers
    disagree). Shared by the command line and the services' ``POST /v1/results|ratings``."""
    from gateway.cli._ledger import ledger_failure

    try:
        done = ledger.submit_private(function, args, transient, ENDORSERS)
        answer = json.loads(done.result.decode("utf-8"))
        read = (read_back(ledger, caller, ENDORSERS, answer, done.transaction_id)
                if read_back is not None else None)
        return answer, read, done
    except CliFailure:
        raise
    except Exception as exc:
        details = [str(d) for d in getattr(exc, "details", ())]
        if explain and any(MISMATCH in d for d in details):
            why = explain_mismatch(ledger, explain, args, ENDORSERS)
            raise LedgerRefused(f"the endorsers disagree on {function}, nothing was "
                                f"written: {why}", details=tuple(details)) from None
        failure = ledger_failure(exc)
        if failure is None:
            raise
        raise failure from None


def salt() -> dict[str, bytes]:
    return {"salt": os.urandom(32)}


def _period_options(fn: Any) -> Any:
    fn = click.option("--to", "to_date", type=TEXT, required=True, metavar="YYYY-MM-DD",
                      help="last day (inclusive)")(fn)
    fn = click.option("--from", "from_date", type=TEXT, required=True, metavar="YYYY-MM-DD",
                      help="first day (inclusive)")(fn)
    return click.argument("uscc", type=TEXT)(fn)


def _version_option(fn: Any) -> Any:
    return click.option("--version", "version", type=click.IntRange(1, 999_999), default=None,
                        help="result version [default: the latest]")(fn)


@click.group()
def results() -> None:
    """Period results computed on the ledger from metered totals and operating data."""


@results.command()
@_period_options
@click.option("--factor-set", type=TEXT, default="", metavar="VERSION",
              help="a governance-activated factor set [default: the one in force]")
@ledger_options()
@pass_app
def compute(app: App, uscc: str, from_date: str, to_date: str, factor_set: str,
            **kw: Any) -> None:
    """Compute and record an enterprise's result for a period; print it as JSON."""
    opts = opts_of(kw)
    period(uscc, from_date, to_date)
    args = [uscc, from_date, to_date, factor_set]
    app.terminal.json(submit_private(app, opts, "results:compute", args, salt(),
                                     explain="results:preview", read_back=result_record))


@results.command()
@_period_options
@_version_option
@ledger_options()
@pass_app
def get(app: App, uscc: str, from_date: str, to_date: str, version: int | None,
        **kw: Any) -> None:
    """Print a recorded result ({"digest", "record"}) as JSON."""
    opts = opts_of(kw)
    period(uscc, from_date, to_date)
    app.terminal.json(app.evaluate(opts, "results:get",
                                   [uscc, from_date, to_date, version_text(version)]))


@click.group()
def rating() -> None:
    """Ratings of attested results with the rule set in force."""


@rating.command(name="compute")
@_period_options
@_version_option
@ledger_options()
@pass_app
def rating_compute(app: App, uscc: str, from_date: str, to_date: str, version: int | None,
                   **kw: Any) -> None:
    """Rate an attested result with the rule set in force; print the rating as JSON."""
    opts = opts_of(kw)
    period(uscc, from_date, to_date)
    app.terminal.json(submit_private(app, opts, "rating:compute",
                                     [uscc, from_date, to_date, version_text(version)],
                                     salt(), read_back=rating_record))


@rating.command(name="get")
@_period_options
@_version_option
@ledger_options()
@pass_app
def rating_get(app: App, uscc: str, from_date: str, to_date: str, version: int | None,
               **kw: Any) -> None:
    """Print a result version's ratings ({"ratings": [...]}) as JSON."""
    opts = opts_of(kw)
    period(uscc, from_date, to_date)
    app.terminal.json(app.evaluate(opts, "rating:get",
                                   [uscc, from_date, to_date, version_text(version)]))
