"""``carbontrust report issue`` and ``carbontrust verify``: the report, its bundle, a check.

``report issue USCC --from --to --out DIR`` (the command-line contract, issue 13) gathers
the latest result (or ``--version``), its attestation, its ratings, the enterprise record
and the monthly totals; waits until their audit entries are anchored (the followers anchor
on a cadence) and builds the report (:func:`verifier.report.build_report`) citing that
checkpoint; issues it with ``report:issue`` (the RFC 8785 bytes in transient data, endorsed
by the members of ``privateReadings``, who also make the chaincode's majority, so the bank's
peer never receives them); waits until the report's own entry is anchored; and writes
``report.json`` (the issued bytes), ``report.pdf`` (rendered from them) and
``bundle.json`` (docs/report.md, "The proof bundle"), then verifies the three with the
channel's MSP roots as a bank would and prints the one-line summary. Should the bundle
step fail after the report was issued (an anchor that does not come within ``--wait``),
report.json and report.pdf are already written and ``report bundle`` (same arguments and
``--version``) writes the files of an issued version again, bundle included.

``verify REPORT.json BUNDLE.json --trust DIR [--pdf PDF]`` is ``python -m verifier``:
exit 0 and ``VALID ...``; 1 and ``CODE detail`` on stderr; 2 when an input is unreadable.
Nothing is dialled and no profile is read.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from gateway.cli._app import TEXT, App, ledger_options, opts_of, pass_app
from gateway.cli._audit_store import StoreParam
from gateway.cli._exit import CliFailure, InputError, LedgerRefused
from gateway.cli._report_issue import ISSUERS
from gateway.cli.results import period, version_text

__all__ = ["report", "verify", "ISSUERS"]


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _steps(app: App, opts: dict[str, Any], store: Path | str | None) -> tuple[Any, Any]:
    """The shared steps' two ways in (gateway/cli/_report_issue.py): evaluate, open_audit."""
    from gateway.cli._audit_store import open_store

    def evaluate(function: str, args: list[str]) -> Any:
        return app.evaluate(opts, function, args)

    return evaluate, lambda: open_store(app, opts, store)


def _submit(app: App, opts: dict[str, Any], args: list[str], data: bytes) -> tuple[Any, str]:
    from gateway.cli._ledger import ledger_failure

    ledger = app.open_ledger(opts)
    try:
        with app.terminal.status("report:issue: endorsing, ordering, waiting for commit"):
            done = ledger.submit_private("report:issue", args, {"report": data}, ISSUERS)
        return json.loads(done.result.decode("utf-8")), done.transaction_id
    except CliFailure:
        raise
    except Exception as exc:
        failure = ledger_failure(exc)
        if failure is None:
            raise
        raise failure from None
    finally:
        ledger.close()


def _period_options(version_help: str) -> Callable[[Callable[..., Any]], Any]:
    """The options `issue` and `bundle` share (only --version's meaning differs)."""
    def wrap(fn: Callable[..., Any]) -> Any:
        fn = pass_app(fn)
        fn = ledger_options()(fn)
        fn = click.option("--wait", type=click.FloatRange(min=0), default=180.0,
                          show_default=True,
                          help="seconds to wait for the entries to be anchored")(fn)
        fn = click.option("--store", type=StoreParam(), default=None,
                          help="the follower directory or database URL to prove from "
                          "[default: the --as organisation's log]")(fn)
        fn = click.option("--version", "version", type=click.IntRange(1, 999_999),
                          default=None, help=version_help)(fn)
        fn = click.option("--out", type=click.Path(file_okay=False, path_type=Path),
                          required=True,
                          help="directory for report.json, report.pdf and bundle.json")(fn)
        fn = click.option("--to", "to_date", type=TEXT, required=True, metavar="YYYY-MM-DD",
                          help="last day (inclusive)")(fn)
        fn = click.option("--from", "from_date", type=TEXT, required=True,
                          metavar="YYYY-MM-DD", help="first day (inclusive)")(fn)
        return click.argument("uscc", type=TEXT)(fn)
    return wrap


@click.group()
def report() -> None:
    """The carbon credit report: issue it with its proof bundle."""


