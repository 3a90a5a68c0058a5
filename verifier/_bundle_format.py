"""The proof bundle file (``bundle.json``), parsed into typed parts before any check.

Shape errors are refused here with code ``FORMAT`` naming the field; the records inside
(result, attestation, ratings) stay plain JSON objects, checked later against the audit
entries that commit to them. The format is described in docs/report.md ("The proof
bundle"); :func:`verifier.make_bundle` writes it.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from typing import Any

from ._entry import loads_strict, origin
from ._errors import AuditCheckError, AuditFormatError
from ._export_format import ExportEntry, _entry, _hashes, _obj, _str
from ._report_errors import ReportCheckError, UnreadableInput

__all__ = ["BUNDLE_FORMAT", "Bundle", "parse_bundle"]

BUNDLE_FORMAT = "carbontrust-proof-bundle/v1"
_TOP = frozenset({"format", "channel", "origin", "threshold", "report", "records",
                  "openings", "entries", "checkpoint", "report_checkpoint_proof",
                  "key_bindings", "msp_roots"})
_HEX = re.compile(r"[0-9a-f]{32,128}")


def _fail(message: str) -> ReportCheckError:
    return ReportCheckError("FORMAT", message)


@dataclass(frozen=True)
class Bundle:
    channel: str
    origin: str
    threshold: int
    report_id: str
    report_digest: str
    report_tx_id: str
    result: dict[str, Any]
    attestation: dict[str, Any]
    ratings: tuple[dict[str, Any], ...]
    operating_salt: bytes
    batch_salts: tuple[tuple[str, bytes], ...]   # (batch tx id, salt), bundle order
    entries: tuple[ExportEntry, ...]
    checkpoint: str
    report_checkpoint_proof: tuple[bytes, ...]
    key_bindings: tuple[Any, ...]
    msp_roots: tuple[tuple[str, tuple[str, ...]], ...]


def _salt(v: Any, what: str) -> bytes:
    if not isinstance(v, str) or not _HEX.fullmatch(v) or len(v) % 2:
        raise _fail(f"{what} {v!r} is not a salt (32-128 lower-case hex digits)")
    try:
        return bytes.fromhex(v)
    except ValueError:  # pragma: no cover - the pattern admits only hex
        raise _fail(f"{what} is not hex") from None


def _record(v: Any, what: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise _fail(f"{what} is {type(v).__name__}, not a record (JSON object)")
    return v


def _audit(fn: Any, *args: Any) -> Any:
    """Run an export-format parser, turning its FORMAT into ours."""
    try:
        return fn(*args)
    except AuditCheckError as exc:
        raise _fail(exc.detail) from None


def parse_bundle(data: bytes) -> Bundle:
    """Parse bundle bytes: :class:`UnreadableInput` if they are not JSON at all,
    :class:`ReportCheckError` ``FORMAT`` naming the field if the shape is wrong."""
    try:
        v = loads_strict(data)
    except AuditFormatError as exc:
        if "not JSON" in str(exc):
            raise UnreadableInput(f"the bundle is not JSON: {exc}") from None
        raise _fail(f"the bundle is not strict JSON: {exc}") from None
    top = _audit(_obj, v, _TOP, "bundle")
    if top["format"] != BUNDLE_FORMAT:
        raise _fail(f"format {top['format']!r} is not {BUNDLE_FORMAT!r}")
    channel = _audit(_str, top["channel"], "channel")
    try:
        expected_origin = origin(channel)
    except AuditFormatError as exc:
        raise _fail(str(exc)) from None
    if top["origin"] != expected_origin:
        raise _fail(f"origin {top['origin']!r} is not {expected_origin!r} of channel "
                    f"{channel!r}")
    threshold = top["threshold"]
    if not isinstance(threshold, int) or isinstance(threshold, bool):
        raise _fail(f"threshold {threshold!r} is not an integer")
    rep = _audit(_obj, top["report"], {"id", "digest", "tx_id"}, "report")
    for k in ("id", "digest", "tx_id"):
        _audit(_str, rep[k], f"report.{k}")
    records = _audit(_obj, top["records"], {"result", "attestation", "ratings"}, "records")
    if not isinstance(records["ratings"], list) or not records["ratings"]:
        raise _fail("records.ratings is not a non-empty list of rating records")
    ratings = tuple(_record(r, f"records.ratings[{i}]")
                    for i, r in enumerate(records["ratings"]))
    op = _audit(_obj, top["openings"], {"operating_data", "batches"}, "openings")
    op_data = _audit(_obj, op["operating_data"], {"salt"}, "openings.operating_data")
    if not isinstance(op["batches"], list):
        raise _fail("openings.batches is not a list")
    batches = []
    for i, b in enumerate(op["batches"]):
        b = _audit(_obj, b, {"tx_id", "salt"}, f"openings.batches[{i}]")
        batches.append((_audit(_str, b["tx_id"], f"openings.batches[{i}].tx_id"),
                        _salt(b["salt"], f"openings.batches[{i}].salt")))
    if not isinstance(top["entries"], list) or not top["entries"]:
        raise _fail("entries is not a non-empty list")
    entries = tuple(_audit(_entry, e, f"entries[{i}]", False)
                    for i, e in enumerate(top["entries"]))
    if not isinstance(top["key_bindings"], list):
        raise _fail("key_bindings is not a list")
    roots = top["msp_roots"]
    if not isinstance(roots, dict) or not roots:
        raise _fail("msp_roots is not a non-empty object of MSP id -> PEM certificates")
    msp_roots = []
    for mspid, pems in sorted(roots.items()):
        if not isinstance(pems, list) or not pems or not all(isinstance(p, str) for p in pems):
            raise _fail(f"msp_roots.{mspid} is not a non-empty list of PEM texts")
        msp_roots.append((mspid, tuple(pems)))
    try:
        proof = _audit(_hashes, top["report_checkpoint_proof"], "report_checkpoint_proof")
    except binascii.Error:  # pragma: no cover - _hashes reports bad base64 as FORMAT
        raise _fail("report_checkpoint_proof is not base64") from None
    return Bundle(channel, expected_origin, threshold, rep["id"], rep["digest"], rep["tx_id"],
                  _record(records["result"], "records.result"),
                  _record(records["attestation"], "records.attestation"), ratings,
                  _salt(op_data["salt"], "openings.operating_data.salt"), tuple(batches),
                  entries, _audit(_str, top["checkpoint"], "checkpoint"), proof,
                  tuple(top["key_bindings"]), tuple(msp_roots))
