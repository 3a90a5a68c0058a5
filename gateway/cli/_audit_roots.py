"""``audit roots --out DIR``: the MSP roots directory a third party trusts, written for them.

``audit check --trust DIR`` trusts exactly the root CA certificates of the channel's
organisations, one ``<MSP id>.pem`` each. Two sources, giving the same files:

* the channel configuration the peer serves (default): ``cscc`` ``GetChannelConfig`` as the
  ``--as`` identity, through the Gateway like any evaluation; each application
  organisation's ``MSP`` value is a ``FabricMSPConfig`` whose ``name`` is the MSP id and
  whose ``root_certs`` are the roots. This is what a party with channel access hands over;
  the party receiving the directory should compare it with the configuration it trusts.
* ``--from-run-dir``: the MSP folders ``network up`` generated (``crypto/peerOrganizations/
  <org domain>/msp/cacerts``), for the operator of a development network; no peer is asked.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from gateway.cli._app import App
from gateway.cli._exit import CliFailure, InputError, LedgerUnreachable

__all__ = ["roots_from_config", "roots_from_peer", "roots_from_profile", "roots_from_run_dir",
           "write_roots"]


def roots_from_config(config_bytes: bytes) -> dict[str, bytes]:
    """MSP id -> concatenated PEM root certificates of each application organisation of a
    serialized ``common.Config``. Raises ``ValueError`` if it is not one."""
    from fabric_protos.common import configtx_pb2
    from fabric_protos.msp import msp_config_pb2
    from google.protobuf.message import DecodeError

    config = configtx_pb2.Config()
    try:
        config.ParseFromString(config_bytes)
    except DecodeError as exc:
        raise ValueError(f"not a channel configuration: {exc}") from None
    app_group = config.channel_group.groups.get("Application")
    if app_group is None or not app_group.groups:
        raise ValueError("the channel configuration has no application organisations")
    out: dict[str, bytes] = {}
    for org_name, group in sorted(app_group.groups.items()):
        value = group.values.get("MSP")
        if value is None:
            raise ValueError(f"organisation {org_name} of the configuration has no MSP value")
        msp = msp_config_pb2.MSPConfig()
        fabric = msp_config_pb2.FabricMSPConfig()
        try:
            msp.ParseFromString(value.value)
            fabric.ParseFromString(msp.config)
        except DecodeError as exc:
            raise ValueError(f"MSP of {org_name}: {exc}") from None
        if not fabric.name or not fabric.root_certs:
            raise ValueError(f"MSP of {org_name} names no MSP id or no root certificate")
        out[fabric.name] = b"".join(c if c.endswith(b"\n") else c + b"\n"
                                    for c in fabric.root_certs)
    return out


def roots_from_peer(app: App, opts: dict[str, Any]) -> dict[str, bytes]:
    from gateway.cli._ledger import ledger_failure, open_gateway_ledger

    target = app.target(opts)
    factory = app.ledger_factory or open_gateway_ledger
    ledger = factory(dataclasses.replace(target, chaincode="cscc"), opts["timeout"])
    try:
        config = ledger.evaluate("GetChannelConfig", [target.channel])
    except CliFailure:
        raise
    except Exception as exc:
        failure = ledger_failure(exc)
        if failure is None:
            raise
        raise failure from None
    finally:
        ledger.close()
    try:
        return roots_from_config(config)
    except ValueError as exc:
        raise LedgerUnreachable(f"cscc GetChannelConfig of {target.channel}: {exc}") from None


def roots_from_run_dir(app: App, opts: dict[str, Any]) -> dict[str, bytes]:
    return roots_from_profile(app.target(opts).profile)


def roots_from_profile(profile: Path) -> dict[str, bytes]:
    """MSP id -> root PEMs from the MSP folders beside a run dir's ``connection.json``
    (``network up`` also writes the bank service's roots with it). ``InputError`` when the
    profile names no org domain or an org has no root certificate."""
    import json

    info = json.loads(profile.read_text(encoding="utf-8"))
    crypto = profile.parent / "crypto" / "peerOrganizations"
    out: dict[str, bytes] = {}
    for msp_id, org in sorted(info["orgs"].items()):
        host = org.get("peer_host") if isinstance(org, dict) else None
        if not isinstance(host, str) or "." not in host:
            raise InputError(f"profile {profile}: orgs.{msp_id} has no peer_host "
                             "(the org's domain); use the peer's configuration instead")
        cacerts = crypto / host.split(".", 1)[1] / "msp" / "cacerts"
        pems = sorted(cacerts.glob("*.pem")) if cacerts.is_dir() else []
        if not pems:
            raise InputError(f"no root certificate of {msp_id} in {cacerts}")
        out[msp_id] = b"".join(p.read_bytes() for p in pems)
    return out


def write_roots(roots: dict[str, bytes], out: Path) -> list[Path]:
    """Write ``<MSP id>.pem`` files into ``out`` (created); returns them."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for msp_id, pem in sorted(roots.items()):
            if not msp_id or "/" in msp_id or msp_id.startswith("."):
                raise InputError(f"MSP id {msp_id!r} cannot name a file")
            path = out / f"{msp_id}.pem"
            path.write_bytes(pem)
            written.append(path)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from None
    return written