@report.command()
@_period_options("result version [default: the latest]")
def issue(app: App, uscc: str, from_date: str, to_date: str, out: Path, version: int | None,
          store: Path | str | None, wait: float, **kw: Any) -> None:
    """Issue an enterprise's report for a period; write report.json, report.pdf, bundle.json."""
    from gateway.cli._report_bundle import wait_anchored
    from gateway.cli._report_issue import build, gather

    opts = opts_of(kw)
    period(uscc, from_date, to_date)
    args = [uscc, from_date, to_date]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {out}: {exc.strerror or exc}") from None
    evaluate, open_audit = _steps(app, opts, store)
    inputs = gather(evaluate, uscc, from_date, to_date, version)
    size_a, note_a = wait_anchored(open_audit, inputs.input_tx_ids(), wait,
                                   lambda why: app.terminal.debug(f"waiting: {why}"))
    built = build(inputs, app.target(opts).channel, note_a)
    doc, data, pdf = built.doc, built.data, built.pdf
    status, tx_id = _submit(app, opts, args, data)
    _write(out / "report.json", data)
    _write(out / "report.pdf", pdf)
    app.terminal.debug(f"report {status['id']} issued in tx {tx_id}; size {size_a} "
                       f"checkpoint cited")
    try:
        line = _bundle(app, opts, store, wait, out, inputs, doc, data, pdf, status, tx_id)
    except CliFailure as exc:
        raise type(exc)(f"{status['id']} was issued (tx {tx_id}; report.json and "
                        f"report.pdf written to {out}) but its bundle was not written: "
                        f"{exc.message}; write it later with `carbontrust report bundle "
                        f"{uscc} --from {from_date} --to {to_date} --version "
                        f"{status['version']} --out {out}`") from None
    app.terminal.json({"status": status, "tx_id": tx_id, "out": str(out),
                       "files": ["report.json", "report.pdf", "bundle.json"]})
    app.terminal.success(line)


def _bundle(app: App, opts: dict[str, Any], store: Path | str | None, wait: float, out: Path,
            inputs: Any, doc: dict[str, Any], data: bytes, pdf: bytes,
            status: dict[str, Any], tx_id: str) -> str:
    """Wait for the report's entry to be anchored, write bundle.json, verify the three
    files with the channel's roots as a bank would; the VALID line."""
    from gateway.cli._audit_roots import roots_from_peer
    from gateway.cli._report_bundle import wait_anchored
    from gateway.cli._report_issue import bundle_bytes, verify_files

    evaluate, open_audit = _steps(app, opts, store)
    roots = roots_from_peer(app, opts)
    size, _note = wait_anchored(open_audit, inputs.tx_ids_with(tx_id), wait,
                                lambda why: app.terminal.debug(f"waiting: {why}"))
    bundle = bundle_bytes(open_audit, evaluate, channel=app.target(opts).channel,
                          inputs=inputs, doc=doc, digest=status["digest"], tx_id=tx_id,
                          roots=roots, size=size)
    _write(out / "bundle.json", bundle)
    return verify_files(data, bundle, pdf, roots)


@report.command()
@_period_options("report version [default: the latest issued]")
def bundle(app: App, uscc: str, from_date: str, to_date: str, out: Path,
           version: int | None, store: Path | str | None, wait: float, **kw: Any) -> None:
    """Write an issued report's files again (report.json, report.pdf, bundle.json)."""
    from gateway.cli._report_issue import gather
    from verifier.report import ReportError, canonical_bytes, render_pdf

    opts = opts_of(kw)
    period(uscc, from_date, to_date)
    args = [uscc, from_date, to_date]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {out}: {exc.strerror or exc}") from None
    got = app.evaluate(opts, "report:get", [*args, version_text(version)])
    status, doc = got["status"], got["report"]
    evaluate, _open = _steps(app, opts, store)
    inputs = gather(evaluate, uscc, from_date, to_date, doc["method"]["result"]["version"])
    try:
        data = canonical_bytes(doc)
        pdf = render_pdf(doc)
    except ReportError as exc:
        raise LedgerRefused(f"the ledger's report {status['id']} does not render: "
                            f"{exc}") from None
    if "sha256:" + hashlib.sha256(data).hexdigest() != status["digest"]:
        raise LedgerRefused(f"the ledger's report {status['id']} is not its digest "
                            f"{status['digest']}")
    _write(out / "report.json", data)
    _write(out / "report.pdf", pdf)
    line = _bundle(app, opts, store, wait, out, inputs, doc, data, pdf, status,
                   status["issued"]["tx_id"])
    app.terminal.json({"status": status, "tx_id": status["issued"]["tx_id"],
                       "out": str(out), "files": ["report.json", "report.pdf",
                                                  "bundle.json"]})
    app.terminal.success(line)


@click.command()
@click.argument("report_file", metavar="REPORT.json", type=click.Path(path_type=Path))
@click.argument("bundle_file", metavar="BUNDLE.json", type=click.Path(path_type=Path))
@click.option("--trust", type=click.Path(path_type=Path), required=True,
              metavar="MSP_ROOTS_DIR", help="one <MSP id>.pem per organisation: its root CA "
              "certificates (nothing else is trusted)")
@click.option("--pdf", type=click.Path(path_type=Path), default=None,
              help="report.pdf: also prove it is the rendering of the report")
@click.pass_context
def verify(ctx: click.Context, report_file: Path, bundle_file: Path, trust: Path,
           pdf: Path | None) -> None:
    """Verify a report offline with its proof bundle (exit 0 valid, 1 refused, 2 unreadable)."""
    import sys

    from verifier._verify_cli import run

    ctx.exit(run(report_file, bundle_file, trust, pdf, sys.stdout, sys.stderr))
