"""Reading the ledger's records (docs/results.md) with errors that name the field.

The report is built from the result, attestation and rating records exactly as the
chaincode stores them. Before a figure is copied into a report the records are checked
against each other (same enterprise, period, result version and digests), the result is
recomputed with ``accounting`` and the certifier's signature is checked against the
certificate in the record: a report must never say more than its records support.
(Whether that certificate chains to CertifierMSP's root is the verifier's check, with
the MSP roots a bank trusts; the builder has none.)
"""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal, InvalidOperation
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

import accounting

from .._x509 import public_key
from ._errors import ReportInputError

__all__ = ["get", "same", "digest_of", "decimal", "check_result", "check_attestation",
           "check_rating"]

_MISSING = object()


def get(obj: Any, path: str, kind: type | tuple[type, ...] | None = None) -> Any:
    """``obj`` at dotted ``path`` (the first part names the record), typed."""
    parts = path.split(".")
    cur = obj
    for i, part in enumerate(parts[1:], start=1):
        if not isinstance(cur, dict) or part not in cur:
            raise ReportInputError(".".join(parts[: i + 1]), "missing")
        cur = cur[part]
    if kind is not None and (not isinstance(cur, kind) or isinstance(cur, bool)
                             and kind is not bool):
        name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise ReportInputError(path, f"must be {name}", found=cur)
    return cur


def digest_of(value: Any) -> str:
    """``sha256:`` of the ledger's canonical JSON of ``value`` (the records' own encoding)."""
    try:
        return accounting.sha256_digest(accounting.canonical_json(value))
    except (accounting.AccountingError, TypeError, ValueError) as exc:
        raise ReportInputError("$", f"cannot be encoded as canonical JSON: {exc}") from None


def decimal(value: Any, path: str) -> Decimal:
    if not isinstance(value, str):
        raise ReportInputError(path, "must be a decimal string", found=value)
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise ReportInputError(path, "not a decimal", found=value) from None
    if not d.is_finite():
        raise ReportInputError(path, "not a finite decimal", found=value)
    return d


def _encoded(value: Any) -> bytes | None:
    try:
        return accounting.canonical_json(value)
    except (accounting.AccountingError, TypeError, ValueError):
        return None


def same(path: str, expected: Any, found: Any, what: str) -> None:
    """Equal as JSON: ``True`` is not ``1`` (Python's ``==`` says it is)."""
    if expected != found or _encoded(expected) != _encoded(found):
        raise ReportInputError(path, what, expected=expected, found=found)


def _format(record: dict[str, Any], name: str, kind: str) -> None:
    same(f"{name}.kind", kind, get(record, f"{name}.kind"), f"not a {kind} record")
    same(f"{name}.v", 1, get(record, f"{name}.v"), "a record format this reader knows")


def check_result(result: Any) -> dict[str, Any]:
    """The result record, checked: its kind, its accounting result recomputed byte for byte,
    its monthly totals summing to the period totals. Returns the accounting result."""
    if not isinstance(result, dict):
        raise ReportInputError("result", "must be the result record (a JSON object)")
    _format(result, "result", "carbontrust.result")
    acc_input = get(result, "result.accounting_input", dict)
    acc = get(result, "result.result", dict)
    same("result.result_digest", digest_of(acc), get(result, "result.result_digest", str),
          "is not the digest of result.result")
    try:
        accounting.verify_result(acc_input, accounting.canonical_json(acc))
    except accounting.ResultMismatchError as exc:
        raise ReportInputError(f"result.result.{exc.field}", "does not recompute from "
                               "result.accounting_input", expected=exc.expected,
                               found=exc.value) from None
    except accounting.AccountingError as exc:
        raise ReportInputError(f"result.accounting_input.{exc.field}", str(exc.detail),
                               found=exc.value) from None
    uscc = get(result, "result.uscc", str)
    same("result.result.enterprise.id", uscc, get(result, "result.result.enterprise.id"),
          "accounting result of another enterprise")
    same("result.result.period", get(result, "result.period", dict),
          get(result, "result.result.period"), "accounting result of another period")
    totals = get(result, "result.inputs.totals.totals", dict)
    monthly = get(result, "result.inputs.monthly", dict)
    sums: dict[str, Decimal] = {}
    for month in sorted(monthly):
        for source, t in get(result, f"result.inputs.monthly.{month}.totals", dict).items():
            path = f"result.inputs.monthly.{month}.totals.{source}"
            if source not in totals:
                raise ReportInputError(path, "a source absent from inputs.totals")
            same(f"{path}.unit", totals[source].get("unit"), t.get("unit"), "unit differs")
            sums[source] = sums.get(source, Decimal(0)) + decimal(t.get("quantity"),
                                                                  f"{path}.quantity")
    _check_months(result, acc_input, monthly)
    for source, t in totals.items():
        path = f"result.inputs.totals.totals.{source}.quantity"
        total = decimal(t.get("quantity") if isinstance(t, dict) else None, path)
        if sums.get(source, Decimal(0)) != total:
            raise ReportInputError(path, "is not the sum of the monthly totals",
                                   expected=str(sums.get(source, Decimal(0))),
                                   found=str(total))
    return acc


