"""A four-organisation Hyperledger Fabric v2.5 network as native processes (no Docker).

PowerMSP, CertifierMSP, BankMSP and RegulatorMSP run one peer each (TLS,
Gateway, LevelDB, NodeOUs); OrdererMSP runs three Raft orderers.  One channel,
``carbon``, is created through the channel participation API, and the Python
chaincode runs as a service: one server process per organisation, mutual TLS
between each peer and its own server.

Usage::

    from network import Network
    net = Network()                 # layout.toml; run dir .run/network
    net.up()                        # or: python -m network up
    info = net.connection_info()    # endpoints, TLS CAs, identities per org
    ent = enrol_enterprise(net, uscc)   # through the regulator's Fabric CA
    revoke_identity(net, "RegulatorMSP", ent.name)   # CA revocation + CRL in the channel MSP
    net.down()                      # or: python -m network down [--keep-data]
"""

from ._binaries import Binaries, BinariesError, find_binaries, find_ca_binaries
from ._ca import Enrolled, EnrolmentError
from ._channel_config import ConfigUpdateError
from ._identities import (
    Revocation,
    enrol_enterprise,
    enrol_identity,
    enrol_meter_gateway,
    revoke_identity,
)
from ._layout import Layout, LayoutError, load_layout
from ._network import Network, NetworkError, default_run_dir, peer_cli
from ._process import NodeStartError

__all__ = [
    "Binaries", "BinariesError", "ConfigUpdateError", "Enrolled", "EnrolmentError", "Layout",
    "LayoutError", "Network", "NetworkError", "NodeStartError", "Revocation",
    "default_run_dir", "enrol_enterprise", "enrol_identity", "enrol_meter_gateway",
    "find_binaries", "find_ca_binaries", "load_layout", "peer_cli", "revoke_identity",
]
