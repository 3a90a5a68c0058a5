"""Invoke and query through Fabric's own peer CLI (independent of our gateway client)."""

from __future__ import annotations

import json

from network import Network, peer_cli


def invoke(net: Network, org: str, *args: str, endorsers: tuple[str, ...] = (),
           wait: bool = True) -> str:
    """Submit as org's admin, endorsed by `endorsers` (default: the first three orgs)."""
    info = net.connection_info()
    by_key = {g.key: g for g in net.layout.orgs}
    chosen = [by_key[k] for k in endorsers] if endorsers else list(net.layout.orgs[:3])
    peers: list[str] = []
    for g in chosen:
        peers += ["--peerAddresses", g.peer.endpoint,
                  "--tlsRootCertFiles", info["orgs"][g.mspid]["tls_ca"]]
    o = info["orderers"][0]
    live = [x for x in info["orderers"] if net.sup.pid(x["host"].split(".")[0])]
    o = live[0] if live else o
    res = peer_cli(net, org, "chaincode", "invoke", "-o", o["endpoint"], "--tls", "--cafile",
                   o["tls_ca"], "-C", net.layout.channel, "-n", net.layout.cc_name, *peers,
                   "-c", json.dumps({"Args": list(args)}), *(["--waitForEvent"] if wait else []))
    if res.returncode != 0:
        raise RuntimeError(f"invoke {args[0]} by {org} failed: {res.stderr.strip()[:1500]}")
    return res.stderr


def query(net: Network, org: str, *args: str) -> str:
    res = peer_cli(net, org, "chaincode", "query", "-C", net.layout.channel,
                   "-n", net.layout.cc_name, "-c", json.dumps({"Args": list(args)}))
    if res.returncode != 0:
        raise RuntimeError(f"query {args[0]} on {org}'s peer failed: {res.stderr.strip()[:1500]}")
    return res.stdout.strip()
