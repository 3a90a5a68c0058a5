"""Connect from the network's ``connection.json`` (written by ``python -m network up``).

The profile names, per organisation, its MSP id, Gateway peer endpoint and host, TLS root
CA and user credentials. ``peer_org`` selects whose peer to dial (default: the identity's
own organisation); any channel member's peer will serve any member's identity.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gateway._identity import Identity, load_identity
from gateway._signing import load_private_key_signer
from gateway._sync._gateway import Gateway, connect

__all__ = ["connect_with_profile", "load_profile", "profile_identity"]


def load_profile(profile: dict[str, Any] | str | Path) -> dict[str, Any]:
    if isinstance(profile, dict):
        return profile
    return json.loads(Path(profile).read_text())


def _org(info: dict[str, Any], msp_id: str) -> dict[str, Any]:
    try:
        return info["orgs"][msp_id]
    except KeyError:
        known = ", ".join(sorted(info.get("orgs", {})))
        raise KeyError(f"no organisation {msp_id!r} in the profile (known: {known})") from None


def profile_identity(
    profile: dict[str, Any] | str | Path, msp_id: str, user: str = "User1"
) -> tuple[Identity, Any]:
    """(identity, signer) of ``user`` of ``msp_id``."""
    org = _org(load_profile(profile), msp_id)
    creds = org["users"][user]
    return load_identity(org["mspid"], creds["cert"]), load_private_key_signer(creds["key"])


def connect_with_profile(
    profile: dict[str, Any] | str | Path,
    msp_id: str,
    user: str = "User1",
    *,
    peer_org: str | None = None,
    **kw: Any,
) -> Gateway:
    """A blocking :class:`Gateway` for ``user`` of ``msp_id`` through ``peer_org``'s peer."""
    info = load_profile(profile)
    identity, signer = profile_identity(info, msp_id, user)
    peer = _org(info, peer_org or msp_id)
    return connect(
        peer["peer_endpoint"],
        identity,
        signer,
        tls_root_certificates=Path(peer["tls_ca"]).read_bytes(),
        **kw,
    )
