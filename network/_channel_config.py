"""Channel configuration updates: put an organisation's CRL into its MSP on the channel.

A certificate revoked at a Fabric CA is refused by the MSP only once the CA's CRL is in the
organisation's MSP definition in the channel configuration (FabricMSPConfig.revocation_list).
That takes a config update transaction, built here with the official protos
(``fabric_protos`` common.configtx_pb2, msp.msp_config_pb2):

1. the latest config block is fetched from an orderer (Deliver) by ``peer channel fetch
   config``, as the organisation's admin;
2. the MSP value is changed (the org's CRLs from the same issuer replaced by the new one);
3. a ConfigUpdate is computed by hand, which for one changed value is small: the read set
   names the path (Channel, Application, the org group) at the current versions, and the
   write set carries the same groups at the same versions plus the MSP value at version + 1
   with its mod_policy (the org's ``Admins``), which is what the orderer checks;
4. ``peer channel update`` signs it as the organisation's admin (ConfigSignature and the
   envelope) and Broadcasts it to an orderer.

configtxlator would compute the same update; it is one more binary to build and run as a
service, for a delta this simple.
"""

from __future__ import annotations

import time
from pathlib import Path

from cryptography import x509
from fabric_protos.common import common_pb2, configtx_pb2
from fabric_protos.msp import msp_config_pb2

from ._binaries import Binaries
from ._configs import peer_cli_env
from ._errors import NetworkError
from ._layout import Layout, PeerOrg
from ._lifecycle import _orderer_args
from ._run import run


class ConfigUpdateError(NetworkError):
    """A channel configuration update could not be built, submitted or seen committed."""


def fetch_config_block(bins: Binaries, layout: Layout, crypto: Path, org: PeerOrg,
                       out: Path) -> common_pb2.Block:
    """The channel's latest config block, delivered by an orderer to the org's admin."""
    out.parent.mkdir(parents=True, exist_ok=True)
    run([bins.path("peer"), "channel", "fetch", "config", str(out), "-c", layout.channel,
         *_orderer_args(layout, crypto)],
        env=peer_cli_env(layout, crypto, org, bins.config_dir),
        what=f"peer channel fetch config as {org.mspid}", retries=5,
        retry_on=("SERVICE_UNAVAILABLE", "Unavailable", "connection refused"))
    block = common_pb2.Block()
    block.ParseFromString(out.read_bytes())
    return block


def config_of(block: common_pb2.Block) -> configtx_pb2.Config:
    env = common_pb2.Envelope.FromString(block.data.data[0])
    payload = common_pb2.Payload.FromString(env.payload)
    return configtx_pb2.ConfigEnvelope.FromString(payload.data).config


def _msp_value(config: configtx_pb2.Config, mspid: str) -> configtx_pb2.ConfigValue:
    app = config.channel_group.groups["Application"]
    if mspid not in app.groups:
        raise ConfigUpdateError(f"no organisation {mspid} in the channel's Application group "
                                f"(found {sorted(app.groups)})")
    return app.groups[mspid].values["MSP"]


def revocation_list(config: configtx_pb2.Config, mspid: str) -> list[bytes]:
    msp = msp_config_pb2.MSPConfig.FromString(_msp_value(config, mspid).value)
    return list(msp_config_pb2.FabricMSPConfig.FromString(msp.config).revocation_list)


def _issuer(crl_pem: bytes) -> x509.Name:
    try:
        return x509.load_pem_x509_crl(crl_pem).issuer
    except ValueError as exc:
        raise ConfigUpdateError(f"not a PEM CRL: {exc}") from None


def with_crl(msp_value: bytes, crl_pem: bytes) -> bytes:
    """An MSP value (MSPConfig bytes) whose revocation list holds crl_pem in place of the
    CRLs of the same issuer (a CA's newest CRL lists every certificate it revoked)."""
    msp = msp_config_pb2.MSPConfig.FromString(msp_value)
    fabric = msp_config_pb2.FabricMSPConfig.FromString(msp.config)
    issuer = _issuer(crl_pem)
    kept = [c for c in fabric.revocation_list if _issuer(c) != issuer]
    del fabric.revocation_list[:]
    fabric.revocation_list.extend([*kept, crl_pem])
    msp.config = fabric.SerializeToString()
    return msp.SerializeToString()


def msp_update(config: configtx_pb2.Config, channel: str, mspid: str,
               new_value: bytes) -> configtx_pb2.ConfigUpdate:
    """The ConfigUpdate that sets the org's MSP value to new_value (read and write sets)."""
    chan = config.channel_group
    app = chan.groups["Application"]
    org = app.groups[mspid]
    current = _msp_value(config, mspid)
    update = configtx_pb2.ConfigUpdate(channel_id=channel)
    for rw in (update.read_set, update.write_set):
        rw.version = chan.version
        rw.groups["Application"].version = app.version
        rw.groups["Application"].groups[mspid].version = org.version
    value = update.write_set.groups["Application"].groups[mspid].values["MSP"]
    value.version = current.version + 1
    value.mod_policy = current.mod_policy
    value.value = new_value
    return update


def update_envelope(update: configtx_pb2.ConfigUpdate, channel: str) -> bytes:
    """An unsigned CONFIG_UPDATE envelope; ``peer channel update`` adds the signatures."""
    header = common_pb2.ChannelHeader(type=common_pb2.HeaderType.CONFIG_UPDATE,
                                      channel_id=channel)
    cue = configtx_pb2.ConfigUpdateEnvelope(config_update=update.SerializeToString())
    payload = common_pb2.Payload(
        header=common_pb2.Header(channel_header=header.SerializeToString()),
        data=cue.SerializeToString())
    return common_pb2.Envelope(payload=payload.SerializeToString()).SerializeToString()


def put_crl(bins: Binaries, layout: Layout, crypto: Path, org: PeerOrg, crl_pem: bytes,
            work: Path) -> int:
    """Put crl_pem into org's channel MSP; return the number of the new config block."""
    before = fetch_config_block(bins, layout, crypto, org, work / "config-before.block")
    config = config_of(before)
    new_value = with_crl(_msp_value(config, org.mspid).value, crl_pem)
    env = work / "crl-update.envelope"
    env.write_bytes(update_envelope(msp_update(config, layout.channel, org.mspid, new_value),
                                    layout.channel))
    run([bins.path("peer"), "channel", "update", "-f", str(env), "-c", layout.channel,
         *_orderer_args(layout, crypto)],
        env=peer_cli_env(layout, crypto, org, bins.config_dir),
        what=f"peer channel update (CRL of {org.mspid})", retries=5,
        retry_on=("SERVICE_UNAVAILABLE", "no Raft leader"))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        after = fetch_config_block(bins, layout, crypto, org, work / "config-after.block")
        if after.header.number > before.header.number:
            if crl_pem not in revocation_list(config_of(after), org.mspid):
                raise ConfigUpdateError(
                    f"config block {after.header.number} committed without {org.mspid}'s CRL")
            return int(after.header.number)
        time.sleep(0.2)
    raise ConfigUpdateError(f"no config block after #{before.header.number} within 30 s "
                            f"(the CRL update of {org.mspid} was accepted but not ordered)")