def _check_months(result: dict[str, Any], acc_input: dict[str, Any],
                  monthly: dict[str, Any]) -> None:
    """Each month's emissions (the trend chart) recompute from that month's totals alone."""
    source_map = get(result, "result.source_map", dict)
    start, end = result["period"]["start"], result["period"]["end"]
    for month in sorted(monthly):
        base = f"result.inputs.monthly.{month}"
        first, last = get(result, f"{base}.from", str), get(result, f"{base}.to", str)
        if not (start <= first <= last <= end and first[:7] == month == last[:7]):
            raise ReportInputError(f"{base}.from", "not a month of the period",
                                   expected=f"{month} within {start}..{end}",
                                   found=f"{first}..{last}")
        totals = get(result, f"{base}.totals", dict)
        activity = []
        for s in sorted(totals):
            if s not in source_map:
                raise ReportInputError(f"result.source_map.{s}", "missing")
            activity.append({"source": source_map[s], "quantity": totals[s].get("quantity"),
                             "unit": totals[s].get("unit"), "label": "metered"})
        doc = {**acc_input, "period": {"start": first, "end": last}, "activity": activity,
               "denominators": {}}
        try:
            again = accounting.compute(doc)
        except accounting.AccountingError as exc:
            raise ReportInputError(f"{base}.totals", f"accounting refused the month: "
                                   f"{exc}") from None
        for k in ("scope1_tco2e", "scope2_tco2e", "total_tco2e"):
            same(f"{base}.{k}", str(getattr(again, k)), get(result, f"{base}.{k}"),
                  "does not recompute from the month's totals")


def check_attestation(att: Any, result: dict[str, Any]) -> dict[str, Any]:
    """The attestation record, checked against the result record and its own signature.
    Returns the statement."""
    if not isinstance(att, dict):
        raise ReportInputError("attestation", "must be the attestation record (a JSON object)")
    _format(att, "attestation", "carbontrust.attestation-record")
    st = get(att, "attestation.statement", dict)
    same("attestation.statement_digest", digest_of(st),
          get(att, "attestation.statement_digest", str), "is not the digest of the statement")
    same("attestation.statement.result.digest", digest_of(result),
          get(att, "attestation.statement.result.digest"),
          "does not cite this result record")
    same("attestation.statement.result.version", result["version"],
          get(att, "attestation.statement.result.version"), "attests another result version")
    same("attestation.statement.enterprise.uscc", result["uscc"],
          get(att, "attestation.statement.enterprise.uscc"), "attests another enterprise")
    same("attestation.statement.period", result["period"], get(att, "attestation.statement."
          "period"), "attests another period")
    fs = get(result, "result.inputs.factor_set", dict)
    same("attestation.statement.criteria.factor_set",
          {"version": fs.get("version"), "digest": fs.get("digest")},
          get(att, "attestation.statement.criteria.factor_set"), "another factor set")
    _check_signature(att, st)
    _check_status(att)
    return st


def _check_status(att: dict[str, Any]) -> None:
    """``status`` valid with ``withdrawn`` null, or withdrawn with when and why."""
    status = get(att, "attestation.status", str)
    withdrawn = get(att, "attestation.withdrawn")
    if status == "valid":
        same("attestation.withdrawn", None, withdrawn, "a valid attestation is not withdrawn")
    elif status == "withdrawn":
        get(att, "attestation.withdrawn", dict)
        get(att, "attestation.withdrawn.reason", str)
        get(att, "attestation.withdrawn.tx_id", str)
    else:
        raise ReportInputError("attestation.status", "valid or withdrawn", found=status)


def _check_signature(att: dict[str, Any], st: dict[str, Any]) -> None:
    pem = get(att, "attestation.certificate", str)
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
        sig = base64.b64decode(get(att, "attestation.signature", str), validate=True)
    except (ValueError, binascii.Error) as exc:
        raise ReportInputError("attestation.certificate", f"unreadable: {exc}") from None
    fingerprint = cert.fingerprint(hashes.SHA256()).hex()
    same("attestation.statement.verifier.certificate_fingerprint", fingerprint,
          get(att, "attestation.statement.verifier.certificate_fingerprint"),
          "is not the fingerprint of attestation.certificate")
    try:  # parsed lazily: an unknown key algorithm fails here
        key = public_key(cert)
    except ValueError as exc:
        raise ReportInputError("attestation.certificate", f"unreadable key: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ReportInputError("attestation.certificate", "not an EC key",
                               found=type(key).__name__)
    try:
        key.verify(sig, accounting.canonical_json(st), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ReportInputError("attestation.signature", "does not verify over the statement "
                               "with attestation.certificate") from None


def check_rating(rating: Any, i: int, result: dict[str, Any], att: dict[str, Any]) -> None:
    """One rating record, checked against the result and the attestation it rests on."""
    name = f"ratings[{i}]"
    if not isinstance(rating, dict):
        raise ReportInputError(name, "must be a rating record (a JSON object)")
    _format(rating, name, "carbontrust.rating")
    same(f"{name}.uscc", result["uscc"], get(rating, f"{name}.uscc"), "another enterprise")
    same(f"{name}.period", result["period"], get(rating, f"{name}.period"), "another period")
    same(f"{name}.result", {"version": result["version"], "digest": digest_of(result)},
          get(rating, f"{name}.result"), "rates another result")
    same(f"{name}.attestation.statement_digest", att["statement_digest"],
          get(rating, f"{name}.attestation.statement_digest"), "rests on another attestation")
    same(f"{name}.attestation.opinion", att["statement"]["opinion"],
          get(rating, f"{name}.attestation.opinion"), "opinion differs from the attestation")
    same(f"{name}.attestation.assurance", att["statement"]["assurance"],
          get(rating, f"{name}.attestation.assurance"), "assurance differs from the attestation")
    same(f"{name}.attestation.tx_id", get(att, "attestation.attested.tx_id"),
          get(rating, f"{name}.attestation.tx_id"), "another attestation transaction")
    same(f"{name}.rating.rule_set", {k: get(rating, f"{name}.rule_set.{k}")
                                      for k in ("version", "digest")},
          get(rating, f"{name}.rating.rule_set"), "rating computed with another rule set")
