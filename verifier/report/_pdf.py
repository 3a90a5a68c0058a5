"""``render_pdf(report) -> bytes``: the report for people, the same bytes every time.

What makes the bytes a function of the report alone:

* ReportLab's invariant mode (fixed creation date and document /ID), pinned ReportLab,
  and its global settings that touch the bytes fixed while rendering (``RL_SETTINGS``);
* only the bundled fonts (``_fonts``), embedded as subsets named in first-use order;
* no compression: zlib implementations (zlib, zlib-ng) may deflate the same input to
  different bytes, and a bank's machine may have either; plain streams cost size, not
  meaning (about 300 KB for a 12-month report);
* vector drawings only (``_charts``), figures printed from the report's decimal strings;
* no clock, no randomness, no machine fact (paths, user, locale) reaches the output.

The report's canonical JSON (RFC 8785) is embedded as the file ``report.json`` (catalog
/Names /EmbeddedFiles), so whoever holds the PDF holds the data it was rendered from;
``check_pdf`` extracts it and re-renders to prove the two say the same.
"""

from __future__ import annotations

import io
import threading
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDictionary,
    PDFName,
    PDFStream,
    PDFString,
)
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from . import _charts, _fonts
from ._canonical import canonical_bytes, report_digest
from ._schema import validate

__all__ = ["render_pdf", "RENDERER", "EMBEDDED_NAME", "QR_SIZE_MM", "qr_payload"]

RENDERER = "carbontrust report renderer 1"
EMBEDDED_NAME = "report.json"
_RENDER_LOCK = threading.Lock()
# ReportLab reads some settings from its process-global rl_config, whatever the document
# says (pdfComments adds comments unless rl_config.invariant is set). A host process may
# have changed them; the renderer fixes them for the duration of a rendering.
RL_SETTINGS: dict[str, Any] = {"invariant": 1, "pdfComments": 0,
                               "allowTableBoundsErrors": 1}
_W = A4[0] - 30 * mm
QR_SIZE_MM = 32  # a version-11 code (a checkpoint anchor) still has 0.46 mm modules
_GRID = colors.HexColor("#bbbbbb")
_HEAD = colors.HexColor("#e8f1ec")


def _style(size: float = 8, bold: bool = False, leading: float | None = None,
           color: Any = colors.black) -> ParagraphStyle:
    return ParagraphStyle("s", fontName=_fonts.BOLD if bold else _fonts.REGULAR,
                          fontSize=size, leading=leading or size * 1.25, alignment=TA_LEFT,
                          textColor=color)


def _p(text: Any, size: float = 8, bold: bool = False, color: Any = colors.black) -> Paragraph:
    font = _fonts.BOLD if bold else _fonts.REGULAR
    return Paragraph(_fonts.markup("-" if text is None else str(text), font),
                     _style(size, bold, color=color))


def _table(rows: list[list[Any]], widths: list[float], head: bool = True) -> Table:
    t = Table([[c if isinstance(c, Paragraph) else _p(c) for c in row] for row in rows],
              colWidths=widths, hAlign="LEFT")
    style = [("GRID", (0, 0), (-1, -1), 0.25, _GRID), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]
    if head:
        style.append(("BACKGROUND", (0, 0), (-1, 0), _HEAD))
    t.setStyle(TableStyle(style))
    return t


def _pairs(pairs: list[tuple[str, Any]], width: float = _W) -> Table:
    """Key/value pairs laid out in two columns of pairs."""
    rows = []
    for i in range(0, len(pairs), 2):
        row: list[Any] = []
        for k, v in pairs[i:i + 2]:
            row += [_p(k, bold=True), _p(v)]
        while len(row) < 4:
            row.append(_p(""))
        rows.append(row)
    return _table(rows, [0.15 * width, 0.35 * width, 0.15 * width, 0.35 * width], head=False)


