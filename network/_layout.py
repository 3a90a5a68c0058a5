"""The network layout: organisations, nodes, hosts and ports, read from layout.toml.

The layout is data so that the code writing node configurations does not care
whether a node runs on this host or another.  Two environment variables adjust
it for side-by-side networks (tests, benchmarks):

- ``CARBONTRUST_PORT_BASE`` shifts every port by ``new base - port_base``;
- ``CARBONTRUST_BATCH_TIMEOUT`` replaces the orderer's batch timeout;
- ``CARBONTRUST_PEER_CLIENT_AUTH=1`` makes peers require TLS client certificates.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_LAYOUT = Path(__file__).with_name("layout.toml")


class LayoutError(ValueError):
    """The layout file is missing a field or holds a value that cannot work."""


@dataclass(frozen=True)
class OrdererNode:
    name: str
    host: str
    port: int
    admin_port: int
    ops_port: int
    domain: str

    @property
    def fqdn(self) -> str:
        return f"{self.name}.{self.domain}"

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class PeerNode:
    name: str
    host: str
    port: int
    chaincode_port: int
    ops_port: int
    domain: str

    @property
    def fqdn(self) -> str:
        return f"{self.name}.{self.domain}"

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class PeerOrg:
    name: str
    mspid: str
    label: str
    domain: str
    peer: PeerNode
    cc_host: str
    cc_port: int
    #: the organisation's Fabric CA server (TLS); 0 = none
    ca_host: str = "127.0.0.1"
    ca_port: int = 0
    #: the organisation's REST service (gateway.service, docs/services.md); 0 = none
    service_host: str = "127.0.0.1"
    service_port: int = 0

    @property
    def ca_address(self) -> str:
        return f"{self.ca_host}:{self.ca_port}"

    @property
    def key(self) -> str:
        """Short lower-case name used for directories and CLI arguments."""
        return self.name.lower()

    @property
    def cc_address(self) -> str:
        return f"{self.cc_host}:{self.cc_port}"


@dataclass(frozen=True)
class Collection:
    name: str
    members: tuple[str, ...]
    required_peer_count: int
    max_peer_count: int
    block_to_live: int
    member_only_read: bool
    member_only_write: bool
    #: a signature policy of the collection's own (e.g. "AND('A.peer', 'B.peer')") that
    #: replaces the chaincode's endorsement policy for writes to this collection
    endorsement_policy: str | None = None


@dataclass(frozen=True)
class Layout:
    channel: str
    domain: str
    port_base: int
    batch_timeout: str
    max_message_count: int
    absolute_max_bytes: str
    preferred_max_bytes: str
    orderer_mspid: str
    orderer_domain: str
    orderers: tuple[OrdererNode, ...]
    orgs: tuple[PeerOrg, ...]
    cc_name: str
    cc_version: str
    cc_sequence: int
    cc_module: str
    collections: tuple[Collection, ...] = field(default_factory=tuple)
    #: peers require a TLS client certificate (mutual TLS) from every client
    peer_client_auth: bool = False

    def org(self, key: str) -> PeerOrg:
        """Find an organisation by short name (``power``) or MSP id (``PowerMSP``)."""
        for org in self.orgs:
            if key in (org.key, org.name, org.mspid):
                return org
        known = ", ".join(o.key for o in self.orgs)
        raise LayoutError(f"no organisation {key!r} in the layout (known: {known})")

    def all_ports(self) -> list[int]:
        ports: list[int] = []
        for o in self.orderers:
            ports += [o.port, o.admin_port, o.ops_port]
        for g in self.orgs:
            ports += [g.peer.port, g.peer.chaincode_port, g.peer.ops_port, g.cc_port]
            ports += [g.ca_port] if g.ca_port else []
            ports += [g.service_port] if g.service_port else []
        return ports


def _need(table: dict, key: str, where: str) -> object:
    if key not in table:
        raise LayoutError(f"layout: {where} has no {key!r}")
    return table[key]


def load_layout(path: Path | None = None, env: dict[str, str] | None = None) -> Layout:
    """Read the layout file and apply the environment overrides."""
    env = dict(os.environ) if env is None else env
    path = path or DEFAULT_LAYOUT
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise LayoutError(f"layout: cannot read {path}: {exc}") from exc

    base = int(_need(data, "port_base", "the top level"))  # type: ignore[call-overload]
    shift = 0
    if env.get("CARBONTRUST_PORT_BASE"):
        try:
            shift = int(env["CARBONTRUST_PORT_BASE"]) - base
        except ValueError as exc:
            raise LayoutError(
                f"CARBONTRUST_PORT_BASE={env['CARBONTRUST_PORT_BASE']!r} is not an integer"
            ) from exc
    domain = str(_need(data, "domain", "the top level"))
    oorg = data["orderer_org"]
    odomain = f"{oorg['name'].lower()}.{domain}"
    orderers = tuple(
        OrdererNode(
            name=n["name"], host=n["host"], port=n["port"] + shift,
            admin_port=n["admin_port"] + shift, ops_port=n["ops_port"] + shift, domain=odomain,
        )
        for n in oorg["nodes"]
    )
    orgs = []
    for o in data["orgs"]:
        odom = f"{o['name'].lower()}.{domain}"
        p = o["peer"]
        orgs.append(
            PeerOrg(
                name=o["name"], mspid=o["mspid"], label=o.get("label", o["name"]), domain=odom,
                peer=PeerNode(
                    name=p["name"], host=p["host"], port=p["port"] + shift,
                    chaincode_port=p["chaincode_port"] + shift, ops_port=p["ops_port"] + shift,
                    domain=odom,
                ),
                cc_host=o["chaincode_server"]["host"],
                cc_port=o["chaincode_server"]["port"] + shift,
                **({"ca_host": o["ca"]["host"], "ca_port": o["ca"]["port"] + shift}
                   if "ca" in o else {}),
                **({"service_host": o["service"]["host"],
                    "service_port": o["service"]["port"] + shift} if "service" in o else {}),
            )
        )
    cc = data["chaincode"]
    collections = tuple(
        Collection(
            name=c["name"], members=tuple(c["members"]),
            required_peer_count=int(c.get("required_peer_count", 0)),
            max_peer_count=int(c.get("max_peer_count", 1)),
            block_to_live=int(c.get("block_to_live", 0)),
            member_only_read=bool(c.get("member_only_read", True)),
            member_only_write=bool(c.get("member_only_write", True)),
            endorsement_policy=c.get("endorsement_policy"),
        )
        for c in cc.get("collections", [])
    )
    ocfg = data["orderer"]
    layout = Layout(
        channel=data["channel"], domain=domain, port_base=base + shift,
        batch_timeout=str(ocfg["batch_timeout"]), max_message_count=int(ocfg["max_message_count"]),
        absolute_max_bytes=str(ocfg["absolute_max_bytes"]),
        preferred_max_bytes=str(ocfg["preferred_max_bytes"]),
        orderer_mspid=oorg["mspid"], orderer_domain=odomain, orderers=orderers, orgs=tuple(orgs),
        cc_name=cc["name"], cc_version=str(cc["version"]), cc_sequence=int(cc["sequence"]),
        cc_module=cc["module"], collections=collections,
    )
    if env.get("CARBONTRUST_BATCH_TIMEOUT"):
        layout = replace(layout, batch_timeout=env["CARBONTRUST_BATCH_TIMEOUT"])
    if env.get("CARBONTRUST_PEER_CLIENT_AUTH") == "1":
        layout = replace(layout, peer_client_auth=True)
    ports = layout.all_ports()
    dupes = sorted({p for p in ports if ports.count(p) > 1})
    if dupes:
        raise LayoutError(f"layout: ports used twice: {dupes}")
    bad = [p for p in ports if not 1024 <= p <= 65535]
    if bad:
        raise LayoutError(f"layout: ports out of range 1024-65535: {bad}")
    return layout
