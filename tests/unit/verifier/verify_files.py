"""An honest report, bundle, PDF and trust directory written to files (for the command
tests of ``python -m verifier`` and ``carbontrust verify``)."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from verifier.report import render_pdf

from .bundle_factory import Honest


def write(h: Honest, where: Path, pdf: bool = False) -> dict[str, Path]:
    where.mkdir(parents=True, exist_ok=True)
    files = {"report": where / "report.json", "bundle": where / "bundle.json",
             "trust": where / "trust"}
    files["report"].write_bytes(h.report_bytes)
    files["bundle"].write_bytes(h.bundle_bytes)
    files["trust"].mkdir(exist_ok=True)
    for mspid, certs in h.roots.items():
        (files["trust"] / f"{mspid}.pem").write_bytes(
            b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs))
    if pdf:
        files["pdf"] = where / "report.pdf"
        files["pdf"].write_bytes(render_pdf(json.loads(h.report_bytes)))
    return files