def qr_payload(report: dict[str, Any]) -> str:
    """What the QR code says: the report's id, digest and ledger checkpoint (or none)."""
    cp = report["ledger"]["checkpoint"]
    anchor = "none" if cp is None else f"{cp['origin']}/{cp['size']}/{cp['root']}"
    return f"carbontrust:{report['report']['id']};{report_digest(report)};anchor={anchor}"


def _section(title: str) -> Paragraph:
    return _p(title, size=10, bold=True, color=colors.HexColor("#1b5e46"))


def _summary(r: dict[str, Any]) -> list[Any]:
    rep, ent, m = r["report"], r["enterprise"], r["method"]
    sup = rep["supersedes"]
    fs = m["factor_set"]
    qr_size = QR_SIZE_MM * mm
    head = Table([[[_p("Carbon credit report", size=16, bold=True), Spacer(1, 2 * mm),
                    _p(f"{ent['name']}  ·  {r['period']['start']} to {r['period']['end']}",
                       size=11), Spacer(1, 2 * mm),
                    _p("The QR code carries the report's id, its digest (sha256 of the "
                       "canonical JSON embedded in this PDF) and the ledger checkpoint it is "
                       "anchored under.", size=7, color=colors.HexColor("#555555"))],
                   _charts.qr_drawing(qr_payload(r), qr_size)]],
                 colWidths=[_W - qr_size - 4, qr_size + 4], hAlign="LEFT")
    head.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                              ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [
        head,
        Spacer(1, 2 * mm),
        _pairs([("Report", rep["id"]), ("Status", f"{rep['status']} (version {rep['version']})"),
                ("Supersedes", "none" if sup is None else f"{sup['id']} {sup['digest']}"),
                ("Schema", r["schema"]),
                ("Enterprise", ent["name"]), ("USCC", ent["uscc"]),
                ("Industry", f"{ent['industry']['code']} ({ent['industry']['classification']})"),
                ("Grid region", ent["region"]),
                ("Method", f"{m['standard']}, {r['boundary']['consolidation']}"),
                ("Factor set", f"{fs['version']} (data year {fs['data_year']}) {fs['digest']}"),
                ("PCAF score", f"{r['data_quality']['pcaf_score']}: "
                               f"{r['data_quality']['basis']}"),
                ("Result", f"version {m['result']['version']} {m['result']['record_digest']}")]),
    ]


def _figures(r: dict[str, Any]) -> list[Any]:
    e = r["emissions"]
    market = e["scope2_market_based_tco2e"]
    rows = [["Total", "Scope 1", "Scope 2 location-based", "Scope 2 market-based",
             "Biogenic CO2 (outside scopes)"],
            [_p(e["total_tco2e"], 12, True), _p(e["scope1_tco2e"], 12, True),
             _p(e["scope2_location_based_tco2e"], 12, True),
             _p("n/a (no green power bought)" if market is None else market, 12 if market
                else 7, market is not None),
             _p(e["biomass_tco2e"], 12, True)]]
    w = _W / 5
    return [_section("Emissions (tCO2e)"), _table(rows, [w] * 5)]


def _charts_row(r: dict[str, Any]) -> Table:
    w = _W / 2 - 3 * mm
    t = Table([[_charts.trend_chart(r["emissions"]["by_month"], w, 112),
                _charts.mix_chart(r["energy"]["mix"], w, 112)]],
              colWidths=[_W / 2, _W / 2], hAlign="LEFT")
    t.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return t


