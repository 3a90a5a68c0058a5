"""The bundled fonts, registered once, and text split into runs each font can set.

ReportLab has no font fallback: a character the font lacks prints as a box. DejaVu Sans
sets Latin, digits and symbols; Droid Sans Fallback (TrueType outlines, embeddable by
ReportLab) sets what DejaVu lacks, chiefly Chinese. ``runs`` splits a string into
maximal runs per font; ``markup`` gives the same as Platypus paragraph markup. Only the
bundled files are ever read (never the machine's fonts), so every machine embeds the
same glyphs and the PDF bytes do not depend on where it was rendered.
"""

from __future__ import annotations

import threading
from functools import cache
from importlib import resources
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

__all__ = ["REGULAR", "BOLD", "CJK", "register", "runs", "markup", "width"]

REGULAR = "CTReport-DejaVuSans"
BOLD = "CTReport-DejaVuSans-Bold"
CJK = "CTReport-DroidSansFallback"
_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf",
          CJK: "DroidSansFallbackFull.ttf"}
_LOCK = threading.Lock()


@cache
def register() -> None:
    """Register the three bundled fonts with ReportLab (once per process)."""
    with _LOCK:
        fonts = resources.files(__package__).joinpath("fonts")
        for name, file in _FILES.items():
            with resources.as_file(fonts.joinpath(file)) as path:
                pdfmetrics.registerFont(TTFont(name, str(path)))


@cache
def _covered(font: str) -> frozenset[int]:
    register()
    face = pdfmetrics.getFont(font).face
    return frozenset(face.charToGlyph)


def runs(text: str, font: str = REGULAR) -> list[tuple[str, str]]:
    """[(font, text), ...]: ``font`` where it has the glyph, else the CJK fallback."""
    latin = _covered(font)
    out: list[tuple[str, str]] = []
    for ch in text:
        f = font if ord(ch) in latin or ch in "\n\t" else CJK
        if out and out[-1][0] == f:
            out[-1] = (f, out[-1][1] + ch)
        else:
            out.append((f, ch))
    return out


def markup(text: str, font: str = REGULAR) -> str:
    """Paragraph markup of ``text`` (escaped), switching to the fallback where needed."""
    parts = []
    for f, chunk in runs(text, font):
        e = escape(chunk)
        parts.append(e if f == font else f'<font face="{f}">{e}</font>')
    return "".join(parts)


def width(text: str, size: float, font: str = REGULAR) -> float:
    return sum(pdfmetrics.stringWidth(chunk, f, size) for f, chunk in runs(text, font))
