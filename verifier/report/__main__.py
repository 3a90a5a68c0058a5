"""``python -m verifier.report``: render a report's PDF, check a PDF against its JSON.

    python -m verifier.report render REPORT.json -o REPORT.pdf
    python -m verifier.report check REPORT.pdf REPORT.json
    python -m verifier.report extract REPORT.pdf [-o REPORT.json]   # the embedded JSON
    python -m verifier.report schema                                 # the published schema

Exit status: 0 done (``check``: the PDF is the rendering of the JSON, one summary line);
1 refused (the reason on stderr: the field and what differs); 2 unreadable input (a file
that cannot be read, bytes that are not JSON or not a PDF). Never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import (
    PdfUnreadableError,
    ReportError,
    ReportInputError,
    check_pdf,
    extract_embedded_json,
    parse_report_json,
    render_pdf,
    schema_bytes,
)

__all__ = ["main"]


class _Unreadable(Exception):
    pass


def _read(path: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise _Unreadable(f"{path}: {exc.strerror or exc}") from None


def _write(path: str | None, data: bytes) -> None:
    if path is None or path == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        try:
            Path(path).write_bytes(data)
        except OSError as exc:
            raise _Unreadable(f"{path}: cannot write: {exc.strerror or exc}") from None


def _run(a: argparse.Namespace) -> int:
    if a.command == "schema":
        _write(None, schema_bytes())
        return 0
    if a.command == "render":
        try:
            report = parse_report_json(_read(a.report))
        except ReportInputError as exc:
            raise _Unreadable(f"{a.report}: {exc}") from None
        _write(a.output, render_pdf(report))
        return 0
    if a.command == "extract":
        _write(a.output, extract_embedded_json(_read(a.pdf)))
        return 0
    pdf, js = _read(a.pdf), _read(a.report)
    try:
        parse_report_json(js)
    except ReportInputError as exc:
        raise _Unreadable(f"{a.report}: {exc}") from None
    got = check_pdf(pdf, js)
    print(f"ok: {a.pdf} is the rendering of {got.report_id} ({got.digest}, {got.pages} pages)")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m verifier.report",
                                 description="carbon credit report: render and check PDFs")
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("render", help="render REPORT.json to a PDF")
    r.add_argument("report")
    r.add_argument("-o", "--output", required=True)
    c = sub.add_parser("check", help="is PDF the rendering of REPORT.json?")
    c.add_argument("pdf")
    c.add_argument("report")
    e = sub.add_parser("extract", help="the PDF's embedded report.json")
    e.add_argument("pdf")
    e.add_argument("-o", "--output")
    sub.add_parser("schema", help="print the published JSON Schema")
    a = ap.parse_args(argv)
    try:
        return _run(a)
    except _Unreadable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PdfUnreadableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ReportError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
