"""connection.json: what a client of the network needs, per organisation.

Endpoints and TLS roots of peers, orderers and Fabric CAs, and every user identity found in
an organisation's ``users/`` (cryptogen's Admin and User1, and identities enrolled through
the org's CA), each as paths to its certificate and key (and TLS client pair if any).
"""

from __future__ import annotations

from pathlib import Path

from ._configs import orderer_tls_ca, peer_tls_ca, user_msp
from ._layout import Layout


def connection_info(layout: Layout, crypto: Path, run_dir: Path) -> dict:
    orgs = {}
    for g in layout.orgs:
        users = {}
        for udir in sorted((crypto / "peerOrganizations" / g.domain / "users").iterdir()):
            user = udir.name.split("@")[0]
            msp = user_msp(crypto, g, user)
            certs = sorted((msp / "signcerts").glob("*.pem"))
            if not certs:  # not (yet) an identity, e.g. an enrolment under way
                continue
            users[user] = {"cert": str(certs[0]), "key": str(msp / "keystore" / "priv_sk")}
            if (udir / "tls" / "client.crt").is_file():  # TLS client pair (mutual TLS)
                users[user]["tls_cert"] = str(udir / "tls" / "client.crt")
                users[user]["tls_key"] = str(udir / "tls" / "client.key")
        orgs[g.mspid] = {"mspid": g.mspid, "label": g.name, "peer_endpoint": g.peer.endpoint,
                         "peer_host": g.peer.fqdn, "tls_ca": str(peer_tls_ca(crypto, g)),
                         "ops_endpoint": f"{g.peer.host}:{g.peer.ops_port}", "users": users}
        if g.ca_port:  # the org's Fabric CA: its TLS certificate is from the org's TLS CA
            orgs[g.mspid]["ca"] = {"endpoint": g.ca_address, "url": f"https://{g.ca_address}",
                                   "tls_ca": str(peer_tls_ca(crypto, g))}
    return {
        "channel": layout.channel, "chaincode": layout.cc_name,
        "batch_timeout": layout.batch_timeout, "max_message_count": layout.max_message_count,
        "orgs": orgs,
        "orderers": [{"endpoint": o.endpoint, "host": o.fqdn,
                      "tls_ca": str(orderer_tls_ca(crypto, layout))} for o in layout.orderers],
        "run_dir": str(run_dir),
    }
