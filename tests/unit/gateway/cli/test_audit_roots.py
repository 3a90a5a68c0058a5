"""``carbontrust audit roots``: the MSP roots directory from the channel configuration the peer
serves (a real ``common.Config`` protobuf, answered by the fake ledger seam), or from the
run dir's MSP folders."""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from fabric_protos.common import configtx_pb2
from fabric_protos.msp import msp_config_pb2

from tests.unit.gateway.cli.conftest import ORGS, FakeLedger, write_profile
from tests.unit.gateway.cli.test_commands import refused
from tests.unit.verifier.pki import orgs
from verifier import load_msp_roots


def _pem(mspid: str) -> bytes:
    return orgs()[mspid].ca.cert.public_bytes(serialization.Encoding.PEM)


def channel_config(msps: tuple[str, ...] = ORGS) -> bytes:
    config = configtx_pb2.Config()
    app = config.channel_group.groups["Application"]
    for mspid in msps:
        fabric = msp_config_pb2.FabricMSPConfig(name=mspid, root_certs=[_pem(mspid)])
        msp = msp_config_pb2.MSPConfig(type=0, config=fabric.SerializeToString())
        app.groups[mspid.removesuffix("MSP")].values["MSP"].value = msp.SerializeToString()
    orderer = msp_config_pb2.FabricMSPConfig(name="OrdererMSP", root_certs=[b"x"])
    config.channel_group.groups["Orderer"].groups["Orderer"].values["MSP"].value = \
        msp_config_pb2.MSPConfig(config=orderer.SerializeToString()).SerializeToString()
    return config.SerializeToString()


def test_roots_from_the_peers_channel_configuration(run, ledger: FakeLedger, tmp_path: Path):
    ledger.answers["GetChannelConfig"] = channel_config()
    out = tmp_path / "roots"
    r = run("audit", "roots", "--out", str(out), "--as", "BankMSP")
    assert r.code == 0, r.err
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{m}.pem" for m in ORGS)
    roots = load_msp_roots(out)
    for mspid in ORGS:
        assert roots[mspid] == [orgs()[mspid].ca.cert]  # the application orgs only
    (call,) = ledger.calls
    assert (call.function, call.args, call.msp_id) == ("GetChannelConfig", ["carbon"], "BankMSP")
    assert ledger.target is not None and ledger.target.chaincode == "cscc"


def test_an_answer_that_is_no_configuration_or_a_refusal(run, ledger: FakeLedger,
                                                          tmp_path: Path):
    ledger.answers["GetChannelConfig"] = b"\xff\xfe not a protobuf"
    r = run("audit", "roots", "--out", str(tmp_path / "r"))
    assert r.code == 3 and "GetChannelConfig" in r.err
    ledger.answers["GetChannelConfig"] = configtx_pb2.Config().SerializeToString()
    r = run("audit", "roots", "--out", str(tmp_path / "r"))
    assert r.code == 3 and "no application organisations" in r.err
    ledger.answers["GetChannelConfig"] = refused(403, "access denied for [GetChannelConfig]")
    r = run("audit", "roots", "--out", str(tmp_path / "r"))
    assert r.code == 1 and "access denied" in r.err
    assert not (tmp_path / "r").exists()


def test_roots_from_the_run_dirs_msp_folders(run, ledger: FakeLedger, tmp_path: Path):
    profile = write_profile(tmp_path / "run")
    info = json.loads(profile.read_text())
    for mspid, org in info["orgs"].items():
        domain = f"{mspid.removesuffix('MSP').lower()}.carbon.example"
        org["peer_host"] = f"peer0.{domain}"
        cacerts = tmp_path / "run" / "crypto" / "peerOrganizations" / domain / "msp" / "cacerts"
        cacerts.mkdir(parents=True)
        (cacerts / "ca-cert.pem").write_bytes(_pem(mspid))
    profile.write_text(json.dumps(info))
    out = tmp_path / "roots"
    r = run("audit", "roots", "--out", str(out), "--from-run-dir",
            environ={"CARBONTRUST_PROFILE": str(profile)})
    assert r.code == 0, r.err
    assert load_msp_roots(out) == {m: [orgs()[m].ca.cert] for m in ORGS}
    assert ledger.calls == []  # no peer asked
    (tmp_path / "run" / "crypto" / "peerOrganizations" / "bank.carbon.example" / "msp" /
     "cacerts" / "ca-cert.pem").unlink()
    r = run("audit", "roots", "--out", str(out), "--from-run-dir",
            environ={"CARBONTRUST_PROFILE": str(profile)})
    assert r.code == 2 and "no root certificate of BankMSP" in r.err
