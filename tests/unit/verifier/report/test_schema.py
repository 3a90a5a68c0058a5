"""The published schema: valid draft 2020-12, described field by field, strict; RFC 8785."""

from __future__ import annotations

import ast
import copy
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import verifier.report
from verifier.report import (
    SCHEMA_NAME,
    ReportInputError,
    ReportSchemaError,
    canonical_bytes,
    parse_report_json,
    report_digest,
    schema,
    validate,
)


def test_schema_is_valid_draft_2020_12() -> None:
    doc = schema()
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(doc)
    assert doc["properties"]["schema"]["const"] == SCHEMA_NAME


def _walk(node: Any, path: str, out: list[tuple[str, dict[str, Any]]]) -> None:
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            out.append((f"{path}.{name}", sub))
            _walk(sub, f"{path}.{name}", out)
        for key in ("items",):
            if isinstance(node.get(key), dict):
                _walk(node[key], f"{path}[]", out)
        for alt in node.get("oneOf", []):
            _walk(alt, path, out)


def test_every_field_is_described_for_a_bank() -> None:
    """A bank maps each field from its description (or its type's, through $ref)."""
    doc = schema()
    fields: list[tuple[str, dict[str, Any]]] = []
    _walk(doc, "$", fields)
    defs = doc["$defs"]
    undocumented = []
    for path, sub in fields:
        ref = sub.get("$ref", "")
        described = "description" in sub or (ref.startswith("#/$defs/")
                                             and "description" in defs[ref.split("/")[-1]])
        if not described:
            undocumented.append(path)
    assert undocumented == []
    assert len(fields) > 140  # the walk reached the nested fields


@pytest.mark.parametrize("field", [
    "report.id", "report.version", "report.supersedes", "report.status", "enterprise.uscc",
    "enterprise.name", "enterprise.industry", "period", "boundary", "method.standard",
    "method.factor_set", "energy.sources", "emissions.lines", "emissions.by_month",
    "emissions.scope2_location_based_tco2e", "emissions.scope2_market_based_tco2e",
    "intensities", "rating.benchmark_set", "rating.ratings", "attestation.statement",
    "attestation.signature", "data_quality.pcaf_score", "ledger.checkpoint",
    "ledger.result_tx_id", "ledger.attestation_tx_id", "ledger.rating_tx_ids"])
def test_issue_fields_are_in_the_schema(field: str) -> None:
    node = schema()
    for part in field.split("."):
        node = node["properties"][part]
    assert node


def test_built_reports_validate(sample_report: dict[str, Any],
                                twelve_report: dict[str, Any]) -> None:
    validate(sample_report)
    validate(twelve_report)


@pytest.mark.parametrize(("path", "value", "field"), [
    ("emissions.total_tco2e", "40.79", "emissions.total_tco2e"),          # 3 decimals
    ("emissions.total_tco2e", 40.793, "emissions.total_tco2e"),           # a JSON number
    ("emissions.scope1_tco2e", "1e3", "emissions.scope1_tco2e"),
    ("enterprise.uscc", "91440300192203821O", "enterprise.uscc"),         # O is not allowed
    ("report.status", "revoked", "report.status"),
    ("data_quality.pcaf_score", 3, "data_quality.pcaf_score"),
    ("ledger.checkpoint", {"origin": "o", "size": 0, "root": "x"}, "ledger.checkpoint"),
    ("period.start", "2023-13-01", "period.start"),
    ("report.surprise", 1, "report"),                                    # unknown field
])
def test_schema_refuses(sample_report: dict[str, Any], path: str, value: Any,
                        field: str) -> None:
    r = copy.deepcopy(sample_report)
    *head, last = path.split(".")
    node = r
    for p in head:
        node = node[p]
    node[last] = value
    with pytest.raises(ReportSchemaError) as exc:
        validate(r)
    assert exc.value.field == field, exc.value


def test_dates_beyond_the_pattern(sample_report: dict[str, Any]) -> None:
    r = copy.deepcopy(sample_report)
    r["period"]["end"] = "2023-02-30"
    with pytest.raises(ReportSchemaError) as exc:
        validate(r)
    assert exc.value.field == "period.end"
    r["period"] = {"start": "2023-03-01", "end": "2023-02-01"}
    with pytest.raises(ReportSchemaError, match="ends before"):
        validate(r)


def test_canonical_bytes_are_rfc8785(sample_report: dict[str, Any]) -> None:
    data = canonical_bytes(sample_report)
    assert data == json.dumps(sample_report, sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False).encode()  # same for ASCII keys
    assert report_digest(sample_report) == "sha256:" + hashlib.sha256(data).hexdigest()
    assert parse_report_json(data) == sample_report
    # RFC 8785 sorts by UTF-16 code units: U+10000 (a surrogate pair) before U+FFFD
    assert canonical_bytes({"\ufffd": 1, "\U00010000": 2}).startswith('{"\U00010000"'.encode())


