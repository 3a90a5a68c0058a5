"""Channel creation and chaincode lifecycle, through osnadmin and the peer CLI.

The channel is created through the channel participation API (no system
channel): each orderer joins with the genesis block, then each peer joins.
The chaincode is deployed as a service: each organisation packages a
connection.json that names its *own* chaincode server, installs it on its own
peer and approves its own package id; the definition (name, version, sequence,
endorsement policy, collections) is the same for all, so one commit suffices.

A collection can carry its own endorsement policy (layout ``endorsement_policy``, a
signature policy, written to the collections config as ``endorsementPolicy``), which then
decides for writes to that collection instead of the chaincode's policy.  A definition that
changed since it was committed (collections, version) is committed again at the next
sequence when `up` restarts a kept run directory (see Network._upgrade_definition).
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import io
import json
import tarfile
from pathlib import Path

from ._binaries import Binaries
from ._configs import (
    chaincode_connection,
    collections_config,
    orderer_admin_tls,
    orderer_tls_ca,
    peer_cli_env,
    peer_tls_ca,
    write_json,
)
from ._layout import Layout, PeerOrg
from ._run import CommandError, run


def orderer_join(bins: Binaries, layout: Layout, crypto: Path, block: Path) -> None:
    tls = orderer_admin_tls(crypto, layout)
    for o in layout.orderers:
        run([bins.path("osnadmin"), "channel", "join", "--channelID", layout.channel,
             "--config-block", str(block), "-o", f"{o.host}:{o.admin_port}",
             "--ca-file", str(orderer_tls_ca(crypto, layout)),
             "--client-cert", str(tls / "client.crt"), "--client-key", str(tls / "client.key")],
            what=f"osnadmin channel join on {o.name}", retries=10,
            retry_on=("connection refused", "Unavailable"))


def peer_join(bins: Binaries, layout: Layout, crypto: Path, block: Path, org: PeerOrg) -> None:
    run([bins.path("peer"), "channel", "join", "-b", str(block)],
        env=peer_cli_env(layout, crypto, org, bins.config_dir),
        what=f"peer channel join on {org.peer.fqdn}", retries=10,
        retry_on=("connection refused", "Unavailable", "context deadline exceeded"))


def _tar_bytes(files: dict[str, bytes]) -> bytes:
    """A deterministic tar.gz: fixed order, mtime, owner and mode."""
    buf = io.BytesIO()
    import gzip
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(files[name]))
    return buf.getvalue()


def package(layout: Layout, crypto: Path, org: PeerOrg, out_dir: Path) -> tuple[Path, str]:
    """Write the org's ccaas package; return its path and package id (label:sha256)."""
    label = f"{layout.cc_name}_{layout.cc_version}_{org.key}"
    conn = json.dumps(chaincode_connection(org, crypto), indent=2).encode()
    code = _tar_bytes({"connection.json": conn})
    meta = json.dumps({"type": "ccaas", "label": label}).encode()
    pkg = _tar_bytes({"code.tar.gz": code, "metadata.json": meta})
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{label}.tar.gz"
    path.write_bytes(pkg)
    path.chmod(0o600)  # it holds the peer's TLS client key
    return path, f"{label}:{hashlib.sha256(pkg).hexdigest()}"


def install(bins: Binaries, layout: Layout, crypto: Path, org: PeerOrg, pkg: Path) -> None:
    run([bins.path("peer"), "lifecycle", "chaincode", "install", str(pkg)],
        env=peer_cli_env(layout, crypto, org, bins.config_dir),
        what=f"chaincode install on {org.peer.fqdn}", retries=3,
        retry_on=("Unavailable", "connection refused"))


def _orderer_args(layout: Layout, crypto: Path) -> list[str]:
    o = layout.orderers[0]
    return ["-o", o.endpoint, "--ordererTLSHostnameOverride", o.fqdn, "--tls",
            "--cafile", str(orderer_tls_ca(crypto, layout))]


