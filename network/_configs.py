"""Configuration of every node: the channel's configtx.yaml and each process's environment.

Nodes start from Fabric's unmodified sample core.yaml / orderer.yaml and get
everything that differs (addresses, ports, paths, TLS material, MSP) from
environment variables, which Fabric's viper binding maps onto the YAML keys
(``CORE_PEER_LISTENADDRESS`` -> peer.listenAddress).  Keeping the overrides as a
dict per node means the same function can write the configuration for a node
that runs on another host.
"""

from __future__ import annotations

import json
from pathlib import Path

from ._crypto import chaincode_tls_dir, org_dir
from ._layout import Layout, OrdererNode, PeerOrg

BUILDER_DIR = Path(__file__).with_name("builder")


def _orderer_org_dir(crypto: Path, layout: Layout) -> Path:
    return crypto / "ordererOrganizations" / layout.orderer_domain


def orderer_tls(crypto: Path, layout: Layout, node: OrdererNode) -> Path:
    return _orderer_org_dir(crypto, layout) / "orderers" / node.fqdn / "tls"


def orderer_tls_ca(crypto: Path, layout: Layout) -> Path:
    return _orderer_org_dir(crypto, layout) / "tlsca" / f"tlsca.{layout.orderer_domain}-cert.pem"


def orderer_admin_tls(crypto: Path, layout: Layout) -> Path:
    return _orderer_org_dir(crypto, layout) / "users" / f"Admin@{layout.orderer_domain}" / "tls"


def peer_tls(crypto: Path, org: PeerOrg) -> Path:
    return org_dir(crypto, org) / "peers" / org.peer.fqdn / "tls"


def peer_tls_ca(crypto: Path, org: PeerOrg) -> Path:
    return org_dir(crypto, org) / "tlsca" / f"tlsca.{org.domain}-cert.pem"


def user_msp(crypto: Path, org: PeerOrg, user: str = "Admin") -> Path:
    return org_dir(crypto, org) / "users" / f"{user}@{org.domain}" / "msp"


def _sig(rule: str) -> dict:
    return {"Type": "Signature", "Rule": rule}


def _meta(rule: str) -> dict:
    return {"Type": "ImplicitMeta", "Rule": rule}


def configtx(layout: Layout, crypto: Path) -> dict:
    """The configtxgen input for the application channel (no system channel, no consortium)."""
    o_id = layout.orderer_mspid
    orderer_org = {
        "Name": o_id, "ID": o_id, "MSPDir": str(_orderer_org_dir(crypto, layout) / "msp"),
        "Policies": {
            "Readers": _sig(f"OR('{o_id}.member')"), "Writers": _sig(f"OR('{o_id}.member')"),
            "Admins": _sig(f"OR('{o_id}.admin')"),
        },
        "OrdererEndpoints": [o.endpoint for o in layout.orderers],
    }
    app_orgs = []
    for org in layout.orgs:
        m = org.mspid
        app_orgs.append({
            "Name": m, "ID": m, "MSPDir": str(org_dir(crypto, org) / "msp"),
            "Policies": {
                "Readers": _sig(f"OR('{m}.admin', '{m}.peer', '{m}.client')"),
                "Writers": _sig(f"OR('{m}.admin', '{m}.client')"),
                "Admins": _sig(f"OR('{m}.admin')"),
                "Endorsement": _sig(f"OR('{m}.peer')"),
            },
            # Anchor peers go straight into the genesis block: no update transaction.
            "AnchorPeers": [{"Host": org.peer.host, "Port": org.peer.port}],
        })
    consenters = [{
        "Host": o.host, "Port": o.port,
        "ClientTLSCert": str(orderer_tls(crypto, layout, o) / "server.crt"),
        "ServerTLSCert": str(orderer_tls(crypto, layout, o) / "server.crt"),
    } for o in layout.orderers]
    std = {"Readers": _meta("ANY Readers"), "Writers": _meta("ANY Writers"),
           "Admins": _meta("MAJORITY Admins")}
    profile = {
        "Capabilities": {"V2_0": True},
        "Policies": std,
        "Orderer": {
            "OrdererType": "etcdraft",
            "BatchTimeout": layout.batch_timeout,
            "BatchSize": {"MaxMessageCount": layout.max_message_count,
                          "AbsoluteMaxBytes": layout.absolute_max_bytes,
                          "PreferredMaxBytes": layout.preferred_max_bytes},
            # SnapshotIntervalSize 8 KB, not 16 MB: an orderer restarting with the Raft log's
            # first entries (the membership changes) not yet covered by a snapshot re-applies
            # them, which can deadlock Fabric 2.5.0 at startup (hyperledger/fabric#4199, fixed
            # in 2.5.1); a snapshot taken within the first few blocks covers them
            "EtcdRaft": {"Consenters": consenters, "Options": {
                "TickInterval": "250ms", "ElectionTick": 10, "HeartbeatTick": 1,
                "MaxInflightBlocks": 5, "SnapshotIntervalSize": "8 KB"}},
            "Organizations": [orderer_org],
            "Policies": {**std, "BlockValidation": _meta("ANY Writers")},
            "Capabilities": {"V2_0": True},
        },
        "Application": {
            "Organizations": app_orgs,
            "Policies": {**std,
                         # Chaincode definitions need a majority (3 of 4) of organisations.
                         "LifecycleEndorsement": _meta("MAJORITY Endorsement"),
                         # The default chaincode endorsement policy: 3 of 4 organisations.
                         "Endorsement": _meta("MAJORITY Endorsement")},
            "Capabilities": {"V2_5": True},
        },
    }
    return {"Profiles": {"CarbonChannel": profile}}


