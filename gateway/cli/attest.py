"""``carbontrust attest`` and ``carbontrust attestation``: the certifier's signed statement.

``attest USCC --from --to --assurance reasonable|limited --opinion unmodified|qualified|adverse
[--as CertifierMSP]`` (the command-line contract, issue 13) reads the result to attest
(``results:get``, the latest version unless ``--version``), builds the ISO 14064-3 statement
of docs/results.md, signs its canonical JSON with the private key of the identity the
profile names (ECDSA P-256, SHA-256: the same key that signs the transaction, so the
contract can check the statement is the submitter's) and submits ``attestation:attest``.
The signature verifies offline with the certificate alone.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from typing import Any

import click

from gateway.cli._app import TEXT, App, ledger_options, opts_of, pass_app
from gateway.cli._exit import InputError
from gateway.cli.results import period, version_text

__all__ = ["attest", "attestation", "build_statement", "canonical"]

CERTIFIER = "CertifierMSP"
CHINA = dt.timezone(dt.timedelta(hours=8))
_PERCENT = re.compile(r"(0|[1-9][0-9]?)(\.[0-9]{1,2})?|100")
DEFAULT_BASIS = ("Verification under ISO 14064-3 of the metered energy under the cited batch "
                 "roots, the enterprise's signed operating data and the factor set cited, "
                 "recomputed with GB/T 32150-2015.")


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def build_statement(answer: dict[str, Any], *, assurance: str, opinion: str, basis: str,
                    materiality: str, verifier_name: str, accreditation: str, mspid: str,
                    fingerprint: str, date: str) -> dict[str, Any]:
    """The statement over a ``results:get`` answer ({"digest", "record"})."""
    rec = answer["record"]
    fs = rec["inputs"]["factor_set"]
    return {"v": 1, "kind": "carbontrust.attestation", "standard": "ISO 14064-3:2019",
            "enterprise": {"uscc": rec["uscc"]}, "period": rec["period"],
            "result": {"version": rec["version"], "digest": answer["digest"]},
            "criteria": {"method": "GB/T 32150-2015",
                         "factor_set": {"version": fs["version"], "digest": fs["digest"]}},
            "assurance": assurance, "materiality": {"threshold": materiality,
                                                    "unit": "percent"},
            "opinion": opinion, "basis": basis,
            "verifier": {"name": verifier_name, "accreditation": accreditation,
                         "mspid": mspid, "certificate_fingerprint": fingerprint},
            "date": date}


def _signer(app: App, opts: dict[str, Any]) -> tuple[str, str, str, Any]:
    """(msp id, certificate fingerprint, subject CN, private key) of the signing identity."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    target = app.target(opts)
    try:
        cert = x509.load_pem_x509_certificate(target.cert.read_bytes())
        key = serialization.load_pem_private_key(target.key.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(f"the identity {target.user}@{target.msp_id} cannot sign: "
                         f"{exc}") from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise InputError(f"the identity {target.user}@{target.msp_id} has no EC key")
    der = cert.public_bytes(serialization.Encoding.DER)
    names = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
    cn = str(names[0].value) if names else target.user
    return target.msp_id, hashlib.sha256(der).hexdigest(), cn, key


def _period_options(fn: Any) -> Any:
    fn = click.option("--to", "to_date", type=TEXT, required=True, metavar="YYYY-MM-DD",
                      help="last day (inclusive)")(fn)
    fn = click.option("--from", "from_date", type=TEXT, required=True, metavar="YYYY-MM-DD",
                      help="first day (inclusive)")(fn)
    return click.argument("uscc", type=TEXT)(fn)


@click.command()
@_period_options
@click.option("--assurance", type=click.Choice(["reasonable", "limited"]), required=True,
              help="level of assurance (ISO 14064-3)")
@click.option("--opinion", type=click.Choice(["unmodified", "qualified", "adverse"]),
              required=True, help="the verification opinion")
@click.option("--basis", type=TEXT, default=DEFAULT_BASIS, show_default=False,
              help="basis for the opinion [default: a statement of the evidence examined]")
@click.option("--materiality", type=TEXT, default="5", show_default=True, metavar="PERCENT",
              help="materiality threshold, percent of total emissions")
@click.option("--verifier-name", type=TEXT, default=None,
              help="the verification body [default: the certificate's common name]")
@click.option("--accreditation", type=TEXT, default="not stated", show_default=True,
              help="the verifier's accreditation (body and number)")
@click.option("--date", "date", type=TEXT, default=None, metavar="YYYY-MM-DD",
              help="date of the statement [default: today, UTC+08:00]")
@click.option("--version", "version", type=click.IntRange(1, 999_999), default=None,
              help="result version [default: the latest]")
@ledger_options(default_as=CERTIFIER)
@pass_app
def attest(app: App, uscc: str, from_date: str, to_date: str, assurance: str, opinion: str,
           basis: str, materiality: str, verifier_name: str | None, accreditation: str,
           date: str | None, version: int | None, **kw: Any) -> None:
    """Attest an enterprise's period result (CertifierMSP); print the record as JSON."""
    opts = opts_of(kw)
    period(uscc, from_date, to_date)
    if not _PERCENT.fullmatch(materiality):
        raise InputError(f"--materiality {materiality!r} is not a percentage 0-100 (at most "
                         "2 decimals)")
    if date is None:
        date = dt.datetime.now(CHINA).date().isoformat()
    elif not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", date):
        raise InputError(f"--date {date!r} is not a date YYYY-MM-DD")
    mspid, fingerprint, cn, key = _signer(app, opts)
    answer = app.evaluate(opts, "results:get",
                          [uscc, from_date, to_date, version_text(version)])
    statement = build_statement(answer, assurance=assurance, opinion=opinion, basis=basis,
                                materiality=materiality, verifier_name=verifier_name or cn,
                                accreditation=accreditation, mspid=mspid,
                                fingerprint=fingerprint, date=date)
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    data = canonical(statement)
    signature = base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256()))).decode("ascii")
    record, _done = app.submit(opts, "attestation:attest", [data.decode("utf-8"), signature])
    app.terminal.json(record)


@click.group()
def attestation() -> None:
    """Attestations: show one, withdraw one (CertifierMSP)."""


@attestation.command()
@_period_options
@click.option("--version", "version", type=click.IntRange(1, 999_999), default=None,
              help="result version [default: the latest attested]")
@ledger_options()
@pass_app
def get(app: App, uscc: str, from_date: str, to_date: str, version: int | None,
        **kw: Any) -> None:
    """Print an attestation record as JSON (public: any organisation)."""
    opts = opts_of(kw)
    period(uscc, from_date, to_date)
    app.terminal.json(app.evaluate(opts, "attestation:get",
                                   [uscc, from_date, to_date, version_text(version)]))


@attestation.command()
@_period_options
@click.option("--version", "version", type=click.IntRange(1, 999_999), required=True,
              help="the attested result version")
@click.option("--reason", type=TEXT, required=True, help="why it is withdrawn")
@ledger_options(default_as=CERTIFIER)
@pass_app
def withdraw(app: App, uscc: str, from_date: str, to_date: str, version: int, reason: str,
             **kw: Any) -> None:
    """Withdraw an attestation (kept in the record's history); print the record."""
    opts = opts_of(kw)
    period(uscc, from_date, to_date)
    record, _done = app.submit(opts, "attestation:withdraw",
                               [uscc, from_date, to_date, str(version), reason])
    app.terminal.json(record)
