"""The report's figures as vector drawings (ReportLab graphics): trend, energy mix, intensity, QR.

Everything is drawn as vector shapes from the report's figures; no raster image, so no
image encoder's version can change the bytes. Decimal strings become floats only for
drawing; every printed figure is the report's own string.
The QR code's modules come from ``segno`` (matrix only) and are drawn as rectangles.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import segno
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors

from ._fonts import BOLD, REGULAR

__all__ = ["trend_chart", "mix_chart", "intensity_chart", "qr_drawing", "PALETTE"]

PALETTE = [colors.HexColor(c) for c in
           ("#1b7f5f", "#3b6fb6", "#e0a030", "#9c4f96", "#c44e52", "#6c8ebf", "#8c8c8c")]
_INK = colors.HexColor("#222222")


def _title(d: Drawing, text: str) -> None:
    d.add(String(0, d.height - 11, text, fontName=BOLD, fontSize=9, fillColor=_INK))


def trend_chart(by_month: list[dict[str, str]], width: float, height: float) -> Drawing:
    """Bars of tCO2e per month."""
    d = Drawing(width, height)
    _title(d, "Emissions by month (tCO2e)")
    chart = VerticalBarChart()
    chart.x, chart.y = 36, 22
    chart.width, chart.height = width - 46, height - 44
    values = [float(Decimal(m["tco2e"])) for m in by_month] or [0.0]
    chart.data = [values]
    chart.categoryAxis.categoryNames = [m["month"][2:] for m in by_month] or ["-"]
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.angle = 45 if len(values) > 6 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(values) > 6 else "n"
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = PALETTE[0]
    chart.bars[0].strokeColor = None
    d.add(chart)
    return d


def mix_chart(mix: dict[str, Any], width: float, height: float) -> Drawing:
    """Pie of the energy mix (GJ), legend with the report's own figures and shares."""
    d = Drawing(width, height)
    _title(d, f"Energy mix ({mix['total_gj']} GJ)")
    entries = [e for e in mix["by_source"] if Decimal(e["gj"]) > 0]
    if not entries:
        d.add(String(0, height / 2, "no energy consumed", fontName=REGULAR, fontSize=8))
        return d
    pie = Pie()
    size = min(height - 30, width / 2)
    pie.x, pie.y, pie.width, pie.height = 4, (height - 14 - size) / 2, size, size
    pie.data = [float(Decimal(e["gj"])) for e in entries]
    pie.labels = None
    pie.slices.strokeColor = colors.white
    pie.slices.strokeWidth = 0.5
    for i in range(len(entries)):
        pie.slices[i].fillColor = PALETTE[i % len(PALETTE)]
    d.add(pie)
    y = height - 28
    for i, e in enumerate(entries):
        d.add(Rect(size + 14, y, 7, 7, fillColor=PALETTE[i % len(PALETTE)], strokeColor=None))
        d.add(String(size + 25, y + 1, f"{e['source']} {e['share_percent']}%",
                     fontName=REGULAR, fontSize=7, fillColor=_INK))
        d.add(String(size + 25, y - 7, f"{e['gj']} GJ", fontName=REGULAR, fontSize=6,
                     fillColor=_INK))
        y -= 18
    return d


def intensity_chart(ratings: list[dict[str, Any]], width: float, height: float) -> Drawing:
    """Each rated metric's intensity beside its industry benchmark."""
    d = Drawing(width, height)
    _title(d, "Intensity vs industry benchmark")
    seen: dict[str, tuple[float, float, str]] = {}
    for r in ratings:
        for dim in r["dimensions"]:
            if dim.get("rated") and dim["metric"] not in seen:
                seen[dim["metric"]] = (float(Decimal(dim["intensity"])),
                                       float(Decimal(dim["benchmark"])), dim["unit"])
    if not seen:
        d.add(String(0, height / 2, "no rated intensity", fontName=REGULAR, fontSize=8))
        return d
    metrics = sorted(seen)
    chart = HorizontalBarChart()
    chart.x, chart.y = 62, 24
    chart.width, chart.height = width - 72, height - 50
    chart.data = [[seen[m][0] for m in metrics], [seen[m][1] for m in metrics]]
    chart.categoryAxis.categoryNames = metrics
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = PALETTE[1]
    chart.bars[1].fillColor = PALETTE[6]
    chart.bars.strokeColor = None
    d.add(chart)
    unit = seen[metrics[0]][2]
    d.add(Rect(62, 4, 7, 7, fillColor=PALETTE[1], strokeColor=None))
    d.add(String(72, 5, "enterprise", fontName=REGULAR, fontSize=6.5))
    d.add(Rect(120, 4, 7, 7, fillColor=PALETTE[6], strokeColor=None))
    d.add(String(130, 5, f"benchmark ({unit})", fontName=REGULAR, fontSize=6.5))
    return d


def qr_drawing(payload: str, size: float) -> Drawing:
    """A QR code (error correction M, byte mode) of ``payload``, ``size`` points square."""
    qr = segno.make_qr(payload, error="m", boost_error=False)
    matrix = qr.matrix
    n = len(matrix)
    quiet = 4
    module = size / (n + 2 * quiet)
    d = Drawing(size, size)
    d.add(Rect(0, 0, size, size, fillColor=colors.white, strokeColor=None))
    for r, row in enumerate(matrix):
        c = 0
        while c < n:  # one rectangle per horizontal run of dark modules
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                d.add(Rect((quiet + start) * module, size - (quiet + r + 1) * module,
                           (c - start) * module, module, fillColor=colors.black,
                           strokeColor=None, strokeWidth=0))
            else:
                c += 1
    return d
