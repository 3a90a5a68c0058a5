"""Shipped data files: factor sets, rule sets, benchmark sets.

Files live in ``accounting/data/<kind>/<version>.toml`` and are found through
:mod:`importlib.resources`, so they work from a checkout, a wheel or a zip.
A document's content digest is the SHA-256 of its canonical JSON (so line
endings or comments in the TOML do not matter, numbers and words do).  Every
released document's digest is recorded in ``data/MANIFEST.json``; loading a
released document whose digest differs from the manifest fails.
"""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources
from typing import Any

from ._canonical import canonical_json, sha256_digest
from ._errors import DataFileError, UnknownVersionError

__all__ = ["KINDS", "Document", "list_versions", "load_document", "read_manifest"]

#: data kind -> the field name used in error messages
KINDS = {"factors": "factor_set", "rules": "rule_set", "benchmarks": "benchmark_set"}
_VERSION = re.compile(r"[a-z0-9][a-z0-9.-]{0,63}")


class Document:
    """A parsed data file with its version and content digest."""

    __slots__ = ("kind", "version", "digest", "content")

    def __init__(self, kind: str, version: str, digest: str, content: dict[str, Any]) -> None:
        self.kind = kind
        self.version = version
        self.digest = digest
        self.content = content


def _data_dir(kind: str) -> Any:
    return resources.files("accounting").joinpath("data").joinpath(kind)


def list_versions(kind: str) -> list[str]:
    """Versions shipped for ``kind`` (``factors``, ``rules`` or ``benchmarks``), sorted."""
    folder = _data_dir(kind)
    return sorted(
        entry.name[: -len(".toml")]
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    )


def read_manifest() -> dict[str, dict[str, str]]:
    """The manifest of released documents: kind -> version -> digest."""
    raw = resources.files("accounting").joinpath("data").joinpath("MANIFEST.json").read_bytes()
    manifest: dict[str, dict[str, str]] = json.loads(raw)
    return manifest


def _no_float(text: str) -> Any:
    raise DataFileError(
        "number", text, "a quoted decimal string", "binary floats are refused in data files"
    )


def parse_document(kind: str, version: str, raw: bytes) -> Document:
    """Parse TOML bytes of a data document and compute its content digest."""
    try:
        content = tomllib.loads(raw.decode("utf-8"), parse_float=_no_float)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{kind}/{version}.toml", version, "valid UTF-8 TOML",
                            str(exc)) from exc
    if content.get("version") != version:
        raise DataFileError(
            f"{kind}/{version}.toml:version", content.get("version"), repr(version),
            "the version inside a file must equal its file name",
        )
    if content.get("status") not in ("released", "draft"):
        raise DataFileError(
            f"{kind}/{version}.toml:status", content.get("status"), "'released' or 'draft'"
        )
    return Document(kind, version, sha256_digest(canonical_json(content)), content)


def load_document(kind: str, version: Any) -> Document:
    """Load one shipped document, checking a released one against the manifest."""
    field = KINDS[kind]
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise UnknownVersionError(field, version, "a version name such as 'cn-2023'")
    entry = _data_dir(kind).joinpath(f"{version}.toml")
    if not entry.is_file():
        raise UnknownVersionError(
            field, version, "one of " + (", ".join(list_versions(kind)) or "(none shipped)")
        )
    doc = parse_document(kind, version, entry.read_bytes())
    if doc.content["status"] == "released":
        recorded = read_manifest().get(kind, {}).get(version)
        if recorded != doc.digest:
            raise DataFileError(
                f"data/MANIFEST.json:{kind}.{version}",
                doc.digest,
                f"the recorded digest {recorded!r}",
                "a released set never changes: publish a correction as a new version",
            )
    return doc
