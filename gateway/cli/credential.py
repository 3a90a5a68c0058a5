"""``carbontrust credential``: the attestation and the report as W3C Verifiable Credentials.

    carbontrust credential issue attestation USCC --from D --to D [--version N]
        [--valid-until DATE] [--out FILE] [--as CertifierMSP] [--ca-cert PEM]
    carbontrust credential issue report REPORT.json [--valid-until DATE] [--out FILE]
        [--as RegulatorMSP] [--ca-cert PEM]
    carbontrust credential verify FILE --trust MSP_ROOTS_DIR [--as BankMSP]
        [--offline --status SNAPSHOT.json [--max-age HOURS]]
    carbontrust credential status FILE... --out SNAPSHOT.json [--as BankMSP]

``issue`` reads the record from the ledger (``attestation:get``; for a report
``report:status``, which must say ``valid`` with the file's digest), builds the credential
(:mod:`verifier.credentials`) with the profile identity as issuer (its did:x509 under the
MSP root in the identity's ``msp/cacerts``) and signs it with that identity's key: a
compact JWS (``application/vc+jwt``) on stdout or in ``--out``. ``verify`` checks it with
``verifier.credentials.verify_credential`` and asks the ``--as`` organisation's peer for
each status entry (the bank's own peer by default); ``--offline`` answers from a snapshot
that ``status`` wrote earlier instead, and says so. Exit 0 valid (one line on stdout), 1
refused (``CODE detail`` on stderr), 2 unreadable input, 3 no answer from the ledger.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from gateway.cli._app import FILE, TEXT, App, ledger_options, opts_of, pass_app
from gateway.cli._exit import OK, REFUSED, CliFailure, InputError, LedgerRefused
from gateway.cli.attest import _period_options
from gateway.cli.results import period, version_text

__all__ = ["credential"]

STATUS_FUNCTIONS = ("attestation:status", "report:status")


class CredentialRefused(CliFailure):
    """The credential is not issued or does not verify (exit 1)."""

    exit_code = REFUSED


@click.group()
def credential() -> None:
    """Verifiable credentials (W3C VC 2.0, vc+jwt): issue, verify, status."""


@credential.group()
def issue() -> None:
    """Issue a credential signed by the profile identity."""


def _valid_until(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--valid-until {text!r} is not a date YYYY-MM-DD") from None
    return dt.datetime.combine(day, dt.time(23, 59, 59), dt.timezone(dt.timedelta(hours=8)))


def _signer(app: App, opts: dict[str, Any], ca_cert: Path | None) -> tuple[Any, bytes, bytes,
                                                                          bytes]:
    """(target, certificate PEM, key PEM, MSP root PEM) of the issuing identity."""
    target = app.target(opts)
    ca = ca_cert
    if ca is None:
        found = sorted((target.cert.parent.parent / "cacerts").glob("*.pem"))
        if len(found) != 1:
            raise InputError(f"cannot find the MSP root of {target.user}@{target.msp_id} in "
                             f"{target.cert.parent.parent / 'cacerts'} ({len(found)} files); "
                             "name it with --ca-cert")
        ca = found[0]
    try:
        return target, target.cert.read_bytes(), target.key.read_bytes(), ca.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the issuing identity: {exc}") from None


def _issue(app: App, opts: dict[str, Any], ca_cert: Path | None, build: Any,
           out: Path | None) -> None:
    from cryptography import x509

    from verifier.credentials import did_for, sign_credential

    target, cert_pem, key_pem, ca_pem = _signer(app, opts, ca_cert)
    try:
        leaf = x509.load_pem_x509_certificate(cert_pem)
        root = x509.load_pem_x509_certificates(ca_pem)[-1]
    except (ValueError, IndexError) as exc:
        raise InputError(f"the issuing identity's certificate or MSP root is not PEM: "
                         f"{exc}") from None
    try:
        did = did_for(leaf, root)
        doc = build(issuer=did, issuer_name=target.msp_id, channel=target.channel,
                    chaincode=target.chaincode, valid_from=dt.datetime.now(dt.UTC))
        token = sign_credential(doc, cert_pem, key_pem, ca_pem)
    except ValueError as exc:
        raise CredentialRefused(f"not issued: {exc}") from None
    if out is None:
        app.terminal.stdout.write(token + "\n")
        app.terminal.stdout.flush()
    else:
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(token + "\n", encoding="ascii")
        tmp.replace(out)
    app.terminal.success(f"{doc['name']}: issued by {did} ({target.msp_id})"
                         + (f", written to {out}" if out else ""))


_OUT = click.option("--out", type=FILE, default=None, help="write the JWS here [default: stdout]")
_CA = click.option("--ca-cert", type=FILE, default=None,
                   help="the issuer's MSP root CA (PEM) [default: the identity's msp/cacerts]")
_UNTIL = click.option("--valid-until", type=TEXT, default=None, metavar="YYYY-MM-DD",
                      help="validUntil (end of that day, UTC+08:00) [default: none; the "
                           "ledger status decides]")


@issue.command("attestation")
@_period_options
@click.option("--version", "version", type=click.IntRange(1, 999_999), default=None,
              help="result version [default: the latest attested]")
@_UNTIL
@_OUT
@_CA
@ledger_options(default_as="CertifierMSP")
@pass_app
def issue_attestation(app: App, uscc: str, from_date: str, to_date: str, version: int | None,
                      valid_until: str | None, out: Path | None, ca_cert: Path | None,
                      **kw: Any) -> None:
    """The certifier's attestation as a verifiable credential (CertifierMSP)."""
    from verifier.credentials import attestation_credential

    opts = opts_of(kw)
    period(uscc, from_date, to_date)
    until = _valid_until(valid_until)
    record = app.evaluate(opts, "attestation:get",
                          [uscc, from_date, to_date, version_text(version)])
    _issue(app, opts, ca_cert,
           lambda **a: attestation_credential(record, valid_until=until, **a), out)


