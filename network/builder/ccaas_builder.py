"""Chaincode-as-a-service external builder: detect, build, release.

The peer runs ``bin/detect``, ``bin/build`` and ``bin/release`` when a
chaincode package is installed or launched.  Fabric's own ccaas builder is a
separate Go module the module proxy does not serve, so this is our own; it uses
the standard library only, because the peer runs it with a bare environment.

A ccaas package holds ``metadata.json`` ({"type": "ccaas", "label": ...}) and
``code.tar.gz`` holding ``connection.json`` (address, dial_timeout,
tls_required, client_auth_required, client_cert, client_key, root_cert) and an
optional ``metadata/`` folder (state database indexes).

- detect SOURCE METADATA: exit 0 when metadata.json says type "ccaas", 1 otherwise.
- build SOURCE METADATA OUTPUT: check connection.json and copy it (and metadata/) to OUTPUT.
- release BUILD RELEASE: put connection.json at RELEASE/chaincode/server/connection.json
  and metadata/ contents under RELEASE.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

PACKAGE_TYPE = "ccaas"


class BuilderError(Exception):
    pass


def detect(metadata_dir: Path) -> bool:
    path = metadata_dir / "metadata.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and str(meta.get("type", "")).lower() == PACKAGE_TYPE


def check_connection(data: object, where: str = "connection.json") -> None:
    """Raise BuilderError naming the field when the connection description cannot work."""
    if not isinstance(data, dict):
        raise BuilderError(f"{where}: expected a JSON object, found {type(data).__name__}")
    address = data.get("address")
    if not isinstance(address, str) or ":" not in address:
        raise BuilderError(f"{where}: 'address' must be 'host:port', found {address!r}")
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise BuilderError(f"{where}: 'address' has no valid host and port: {address!r}")
    if data.get("tls_required"):
        if not str(data.get("root_cert", "")).startswith("-----BEGIN CERTIFICATE"):
            raise BuilderError(f"{where}: tls_required but 'root_cert' is not a PEM certificate")
        if data.get("client_auth_required"):
            for field in ("client_cert", "client_key"):
                if not str(data.get(field, "")).startswith("-----BEGIN"):
                    raise BuilderError(
                        f"{where}: client_auth_required but {field!r} is not PEM")


def build(source_dir: Path, output_dir: Path) -> None:
    conn = source_dir / "connection.json"
    try:
        data = json.loads(conn.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BuilderError(f"no connection.json in the package source {source_dir}") from exc
    except ValueError as exc:
        raise BuilderError(f"{conn}: not valid JSON: {exc}") from exc
    check_connection(data, str(conn))
    output_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(conn, output_dir / "connection.json")
    if (source_dir / "metadata").is_dir():
        shutil.copytree(source_dir / "metadata", output_dir / "metadata", dirs_exist_ok=True)


def release(build_dir: Path, release_dir: Path) -> None:
    conn = build_dir / "connection.json"
    if not conn.is_file():
        raise BuilderError(f"no connection.json in the build output {build_dir}")
    server = release_dir / "chaincode" / "server"
    server.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(conn, server / "connection.json")
    if (build_dir / "metadata").is_dir():
        shutil.copytree(build_dir / "metadata", release_dir, dirs_exist_ok=True)


def main(step: str, argv: list[str]) -> int:
    try:
        if step == "detect":
            if len(argv) != 2:
                raise BuilderError("usage: detect SOURCE_DIR METADATA_DIR")
            return 0 if detect(Path(argv[1])) else 1
        if step == "build":
            if len(argv) != 3:
                raise BuilderError("usage: build SOURCE_DIR METADATA_DIR OUTPUT_DIR")
            build(Path(argv[0]), Path(argv[2]))
            return 0
        if step == "release":
            if len(argv) != 2:
                raise BuilderError("usage: release BUILD_OUTPUT_DIR RELEASE_OUTPUT_DIR")
            release(Path(argv[0]), Path(argv[1]))
            return 0
        raise BuilderError(f"unknown builder step {step!r}")
    except (BuilderError, OSError) as exc:
        print(f"ccaas builder {step}: {exc}", file=sys.stderr)
        return 1