def _intensity_rating(r: dict[str, Any]) -> list[Any]:
    rows = [["Metric", "Intensity", "Unit", "Denominator"]]
    for i in r["intensities"]:
        den = i["denominator"]
        rows.append([i["metric"], i["value"] if i["value"] is not None else "none",
                     i["unit"] or "", "" if den is None else f"{den['quantity']} {den['unit']}"])
    rt = r["rating"]
    bs = rt["benchmark_set"]
    rating_rows: list[list[Any]] = [["Rule set", "Scheme", "Rating", "Basis"]]
    for g in rt["ratings"]:
        dims = "; ".join(f"{d['name']}: {d['intensity']} / {d['benchmark']} = {d['ratio']}"
                         if d["rated"] else f"{d['name']}: {d.get('reason', 'not rated')}"
                         for d in g["dimensions"])
        src = "sourced" if g["sourced"] else "project defaults, not sourced"
        rating_rows.append([f"{g['rule_set']['version']} ({src})", g["scheme"],
                            _p(g["label"] or f"none: {g['reason']}", 9, True), dims])
    sourced = "sourced" if bs["sourced"] else "illustrative, not sourced"
    chart = _charts.intensity_chart(rt["ratings"], _W * 0.4, 90)
    left = _table(rows, [0.17 * _W, 0.1 * _W, 0.15 * _W, 0.14 * _W])
    side = Table([[left, chart]], colWidths=[0.58 * _W, 0.42 * _W], hAlign="LEFT")
    side.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0),
                              ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [_section("Intensity and rating"), side, Spacer(1, 2 * mm),
            _table(rating_rows, [0.2 * _W, 0.22 * _W, 0.14 * _W, 0.44 * _W]),
            _p(f"Benchmark set {bs['version']} ({sourced}) {bs['digest']}; the rating rests "
               f"on an {rt['attestation_opinion']} attestation.", size=7)]


def _attestation(r: dict[str, Any]) -> list[Any]:
    a = r["attestation"]
    s = a["statement"]
    w = a["withdrawn"]
    status = a["status"] if w is None else f"withdrawn: {w['reason']}"
    pairs = _pairs([
        ("Standard", s["standard"]), ("Status", status),
        ("Opinion", s["opinion"]), ("Assurance", s["assurance"]),
        ("Materiality", f"{s['materiality']['threshold']} {s['materiality']['unit']}"),
        ("Date", s["date"]),
        ("Verifier", s["verifier"]["name"]), ("Accreditation", s["verifier"]["accreditation"]),
        ("Criteria", f"{s['criteria']['method']}, {s['criteria']['factor_set']['version']}"),
        ("Statement", a["statement_digest"])])
    return [_section("Attestation (ISO 14064-3)"), pairs, Spacer(1, 1 * mm),
            _p("Basis for the opinion: " + s["basis"], size=7)]


def _detail(r: dict[str, Any]) -> list[Any]:
    sources = r["energy"]["sources"]
    months = sorted({m["month"] for s in sources for m in s["months"]})
    rows: list[list[Any]] = [["Month"] + [f"{s['source']} ({s['unit']})" for s in sources]]
    by = [{m["month"]: m["quantity"] for m in s["months"]} for s in sources]
    for month in months:
        rows.append([month] + [b.get(month, "") for b in by])
    rows.append([_p("Total", bold=True)] + [_p(s["total"], bold=True) for s in sources])
    rows.append(["Data source"] + [s["data_source"].replace("_", " ") for s in sources])
    col = (_W - 0.16 * _W) / max(1, len(sources))
    lines = [["#", "Source", "Quantity", "Scope", "ISO 14064-1", "tCO2e", "Factors"]]
    for ln in r["emissions"]["lines"]:
        f = ", ".join(f"{x['id']}={x['value']} {x['unit']}" for x in ln["factors"])
        region = f" ({ln['region']})" if "region" in ln else ""
        lines.append([str(ln["index"]), ln["source"] + region, f"{ln['quantity']} {ln['unit']}",
                      "outside" if ln["ghg_protocol_scope"] is None
                      else str(ln["ghg_protocol_scope"]),
                      f"category {ln['iso14064_category']}", ln["tco2e"], f])
    led = r["ledger"]
    cp = led["checkpoint"]
    return [_section("Energy by source and month"),
            _table(rows, [0.16 * _W] + [col] * len(sources)), Spacer(1, 3 * mm),
            _section("Emissions by source"),
            _table(lines, [0.04 * _W, 0.17 * _W, 0.14 * _W, 0.08 * _W, 0.1 * _W, 0.1 * _W,
                           0.37 * _W]), Spacer(1, 3 * mm),
            _section("Ledger"),
            _pairs([("Channel", led["channel"] or "not stated"),
                    ("Result tx", led["result_tx_id"]),
                    ("Operating data tx", led["operating_data_tx_id"]),
                    ("Attestation tx", led["attestation_tx_id"]),
                    ("Rating txs", ", ".join(str(t) for t in led["rating_tx_ids"])),
                    ("Checkpoint", "not yet anchored" if cp is None
                     else f"{cp['origin']} size {cp['size']} root {cp['root']}"),
                    ("Inputs digest", r["method"]["inputs_digest"]),
                    ("Accounting result", r["method"]["result"]["accounting_digest"])]),
            Spacer(1, 3 * mm),
            _p("This PDF embeds the report's canonical JSON (RFC 8785) as report.json and is "
               f"rendered from it by {RENDERER}; re-rendering that JSON gives these exact "
               "bytes, which is how a verifier proves this document says what the verified "
               "JSON says. Figures are tCO2e unless stated; decimals are exact as reported.",
               size=7)]