@issue.command("report")
@click.argument("report_file", type=FILE, metavar="REPORT.json")
@_UNTIL
@_OUT
@_CA
@ledger_options(default_as="RegulatorMSP")
@pass_app
def issue_report(app: App, report_file: Path, valid_until: str | None, out: Path | None,
                 ca_cert: Path | None, **kw: Any) -> None:
    """A carbon credit report (report.json) as a verifiable credential, once the ledger
    says that version is valid with this digest."""
    from verifier.credentials import report_credential
    from verifier.report import ReportError, parse_report_json, report_digest

    opts = opts_of(kw)
    until = _valid_until(valid_until)
    try:
        report = parse_report_json(report_file.read_bytes())
        digest, rep = report_digest(report), report["report"]
        args = [report["enterprise"]["uscc"], report["period"]["start"],
                report["period"]["end"], str(rep["version"])]
    except OSError as exc:
        raise InputError(f"cannot read {report_file}: {exc.strerror or exc}") from None
    except (ReportError, KeyError, TypeError) as exc:
        raise InputError(f"{report_file} is not a carbon credit report: {exc}") from None
    status = app.evaluate(opts, "report:status", args)
    if not isinstance(status, dict) or (status.get("digest"), status.get("status")) != (
            digest, "valid"):
        found = (status.get("digest"), status.get("status")) if isinstance(status, dict) \
            else status
        raise CredentialRefused(f"not issued: the ledger's report {' '.join(args)} is "
                                f"{found}, not valid with digest {digest}")
    _issue(app, opts, ca_cert,
           lambda **a: report_credential(report, valid_until=until, **a), out)


def _read_token(file: Path) -> str:
    try:
        return file.read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {file}: {exc}") from None


def _ledger_lookup(app: App, opts: dict[str, Any]) -> Any:
    from verifier.credentials import StatusUnavailable

    target = app.target(opts)

    def lookup(entry: dict[str, Any]) -> dict[str, Any]:
        if entry["function"] not in STATUS_FUNCTIONS:
            raise StatusUnavailable(f"{entry['function']} is not a status function")
        if (entry["channel"], entry["chaincode"]) != (target.channel, target.chaincode):
            raise StatusUnavailable(f"the credential's status is on {entry['channel']}/"
                                    f"{entry['chaincode']}; the profile reaches "
                                    f"{target.channel}/{target.chaincode}")
        try:
            answer: dict[str, Any] = app.evaluate(opts, entry["function"], entry["arguments"])
        except LedgerRefused as exc:
            raise StatusUnavailable(f"{target.msp_id}'s peer answered {entry['function']} "
                                    f"{' '.join(entry['arguments'])}: {exc.message}") from None
        return answer

    return lookup


