"""``carbontrust readings``: submit metered readings, prove one is in its batch.

``readings submit FILE.csv|- [--batch-size N] [--as ORG_MSP]`` and ``readings prove
METER_ID INTERVAL_START [--as ORG_MSP]`` are part of the command-line contract (issue 11).
Both default to ``--as PowerMSP``, the organisation that holds the raw batch store.
``submit`` signs, when ``--user`` is not given, as the meter gateway ``Meter1`` (enrolled
through PowerMSP's Fabric CA by ``network up``): the contract lets only a meter gateway
submit batches; with another ``--as`` it defaults to ``User1``. ``prove`` defaults to
``User1``: reading a located reading is for staff (admin or client) of the power company,
the certifier or the regulator, not for a meter gateway (rule ``readings.read``).

The journal and the raw batch store live under ``$CARBONTRUST_INGEST_DIR``, else the
``ingest/`` directory beside the connection profile (``--journal``/``--store`` override).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, BinaryIO

import click

from gateway.cli._app import FILE, TEXT, App, ledger_options, opts_of, pass_app
from gateway.cli._exit import REFUSED, USAGE, InputError, LedgerRefused, LedgerUnreachable
from gateway.cli._profile import default_profile_path

POWER = "PowerMSP"
MAX_BATCH = 20_000  # accounting.readings.MAX_BATCH (a test holds them equal; not imported here
#                     so that --help stays import-free)
METER_GATEWAY = "Meter1"


@click.group()
def readings() -> None:
    """Metered readings: submit batches, prove a reading is in its batch."""


def resolve_user(opts: dict[str, Any]) -> dict[str, Any]:
    if opts["user"] is None:
        opts["user"] = METER_GATEWAY if opts["as_msp"] == POWER else "User1"
    return opts


def ingest_dir(app: App, opts: dict[str, Any]) -> Path:
    env = os.environ if app.environ is None else app.environ
    if env.get("CARBONTRUST_INGEST_DIR"):
        return Path(env["CARBONTRUST_INGEST_DIR"])
    profile = opts["profile"] or default_profile_path(app.environ)
    return Path(profile).parent / "ingest"


def _open_input(name: str) -> tuple[BinaryIO, str]:
    if name == "-":
        return sys.stdin.buffer, "-"
    if "\x00" in name:
        raise InputError("FILE contains a NUL byte")
    path = Path(name)
    try:
        return open(path, "rb"), str(path.resolve())  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None


@readings.command()
@click.argument("file", type=TEXT, metavar="FILE.csv|-")
@click.option("--batch-size", type=click.IntRange(1, MAX_BATCH), default=5000, show_default=True,
              help="readings per batch (one transaction)")
@click.option("--max-wait", type=click.FloatRange(min=0, min_open=True), default=2.0,
              show_default=True, help="seconds a batch waits for more readings")
@click.option("--in-flight", type=click.IntRange(1, 64), default=8, show_default=True,
              help="batches waiting for the ledger at once")
@click.option("--journal", type=FILE, default=None,
              help="journal file [default: <ingest dir>/journal.sqlite]")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="raw batch store [default: <ingest dir>/store]")
@click.option("--run", "run_name", type=TEXT, default=None,
              help="name of this input in the journal [default: the file's path; - for stdin]")
@click.option("--endorsers", type=TEXT, default="pairs", show_default=True,
              help="who endorses each batch: 'pairs' (PowerMSP with CertifierMSP or "
                   "RegulatorMSP in turn), 'all' (the three members), or MSP,MSP[,MSP]")
@ledger_options(default_as=POWER, default_user=None)
@pass_app
def submit(app: App, file: str, batch_size: int, max_wait: float, in_flight: int,
           journal: Path | None, store: Path | None, run_name: str | None, endorsers: str,
           **kw: Any) -> int:
    """Submit readings (CSV with a header row, or JSON lines) from FILE or - (stdin).

    Resumes a run the journal knows (same input): pending batches are sent again, reading
    restarts after the last journaled line. Exit 1 if the ledger refused readings (each on
    stderr with its line), 2 if the input is unreadable (after recording what came before).
    """
    from gateway.cli._ingest_run import run_submit
    from gateway.cli._ingest_sink import endorser_sets

    try:
        sets = endorser_sets(endorsers)
    except ValueError as exc:
        raise InputError(f"--endorsers: {exc}") from None
    opts = resolve_user(opts_of(kw))
    base = ingest_dir(app, opts)
    stream, key = _open_input(file)
    try:
        outcome = run_submit(app, opts, stream, run_name or key,
                             journal or base / "journal.sqlite", store or base / "store",
                             (batch_size, max_wait, in_flight), sets)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    for line, reason in outcome.refused:
        app.terminal.error(f"line {line}: refused: {reason}")
    if outcome.source_error is not None:
        app.terminal.error(f"{file}: {outcome.source_error}")
    again = f" ({outcome.duplicates} already on the ledger)" if outcome.duplicates else ""
    app.terminal.info(f"{outcome.committed} readings recorded in {outcome.batches} batches"
                      f"{again}, {len(outcome.refused)} refused")
    if outcome.source_error is not None:
        return USAGE
    return REFUSED if outcome.refused else 0


@readings.command()
@click.argument("meter_id", type=TEXT)
@click.argument("interval_start", type=TEXT)
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="raw batch store [default: <ingest dir>/store]")
@ledger_options(default_as=POWER)
@pass_app
def prove(app: App, meter_id: str, interval_start: str, store: Path | None, **kw: Any) -> None:
    """Print a reading, its batch and its inclusion proof under the ledger's batch root."""
    from gateway.cli._prove import prove_reading

    opts = opts_of(kw)
    app.terminal.json(prove_reading(app, opts, meter_id, interval_start,
                                    store or ingest_dir(app, opts) / "store"))