def _embed(canvas: Canvas, data: bytes) -> None:
    """Attach ``data`` as the embedded file report.json (catalog /Names /EmbeddedFiles)."""
    doc = canvas._doc
    stream = PDFStream(PDFDictionary({"Type": PDFName("EmbeddedFile"),
                                      "Subtype": PDFName("application#2Fjson"),
                                      "Params": PDFDictionary({"Size": len(data)})}),
                       data, filters=[])
    spec = PDFDictionary({"Type": PDFName("Filespec"), "F": PDFString(EMBEDDED_NAME),
                          "UF": PDFString(EMBEDDED_NAME),
                          "Desc": PDFString("carbon credit report, RFC 8785 canonical JSON"),
                          "AFRelationship": PDFName("Source"),
                          "EF": PDFDictionary({"F": doc.Reference(stream)})})
    names = PDFDictionary({"Names": PDFArray([PDFString(EMBEDDED_NAME), doc.Reference(spec)])})
    doc.Catalog.Names = PDFDictionary({"EmbeddedFiles": names})


def render_pdf(report: dict[str, Any]) -> bytes:
    """The PDF of a schema-valid report; the same report gives the same bytes.

    One rendering at a time per process: ReportLab keeps each document's font-subset
    state inside the registered (process-global) font objects. Rendering is CPU-bound
    Python, so the lock costs no throughput under the GIL."""
    with _RENDER_LOCK:
        saved = {k: getattr(rl_config, k) for k in RL_SETTINGS}
        try:
            for k, v in RL_SETTINGS.items():
                setattr(rl_config, k, v)
            return _render(report)
        finally:
            for k, v in saved.items():
                setattr(rl_config, k, v)


def _render(report: dict[str, Any]) -> bytes:
    validate(report)
    data = canonical_bytes(report)
    digest = report_digest(report)
    _fonts.register()
    buf = io.BytesIO()
    rid = report["report"]["id"]
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm,
        bottomMargin=16 * mm, invariant=1, pageCompression=0,
        title=f"Carbon credit report {rid}", author="carbontrust", creator=RENDERER,
        producer=RENDERER, subject=digest, lang="en")

    def footer(canvas: Canvas, d: Any) -> None:
        canvas.saveState()
        canvas.setFont(_fonts.REGULAR, 6.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(15 * mm, 9 * mm, f"{rid}  ·  report digest {digest}")
        canvas.drawRightString(A4[0] - 15 * mm, 5.5 * mm, f"page {d.page}")
        canvas.restoreState()

    def first(canvas: Canvas, d: Any) -> None:
        _embed(canvas, data)
        footer(canvas, d)

    story: list[Any] = []
    story += _summary(report)
    story += [Spacer(1, 3 * mm)] + _figures(report) + [Spacer(1, 2 * mm), _charts_row(report)]
    story += [Spacer(1, 2 * mm)] + _intensity_rating(report)
    story += [PageBreak(), KeepTogether(_attestation(report)), Spacer(1, 3 * mm)]
    story += _detail(report)
    doc.build(story, onFirstPage=first, onLaterPages=footer)
    return buf.getvalue()
