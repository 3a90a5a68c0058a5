"""render_pdf: the same report gives the same bytes, here and in another process; the PDF
says the report's figures and carries its canonical JSON."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pypdf
import pytest
import segno

from verifier.report import (
    EMBEDDED_NAME,
    QR_SIZE_MM,
    ReportSchemaError,
    build_report,
    canonical_bytes,
    extract_embedded_json,
    qr_payload,
    render_pdf,
    report_digest,
)

from . import records

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture(scope="module")
def pdf12(twelve_report: dict[str, Any]) -> bytes:
    return render_pdf(twelve_report)


def test_same_bytes_twice(twelve_report: dict[str, Any], pdf12: bytes) -> None:
    assert render_pdf(copy.deepcopy(twelve_report)) == pdf12


def test_same_bytes_in_another_process(twelve_report: dict[str, Any], pdf12: bytes,
                                       tmp_path: Path) -> None:
    """Another interpreter, hash seed, working directory, locale, time zone, and the
    packages installed at another path (font files read from there)."""
    site = tmp_path / "site"
    for package in ("verifier", "accounting", "notary"):
        shutil.copytree(ROOT / package, site / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    src = tmp_path / "report.json"
    src.write_bytes(canonical_bytes(twelve_report))
    code = ("import sys, hashlib, json; from verifier.report import render_pdf; "
            "print(hashlib.sha256(render_pdf(json.loads(open(sys.argv[1], 'rb').read())))"
            ".hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "987", "LC_ALL": "C", "TZ": "Pacific/Kiritimati",
           "PYTHONPATH": str(site)}
    code = "import verifier.report as v; assert v.__file__.startswith(sys.argv[2]); " + code
    code = "import sys; " + code
    out = subprocess.run([sys.executable, "-c", code, str(src), str(site)], cwd=tmp_path,
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert out == hashlib.sha256(pdf12).hexdigest()


def test_embedded_json_is_the_canonical_report(twelve_report: dict[str, Any],
                                               pdf12: bytes) -> None:
    assert extract_embedded_json(pdf12) == canonical_bytes(twelve_report)
    reader = pypdf.PdfReader(io.BytesIO(pdf12))
    assert list(reader.attachments) == [EMBEDDED_NAME]


def test_pdf_is_uncompressed_with_bundled_fonts_only(pdf12: bytes) -> None:
    assert b"/FlateDecode" not in pdf12            # zlib builds may differ between machines
    fonts = {f for f in (b"DejaVuSans", b"DejaVuSans-Bold", b"DroidSansFallback")
             if f in pdf12}
    assert fonts == {b"DejaVuSans", b"DejaVuSans-Bold", b"DroidSansFallback"}
    assert b"/Type /XObject" not in pdf12          # no raster image anywhere
    assert b"/CreationDate (D:20000101000000+00'00')" in pdf12   # invariant mode


def test_pages_say_the_reports_figures(twelve_report: dict[str, Any], pdf12: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdf12))
    text = "\n".join(page.extract_text() for page in reader.pages)
    r = twelve_report
    e = r["emissions"]
    for figure in (e["total_tco2e"], e["scope1_tco2e"], e["scope2_location_based_tco2e"],
                   r["report"]["id"], r["enterprise"]["uscc"], r["enterprise"]["name"],
                   r["attestation"]["statement"]["opinion"], r["method"]["factor_set"]["version"],
                   report_digest(r)):
        assert figure in text, figure
    for g in r["rating"]["ratings"]:
        assert g["label"] in text
    for i in r["intensities"]:
        if i["value"] is not None:
            assert i["value"] in text
    for s in r["energy"]["sources"]:
        assert s["total"] in text


def test_another_figure_gives_another_pdf(twelve_report: dict[str, Any], pdf12: bytes) -> None:
    r = copy.deepcopy(twelve_report)
    r["ledger"]["checkpoint"] = {"origin": "carbontrust.audit/carbon", "size": 7,
                                 "root": "B" * 43 + "="}
    assert render_pdf(r) != pdf12


def test_qr_carries_digest_and_anchor(twelve_report: dict[str, Any]) -> None:
    r = copy.deepcopy(twelve_report)
    assert qr_payload(r) == f"carbontrust:{r['report']['id']};{report_digest(r)};anchor=none"
    r["ledger"]["checkpoint"] = {"origin": "carbontrust.audit/carbon", "size": 7,
                                 "root": "B" * 43 + "="}
    payload = qr_payload(r)
    assert payload.endswith(f"anchor=carbontrust.audit/carbon/7/{'B' * 43}=")
    qr = segno.make_qr(payload, error="m", boost_error=False)
    modules = qr.symbol_size(border=4)[0]
    assert QR_SIZE_MM / modules >= 0.4, (qr.version, modules)   # mm per module, printed


def test_qr_is_drawn_module_for_module(twelve_report: dict[str, Any], pdf12: bytes) -> None:
    """The page-1 drawing has exactly the dark runs of segno's matrix for the payload."""
    matrix = segno.make_qr(qr_payload(twelve_report), error="m", boost_error=False).matrix
    runs = 0
    for row in matrix:
        prev = 0
        for cell in row:
            runs += 1 if cell and not prev else 0
            prev = cell
    from verifier.report._charts import qr_drawing
    drawn = [s for s in qr_drawing(qr_payload(twelve_report), 100).contents][1:]
    assert len(drawn) == runs


def test_only_valid_reports_render(twelve_report: dict[str, Any]) -> None:
    r = copy.deepcopy(twelve_report)
    r["emissions"]["total_tco2e"] = "696.12"
    with pytest.raises(ReportSchemaError):
        render_pdf(r)


def test_sample_report_renders(sample_report: dict[str, Any]) -> None:
    pdf = render_pdf(sample_report)
    assert json.loads(extract_embedded_json(pdf)) == sample_report
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 2


def test_concurrent_renders_give_the_same_bytes(twelve_report: dict[str, Any],
                                                sample_report: dict[str, Any],
                                                pdf12: bytes) -> None:
    """A server issuing reports renders from several threads; each PDF is still exact."""
    expected_sample = render_pdf(sample_report)
    reports = [twelve_report if i % 2 == 0 else sample_report for i in range(8)]
    with ThreadPoolExecutor(4) as pool:
        out = list(pool.map(render_pdf, reports))
    assert out == [pdf12 if i % 2 == 0 else expected_sample for i in range(8)]


def test_host_settings_of_reportlab_do_not_change_the_bytes(
        twelve_report: dict[str, Any], pdf12: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """A host process that turned on ReportLab's PDF comments still gets the same bytes."""
    from reportlab import rl_config

    monkeypatch.setattr(rl_config, "pdfComments", 1)
    monkeypatch.setattr(rl_config, "invariant", 0)
    assert render_pdf(twelve_report) == pdf12
    assert rl_config.pdfComments == 1          # restored after rendering


@pytest.mark.parametrize("shape", ["twelve", "one month, one rule set", "green power"])
def test_layout_fits_its_cells(shape: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ReportLab's table bounds checks on, every drawing and table fits its cell."""
    from verifier.report import _pdf

    monkeypatch.setitem(_pdf.RL_SETTINGS, "allowTableBoundsErrors", 0)
    given = {"twelve": records.inputs(),
             "one month, one rule set": records.inputs(months=1, rule_sets=("zj-ce-2023",)),
             "green power": records.inputs(residual_electricity=True)}[shape]
    render_pdf(build_report(given))