def orderer_env(layout: Layout, crypto: Path, node: OrdererNode, data: Path, cfg: Path) -> dict:
    tls = orderer_tls(crypto, layout, node)
    admin_ca = orderer_tls_ca(crypto, layout)
    return {
        "FABRIC_CFG_PATH": str(cfg),
        # keep etcdraft at info at least: Raft readiness reads its leader-change lines
        # (_raft.raft_view)
        "FABRIC_LOGGING_SPEC": "info",
        "ORDERER_GENERAL_LISTENADDRESS": node.host,
        "ORDERER_GENERAL_LISTENPORT": str(node.port),
        "ORDERER_GENERAL_BOOTSTRAPMETHOD": "none",
        "ORDERER_GENERAL_LOCALMSPID": layout.orderer_mspid,
        "ORDERER_GENERAL_LOCALMSPDIR": str(tls.parent / "msp"),
        "ORDERER_GENERAL_TLS_ENABLED": "true",
        "ORDERER_GENERAL_TLS_PRIVATEKEY": str(tls / "server.key"),
        "ORDERER_GENERAL_TLS_CERTIFICATE": str(tls / "server.crt"),
        "ORDERER_GENERAL_TLS_ROOTCAS": f"[{tls / 'ca.crt'}]",
        # Cluster (Raft) traffic shares the main port and the node's TLS pair.
        "ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE": str(tls / "server.crt"),
        "ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY": str(tls / "server.key"),
        "ORDERER_GENERAL_CLUSTER_ROOTCAS": f"[{tls / 'ca.crt'}]",
        "ORDERER_FILELEDGER_LOCATION": str(data / "ledger"),
        "ORDERER_CONSENSUS_WALDIR": str(data / "etcdraft" / "wal"),
        "ORDERER_CONSENSUS_SNAPDIR": str(data / "etcdraft" / "snapshot"),
        "ORDERER_CHANNELPARTICIPATION_ENABLED": "true",
        "ORDERER_ADMIN_LISTENADDRESS": f"{node.host}:{node.admin_port}",
        "ORDERER_ADMIN_TLS_ENABLED": "true",
        "ORDERER_ADMIN_TLS_CERTIFICATE": str(tls / "server.crt"),
        "ORDERER_ADMIN_TLS_PRIVATEKEY": str(tls / "server.key"),
        "ORDERER_ADMIN_TLS_ROOTCAS": f"[{tls / 'ca.crt'}]",
        "ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED": "true",
        "ORDERER_ADMIN_TLS_CLIENTROOTCAS": f"[{admin_ca}]",
        "ORDERER_OPERATIONS_LISTENADDRESS": f"{node.host}:{node.ops_port}",
        "ORDERER_METRICS_PROVIDER": "prometheus",
    }


def peer_env(layout: Layout, crypto: Path, org: PeerOrg, data: Path, cfg: Path) -> dict:
    tls = peer_tls(crypto, org)
    p = org.peer
    builders = f"[{{name: ccaas, path: {BUILDER_DIR}, propagateEnvironment: []}}]"
    return {
        "FABRIC_CFG_PATH": str(cfg),
        "FABRIC_LOGGING_SPEC": "info:gossip=warning:comm.grpc=warning",
        "CORE_PEER_ID": p.fqdn,
        "CORE_PEER_ADDRESS": p.endpoint,
        "CORE_PEER_LISTENADDRESS": p.endpoint,
        "CORE_PEER_CHAINCODEADDRESS": f"{p.host}:{p.chaincode_port}",
        "CORE_PEER_CHAINCODELISTENADDRESS": f"{p.host}:{p.chaincode_port}",
        "CORE_PEER_GOSSIP_BOOTSTRAP": p.endpoint,
        "CORE_PEER_GOSSIP_ENDPOINT": p.endpoint,
        # Without an external endpoint, discovery cannot see the organisation.
        "CORE_PEER_GOSSIP_EXTERNALENDPOINT": p.endpoint,
        # Faster membership than the samples' 5 s / 25 s: peers meet within seconds of
        # joining, and a stopped peer leaves the Gateway's view in about 10 s.
        "CORE_PEER_GOSSIP_ALIVETIMEINTERVAL": "1s",
        "CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT": "10s",
        "CORE_PEER_GOSSIP_RECONNECTINTERVAL": "2s",
        "CORE_PEER_GOSSIP_MEMBERSHIPTRACKERINTERVAL": "1s",
        "CORE_PEER_LOCALMSPID": org.mspid,
        "CORE_PEER_MSPCONFIGPATH": str(tls.parent / "msp"),
        "CORE_PEER_TLS_ENABLED": "true",
        "CORE_PEER_TLS_CERT_FILE": str(tls / "server.crt"),
        "CORE_PEER_TLS_KEY_FILE": str(tls / "server.key"),
        "CORE_PEER_TLS_ROOTCERT_FILE": str(tls / "ca.crt"),
        "CORE_PEER_FILESYSTEMPATH": str(data / "ledger"),
        "CORE_LEDGER_SNAPSHOTS_ROOTDIR": str(data / "snapshots"),
        "CORE_LEDGER_STATE_STATEDATABASE": "goleveldb",
        "CORE_PEER_GATEWAY_ENABLED": "true",
        "CORE_CHAINCODE_EXTERNALBUILDERS": builders,
        "CORE_OPERATIONS_LISTENADDRESS": f"{p.host}:{p.ops_port}",
        "CORE_METRICS_PROVIDER": "prometheus",
        **(_peer_client_auth(tls) if layout.peer_client_auth else {}),
    }


