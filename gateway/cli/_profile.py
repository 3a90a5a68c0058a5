"""Which identity and peer a command uses: the running network's ``connection.json``.

``python -m network up`` writes ``<run dir>/connection.json`` naming, per organisation, its
MSP id, Gateway peer endpoint, TLS root CA and users' certificate and key files. The
profile is ``--profile`` (or ``CARBONTRUST_PROFILE``), else ``$CARBONTRUST_RUN_DIR/
connection.json``, else the network's default run dir ``<repo>/.run/network`` (where
``python -m network`` puts it). ``--as`` picks the organisation, ``--user`` its user, or
``--sign-cert`` and ``--sign-key`` an identity of that organisation that the profile does not
list (an enterprise's, a meter gateway's).

Read here with the standard library only (no grpc) so that every way a profile can be
wrong (absent, not JSON, no such organisation or user, a credential file missing) is an
:class:`InputError` (exit 2) naming the file and what was expected, before anything dials.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.cli._exit import InputError

__all__ = ["Target", "default_profile_path", "load_target"]

DEFAULT_RUN_DIR = Path(__file__).resolve().parents[2] / ".run" / "network"


@dataclass(frozen=True)
class Target:
    """Who signs (``msp_id``, ``user``, ``cert``, ``key``) and which peer is dialled."""

    profile: Path
    msp_id: str
    user: str
    cert: Path
    key: Path
    peer_endpoint: str
    tls_ca: Path
    tls_cert: Path | None
    tls_key: Path | None
    channel: str
    chaincode: str


def default_profile_path(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("CARBONTRUST_PROFILE"):
        return Path(env["CARBONTRUST_PROFILE"])
    run_dir = DEFAULT_RUN_DIR
    if env.get("CARBONTRUST_RUN_DIR"):
        run_dir = Path(env["CARBONTRUST_RUN_DIR"])
    return run_dir / "connection.json"


def _read_profile(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            f"no connection profile at {path}: is the network up? (python -m network up; "
            "or set --profile, CARBONTRUST_PROFILE or CARBONTRUST_RUN_DIR)") from None
    except (OSError, ValueError) as exc:  # ValueError: NUL in the path, undecodable bytes
        raise InputError(f"cannot read connection profile {path}: {exc}") from None
    try:
        info = json.loads(text)
    except (ValueError, RecursionError) as exc:  # also: deep nesting, huge integers
        raise InputError(f"connection profile {path} is not JSON: {str(exc)[:200]}") from None
    if not isinstance(info, dict) or not isinstance(info.get("orgs"), dict):
        raise InputError(f"connection profile {path} has no \"orgs\" object "
                         "(expected the network's connection.json)")
    return info


def _field(entry: Any, name: str, where: str, path: Path) -> str:
    value = entry.get(name) if isinstance(entry, dict) else None
    if not isinstance(value, str) or not value:
        raise InputError(f"connection profile {path}: {where} has no {name!r} string")
    return value


def _file(value: str, what: str, path: Path) -> Path:
    p = Path(value)
    if not p.is_absolute():  # relative paths are relative to the profile
        p = path.parent / p
    try:
        ok = p.is_file()
    except (OSError, ValueError):
        ok = False
    if not ok:
        raise InputError(f"{what} {p} named by {path} is missing (the network's run dir "
                         "may have been removed: bring the network up again)")
    return p


def _optional(entry: Any, name: str) -> str | None:
    value = entry.get(name) if isinstance(entry, dict) else None
    return value if isinstance(value, str) and value else None


def load_target(path: Path, msp_id: str, user: str,
                own: tuple[Path, Path] | None = None) -> Target:
    """The target for ``user`` of ``msp_id``; ``own`` (certificate, key) replaces the user's
    credentials with files of the caller's (an enterprise or meter-gateway identity
    enrolled with the organisation's CA), the peer still coming from the profile."""
    info = _read_profile(path)
    orgs = info["orgs"]
    if msp_id not in orgs:
        known = ", ".join(sorted(str(k) for k in orgs)) or "none"
        raise InputError(f"unknown organisation {msp_id!r} for --as; {path} has: {known}")
    org = orgs[msp_id]
    where = f"orgs.{msp_id}"
    users = org.get("users") if isinstance(org, dict) else None
    if own is not None:
        users = {user: {"cert": str(own[0].resolve()), "key": str(own[1].resolve())}}
    if not isinstance(users, dict) or user not in users:
        known = ", ".join(sorted(str(k) for k in users)) if isinstance(users, dict) else "none"
        raise InputError(f"no user {user!r} of {msp_id} in {path} (--user); it has: {known}")
    creds = users[user]
    uwhere = f"{where}.users.{user}"
    tls_cert = _optional(creds, "tls_cert")
    tls_key = _optional(creds, "tls_key")
    return Target(
        profile=path,
        msp_id=_field(org, "mspid", where, path),
        user=user,
        cert=_file(_field(creds, "cert", uwhere, path), f"certificate of {user}@{msp_id}", path),
        key=_file(_field(creds, "key", uwhere, path), f"private key of {user}@{msp_id}", path),
        peer_endpoint=_field(org, "peer_endpoint", where, path),
        tls_ca=_file(_field(org, "tls_ca", where, path), f"TLS CA of {msp_id}'s peer", path),
        tls_cert=_file(tls_cert, "TLS client certificate", path) if tls_cert else None,
        tls_key=_file(tls_key, "TLS client key", path) if tls_key else None,
        channel=str(info.get("channel") or "carbon"),
        chaincode=str(info.get("chaincode") or "carbon"),
    )
