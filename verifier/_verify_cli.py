"""``python -m verifier REPORT.json BUNDLE.json --trust MSP_ROOTS_DIR [--pdf report.pdf]``.

The same contract as ``carbontrust verify`` (which calls :func:`main`): exit 0 and one line
``VALID ...`` on stdout when the report holds; exit 1 and ``CODE detail`` on stderr when it
does not (the code first, one of :data:`verifier.REPORT_CODES`); exit 2 when an input
cannot be read (a missing file, bytes that are not JSON, an unusable roots directory, bad
usage). Never a traceback: an unexpected error is one line and exit 70 (a bug).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from ._errors import RootsError
from ._report_errors import ReportCheckError, UnreadableInput

__all__ = ["main", "run"]

OK, REFUSED, UNREADABLE, INTERNAL = 0, 1, 2, 70


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableInput(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def _line(text: str) -> str:
    return text.replace("\n", " ").encode("utf-8", "backslashreplace").decode("utf-8")


def run(report: Path, bundle: Path, trust: Path, pdf: Path | None,
        out: TextIO, err: TextIO) -> int:
    """Verify and print; the exit status."""
    from ._binding import load_msp_roots
    from ._verify_report import verify_report
    try:
        roots = load_msp_roots(trust)
        summary = verify_report(_read(report, "report"), _read(bundle, "bundle"), roots,
                                None if pdf is None else _read(pdf, "PDF"))
    except ReportCheckError as exc:
        err.write(_line(f"{exc.code} {exc.detail}") + "\n")
        return REFUSED
    except (UnreadableInput, RootsError) as exc:
        err.write(_line(f"UNREADABLE {exc}") + "\n")
        return UNREADABLE
    except Exception as exc:  # noqa: BLE001 - the contract: never a traceback
        err.write(_line(f"INTERNAL a bug in the verifier: {type(exc).__name__}: {exc}") + "\n")
        return INTERNAL
    out.write(_line(summary.line()) + "\n")
    return OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m verifier",
        description="Verify a carbon credit report offline with its proof bundle, trusting "
                    "only the MSP root certificates in --trust.")
    parser.add_argument("report", type=Path, help="report.json")
    parser.add_argument("bundle", type=Path, help="bundle.json")
    parser.add_argument("--trust", type=Path, required=True,
                        help="directory of <MSP id>.pem root CA certificates")
    parser.add_argument("--pdf", type=Path, default=None,
                        help="report.pdf: also prove it is the rendering of the report")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage
        return UNREADABLE if exc.code else OK
    return run(args.report, args.bundle, args.trust, args.pdf, sys.stdout, sys.stderr)