@readings.command()
@click.argument("batch_id", type=TEXT)
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="raw batch store [default: <ingest dir>/store]")
@ledger_options(default_as=POWER)
@pass_app
def export(app: App, batch_id: str, store: Path | None, **kw: Any) -> None:
    """Write a committed batch's canonical bytes to stdout, checked against its root on the
    ledger (the copy the power company hands to the certifier, regulator or enterprise)."""
    from gateway.ingest import BatchStore, StoreError

    opts = opts_of(kw)
    root = _ledger_root(app, opts, batch_id)
    try:
        data = BatchStore(store or ingest_dir(app, opts) / "store").get(batch_id, root)
    except StoreError as exc:
        raise InputError(str(exc)) from None
    out = app.terminal.stdout
    out.flush()
    binary: BinaryIO = getattr(out, "buffer", None) or sys.stdout.buffer
    binary.write(data)
    binary.flush()


@readings.command()
@click.argument("file", type=FILE)
@click.argument("batch_id", type=TEXT)
@ledger_options()
@pass_app
def check(app: App, file: Path, batch_id: str, **kw: Any) -> None:
    """Check a copy of a batch against the root the ledger holds for it (exit 1 if not)."""
    from accounting import readings

    opts = opts_of(kw)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror or exc}") from None
    root = _ledger_root(app, opts, batch_id)
    found = readings.batch_root(data).hex()
    if found != root:
        raise LedgerRefused(f"{file} is not batch {batch_id}: its root is {found}, the "
                            f"ledger holds {root}")
    count = data.count(b"\n") + 1 if data else 0
    app.terminal.success(f"{file} is batch {batch_id} (root {root}, {count} readings)")


def _ledger_root(app: App, opts: dict[str, Any], batch_id: str) -> str:
    answer = app.evaluate(opts, "readings:get_batch", [batch_id])
    if not isinstance(answer, dict) or not isinstance(answer.get("root"), str):
        raise LedgerUnreachable(f"readings:get_batch answered no root for {batch_id}")
    return str(answer["root"])