def test_canonical_bytes_refuse_floats() -> None:
    with pytest.raises(ReportInputError) as exc:
        canonical_bytes({"a": [1, {"b": 0.5}]})
    assert exc.value.field == "$.a[1].b"


@pytest.mark.parametrize(("text", "what"), [
    (b'{"a":1,"a":2}', "duplicate"), (b'{"a":1.5}', "fraction"), (b'{"a":NaN}', "not JSON"),
    (b'\xff', "UTF-8"), (b'{"a":', "not JSON"), (b"[" * 100000, "deep")])
def test_parse_report_json_is_strict(text: bytes, what: str) -> None:
    with pytest.raises(ReportInputError) as exc:
        parse_report_json(text)
    assert what in str(exc.value) or what == "deep"


def test_digest_is_stable_across_processes(twelve_report: dict[str, Any]) -> None:
    code = ("import sys,json; from verifier.report import report_digest; "
            "print(report_digest(json.loads(sys.stdin.read())))")
    outs = {subprocess.run([sys.executable, "-c", code], input=json.dumps(twelve_report),
                           capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout.strip()
            for seed in ("0", "1", "12345")}
    assert outs == {report_digest(twelve_report)}


def test_imports_stay_pure() -> None:
    """verifier.report imports only the standard library, its pinned libraries,
    accounting and notary (and never gateway, network or chaincode, even indirectly)."""
    allowed = {"rfc8785", "jsonschema", "reportlab", "segno", "pypdf", "cryptography",
               "accounting", "notary", "verifier"} | set(sys.stdlib_module_names)
    package = Path(verifier.report.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"
    code = ("import sys, verifier.report; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in {'gateway', 'network', 'chaincode', 'grpc'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def _set(report: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    r = copy.deepcopy(report)
    *head, last = path.split(".")
    node: Any = r
    for p in head:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return r


@pytest.mark.parametrize(("path", "value", "field"), [
    ("report.id", "CCR-914403001922038216-20230101-20231231-v2", "report.id"),
    ("report.supersedes", {"id": "CCR-914403001922038216-20230101-20231231-v1",
                           "digest": "sha256:" + "0" * 64}, "report.supersedes"),
    ("energy.sources.1.total", "1472448.5", "energy.sources[1].total"),
    ("energy.sources.0.months.3.quantity", "1.26", "energy.sources[0].total"),
    ("energy.sources.0.months.0.month", "2024-01", "energy.sources[0].months"),
    ("energy.sources.0.source", "oil", "energy.sources"),
    ("emissions.by_month.0.month", "2022-12", "emissions.by_month[0].month"),
    ("emissions.lines.0.index", 5, "emissions.lines"),
    ("emissions.lines.0.source", "anthracite", "energy.mix.by_source"),
    ("boundary.sources", ["electricity"], "boundary.sources"),
    ("emissions.lines.1.iso14064_category", 1, "emissions.lines[1].iso14064_category"),
    ("intensities.0.metric", "tax_paid", "intensities"),
    ("enterprise.uscc", "91440300192203821X", "report.id"),
    ("attestation.statement.period.end", "2023-06-30", "attestation.statement.period"),
    ("method.result.record_digest", "sha256:" + "1" * 64, "attestation.statement.result"),
    ("method.factor_set.digest", "sha256:" + "2" * 64,
     "attestation.statement.criteria.factor_set"),
    ("rating.attestation_opinion", "qualified", "rating.attestation_opinion"),
    ("data_quality.pcaf_score", 2, "data_quality.pcaf_score"),
    ("attestation.withdrawn", {"tx_id": None, "reason": "x"}, "attestation.withdrawn"),
    ("attestation.status", "withdrawn", "attestation.withdrawn"),
    ("ledger.rating_tx_ids", [], "ledger.rating_tx_ids"),
    ("rating.ratings.0.rule_set.version", "zz-1", "rating.ratings"),
])
def test_a_report_agrees_with_itself(twelve_report: dict[str, Any], path: str, value: Any,
                                     field: str) -> None:
    """An edit in one place that the schema allows is refused where the report disagrees
    with itself (verifier/report/_consistency.py)."""
    with pytest.raises(ReportSchemaError) as exc:
        validate(_set(twelve_report, path, value))
    assert exc.value.field == field, exc.value


@pytest.mark.parametrize(("path", "value", "field"), [
    ("energy.mix.total_gj", "6773.290", "energy.mix.total_gj"),
    ("energy.mix.by_source.1.share_percent", "13.4", "energy.mix.by_source[1].share_percent"),
    ("energy.mix.by_source.2.source", "anthracite", "energy.mix.by_source"),
    ("energy.mix.by_source.0.gj", "500.000", "energy.mix.total_gj"),
])
def test_energy_mix_agrees_with_itself(twelve_report: dict[str, Any], path: str, value: Any,
                                       field: str) -> None:
    with pytest.raises(ReportSchemaError) as exc:
        validate(_set(twelve_report, path, value))
    assert exc.value.field == field, exc.value