def _definition_args(layout: Layout, collections: Path, sequence: int | None = None) -> list[str]:
    seq = layout.cc_sequence if sequence is None else sequence
    args = ["--channelID", layout.channel, "--name", layout.cc_name,
            "--version", layout.cc_version, "--sequence", str(seq)]
    if layout.collections:
        args += ["--collections-config", str(collections)]
    return args


def approve_all(bins: Binaries, layout: Layout, crypto: Path, package_ids: dict[str, str],
                collections: Path, sequence: int | None = None) -> None:
    def approve(org: PeerOrg) -> None:
        run([bins.path("peer"), "lifecycle", "chaincode", "approveformyorg",
             *_orderer_args(layout, crypto), *_definition_args(layout, collections, sequence),
             "--package-id", package_ids[org.mspid], "--waitForEvent"],
            env=peer_cli_env(layout, crypto, org, bins.config_dir),
            what=f"approveformyorg by {org.mspid}", retries=20,
            retry_on=("no Raft leader", "SERVICE_UNAVAILABLE", "Unavailable",
                      "connection refused"))

    with concurrent.futures.ThreadPoolExecutor(len(layout.orgs)) as pool:
        for f in [pool.submit(approve, org) for org in layout.orgs]:
            f.result()


def commit(bins: Binaries, layout: Layout, crypto: Path, collections: Path,
           sequence: int | None = None) -> None:
    peers: list[str] = []
    for org in layout.orgs:
        peers += ["--peerAddresses", org.peer.endpoint,
                  "--tlsRootCertFiles", str(peer_tls_ca(crypto, org))]
    org0 = layout.orgs[0]
    run([bins.path("peer"), "lifecycle", "chaincode", "commit", *_orderer_args(layout, crypto),
         *_definition_args(layout, collections, sequence), *peers, "--waitForEvent"],
        env=peer_cli_env(layout, crypto, org0, bins.config_dir), what="chaincode commit",
        retries=10, retry_on=("no Raft leader", "SERVICE_UNAVAILABLE", "Unavailable"))


def committed_sequence(bins: Binaries, layout: Layout, crypto: Path) -> int:
    """The sequence of the chaincode definition committed on the channel (0 if none)."""
    org0 = layout.orgs[0]
    try:
        out = run([bins.path("peer"), "lifecycle", "chaincode", "querycommitted",
                   "--channelID", layout.channel, "--name", layout.cc_name, "--output", "json"],
                  env=peer_cli_env(layout, crypto, org0, bins.config_dir),
                  what="chaincode querycommitted", retries=5,
                  retry_on=("Unavailable", "connection refused"))
    except CommandError as exc:
        if "not found" in str(exc):
            return 0
        raise
    return int(json.loads(out[out.index("{"):])["sequence"])


def definition_digest(layout: Layout) -> str:
    """What the committed definition must match: version, endorsement and collections (the
    collections' own endorsement policies included); a change needs a new sequence."""
    body = {"name": layout.cc_name, "version": layout.cc_version,
            "collections": collections_config(layout)}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def upgrade_definition(bins: Binaries, layout: Layout, crypto: Path, run_dir: Path,
                       state: dict, log=print) -> dict | None:
    """Approve and commit the layout's definition at the next sequence if it differs from the
    one recorded in state["definition"]; return the new record (None: nothing to do)."""
    digest = definition_digest(layout)
    if (state.get("definition") or {}).get("digest") == digest:
        return None
    seq = committed_sequence(bins, layout, crypto) + 1
    log(f"the chaincode definition changed (collections or version): committing it at "
        f"sequence {seq}")
    coll = run_dir / "collections.json"
    write_json(coll, collections_config(layout))
    approve_all(bins, layout, crypto, state.get("package_ids", {}), coll, sequence=seq)
    commit(bins, layout, crypto, coll, sequence=seq)
    return {"digest": digest, "sequence": seq}