@credential.command()
@click.argument("file", type=FILE)
@click.option("--trust", type=click.Path(file_okay=False, path_type=Path), required=True,
              metavar="MSP_ROOTS_DIR", help="one <MSP id>.pem per organisation: its root CAs")
@click.option("--offline", is_flag=True, help="answer the status from --status, not the ledger")
@click.option("--status", "snapshot", type=FILE, default=None, metavar="SNAPSHOT.json",
              help="a status snapshot (credential status --out) for --offline")
@click.option("--max-age", type=click.FloatRange(min=0, min_open=True), default=24.0,
              show_default=True, metavar="HOURS", help="oldest snapshot --offline accepts")
@ledger_options(default_as="BankMSP")
@pass_app
def verify(app: App, file: Path, trust: Path, offline: bool, snapshot: Path | None,
           max_age: float, **kw: Any) -> int:
    """Verify a credential: signature, MSP root, issuer, validity, and its ledger status."""
    from verifier import RootsError, load_msp_roots
    from verifier.credentials import CredentialError, StatusSnapshot, verify_credential

    opts = opts_of(kw)
    if offline != (snapshot is not None):
        raise InputError("--offline and --status go together (an offline check answers the "
                         "status from a snapshot the bank took)")
    token = _read_token(file)
    try:
        roots = load_msp_roots(trust)
    except RootsError as exc:
        raise InputError(f"--trust: {exc}") from None
    if snapshot is not None:
        try:
            lookup: Any = StatusSnapshot(json.loads(snapshot.read_bytes()),
                                         dt.timedelta(hours=max_age))
        except (OSError, ValueError) as exc:
            raise InputError(f"--status {snapshot}: {exc}") from None
    else:
        lookup = _ledger_lookup(app, opts)
    try:
        out = verify_credential(token, roots, lookup)
    except CredentialError as exc:
        line = f"{exc.code} {exc.detail}".encode("utf-8", "backslashreplace").decode("utf-8")
        app.terminal.stderr.write(line + "\n")
        app.terminal.stderr.flush()
        return REFUSED
    s = out["status"]
    source = "ledger" if s["source"] == "ledger" else f"snapshot of {s['as_of']}"
    app.terminal.stdout.write(
        f"VALID {out['kind']} credential {out['id']} issued by {out['issuer_msp']} "
        f"({out['signer']}) from {out['valid_from']}"
        + (f" until {out['valid_until']}" if out["valid_until"] else "")
        + f"; status active ({source})\n")
    app.terminal.stdout.flush()
    return OK


@credential.command()
@click.argument("files", type=FILE, nargs=-1, required=True)
@click.option("--out", type=FILE, required=True, help="the snapshot file to write")
@ledger_options(default_as="BankMSP")
@pass_app
def status(app: App, files: tuple[Path, ...], out: Path, **kw: Any) -> None:
    """Take a status snapshot of credentials from the ledger, for --offline checks."""
    from verifier.credentials import CredentialError, StatusUnavailable, make_snapshot, read_jws

    opts = opts_of(kw)
    lookup = _ledger_lookup(app, opts)
    pairs = []
    for file in files:
        try:
            doc = read_jws(_read_token(file)).payload
        except CredentialError as exc:
            raise InputError(f"{file}: {exc}") from None
        entries = doc.get("credentialStatus")
        for entry in entries if isinstance(entries, list) else [entries]:
            if not isinstance(entry, dict) or not isinstance(entry.get("arguments"), list):
                raise InputError(f"{file}: a credentialStatus entry is not ours")
            try:
                pairs.append((entry, lookup(entry)))
            except StatusUnavailable as exc:
                raise CredentialRefused(str(exc)) from None
    snap = make_snapshot(pairs, dt.datetime.now(dt.UTC))
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(snap, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out)
    app.terminal.success(f"{len(pairs)} status answers as of {snap['as_of']} in {out}")