def _peer_client_auth(tls: Path) -> dict:
    """Mutual TLS on the peer: clients must present a certificate from a channel org's TLS
    CA (Fabric adds every channel member's TLS roots; before the channel, its own CA).
    The peer presents its own TLS pair when it dials other peers and the orderers."""
    return {
        "CORE_PEER_TLS_CLIENTAUTHREQUIRED": "true",
        "CORE_PEER_TLS_CLIENTROOTCAS_FILES": str(tls / "ca.crt"),
        "CORE_PEER_TLS_CLIENTCERT_FILE": str(tls / "server.crt"),
        "CORE_PEER_TLS_CLIENTKEY_FILE": str(tls / "server.key"),
    }


def user_tls(crypto: Path, org: PeerOrg, user: str = "Admin") -> Path:
    """A user's TLS client pair (cryptogen: client.crt, client.key)."""
    return org_dir(crypto, org) / "users" / f"{user}@{org.domain}" / "tls"


def peer_cli_env(layout: Layout, crypto: Path, org: PeerOrg, cfg: Path) -> dict:
    """Environment for `peer` CLI commands run as the organisation's admin."""
    return {
        "FABRIC_CFG_PATH": str(cfg),
        "FABRIC_LOGGING_SPEC": "warning",
        "CORE_PEER_LOCALMSPID": org.mspid,
        "CORE_PEER_MSPCONFIGPATH": str(user_msp(crypto, org)),
        "CORE_PEER_ADDRESS": org.peer.endpoint,
        "CORE_PEER_TLS_ENABLED": "true",
        "CORE_PEER_TLS_ROOTCERT_FILE": str(peer_tls_ca(crypto, org)),
        **({
            "CORE_PEER_TLS_CLIENTAUTHREQUIRED": "true",
            "CORE_PEER_TLS_CLIENTCERT_FILE": str(user_tls(crypto, org) / "client.crt"),
            "CORE_PEER_TLS_CLIENTKEY_FILE": str(user_tls(crypto, org) / "client.key"),
        } if layout.peer_client_auth else {}),
    }


def chaincode_connection(org: PeerOrg, crypto: Path) -> dict:
    """connection.json of an organisation's package: its own server, mutual TLS."""
    cc = chaincode_tls_dir(crypto, org)
    ptls = peer_tls(crypto, org)
    return {
        "address": org.cc_address,
        "dial_timeout": "10s",
        "tls_required": True,
        "client_auth_required": True,
        # The peer authenticates to its server with its own TLS pair...
        "client_cert": (ptls / "server.crt").read_text(),
        "client_key": (ptls / "server.key").read_text(),
        # ...and checks the server's certificate against the org's TLS CA.
        "root_cert": (cc / "ca.crt").read_text(),
    }


def collections_config(layout: Layout) -> list[dict]:
    out = []
    for c in layout.collections:
        members = ", ".join(f"'{m}.member'" for m in c.members)
        out.append({
            "name": c.name, "policy": f"OR({members})",
            "requiredPeerCount": c.required_peer_count, "maxPeerCount": c.max_peer_count,
            "blockToLive": c.block_to_live, "memberOnlyRead": c.member_only_read,
            "memberOnlyWrite": c.member_only_write,
            **({"endorsementPolicy": {"signaturePolicy": c.endorsement_policy}}
               if c.endorsement_policy else {}),
        })
    return out


def write_node_configs(sample_dir: Path, dest: Path) -> None:
    """Copy core.yaml and orderer.yaml, clearing vm.endpoint (no Docker on these hosts).

    An empty CORE_VM_ENDPOINT is ignored by Fabric's viper (empty variables do
    not override), and with the sample's unix socket the peer's /healthz fails
    on its Docker check; so the one key is cleared in the file itself.
    """
    import yaml
    dest.mkdir(parents=True, exist_ok=True)
    core = yaml.safe_load((sample_dir / "core.yaml").read_text())
    core["vm"]["endpoint"] = ""
    (dest / "core.yaml").write_text(yaml.safe_dump(core, sort_keys=False))
    (dest / "orderer.yaml").write_text((sample_dir / "orderer.yaml").read_text())


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True))
