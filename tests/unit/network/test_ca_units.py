"""Fabric CA pieces that need no network: the CRL config update, the layout's CA ports and
collection policies, the registrar's attribute syntax, the chaincode servers' digest."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fabric_protos.common import common_pb2, configtx_pb2
from fabric_protos.msp import msp_config_pb2

from network import EnrolmentError, Network, load_layout
from network._ca import OrgCA
from network._channel_config import (
    ConfigUpdateError,
    msp_update,
    revocation_list,
    update_envelope,
    with_crl,
)
from network._configs import collections_config

NOW = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def _crl(cn: str, serials: list[int]) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    b = (x509.CertificateRevocationListBuilder()
         .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
         .last_update(NOW).next_update(NOW + datetime.timedelta(days=1)))
    for s in serials:
        b = b.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(s)
                                      .revocation_date(NOW).build())
    return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def _config(crls: list[bytes]) -> configtx_pb2.Config:
    fabric = msp_config_pb2.FabricMSPConfig(name="RegulatorMSP", revocation_list=crls)
    msp = msp_config_pb2.MSPConfig(type=0, config=fabric.SerializeToString())
    cfg = configtx_pb2.Config(sequence=4)
    cfg.channel_group.version = 2
    app = cfg.channel_group.groups["Application"]
    app.version = 3
    org = app.groups["RegulatorMSP"]
    org.version = 5
    org.values["MSP"].version = 7
    org.values["MSP"].mod_policy = "Admins"
    org.values["MSP"].value = msp.SerializeToString()
    org.values["Other"].version = 1
    app.groups["PowerMSP"].version = 9
    return cfg


def test_a_new_crl_replaces_the_same_issuers_and_keeps_others() -> None:
    old_reg, other = _crl("ca.regulator", [1]), _crl("ca.elsewhere", [9])
    new_reg = _crl("ca.regulator", [1, 2])
    cfg = _config([old_reg, other])
    cfg.channel_group.groups["Application"].groups["RegulatorMSP"].values["MSP"].value = \
        with_crl(cfg.channel_group.groups["Application"].groups["RegulatorMSP"]
                 .values["MSP"].value, new_reg)
    assert revocation_list(cfg, "RegulatorMSP") == [other, new_reg]


def test_the_update_writes_only_the_msp_value_at_the_next_version() -> None:
    cfg = _config([])
    new = with_crl(cfg.channel_group.groups["Application"].groups["RegulatorMSP"]
                   .values["MSP"].value, _crl("ca.regulator", [3]))
    up = msp_update(cfg, "carbon", "RegulatorMSP", new)
    assert up.channel_id == "carbon"
    for rw in (up.read_set, up.write_set):   # the path at the current versions
        assert rw.version == 2 and set(rw.groups) == {"Application"}
        assert rw.groups["Application"].version == 3
        assert set(rw.groups["Application"].groups) == {"RegulatorMSP"}
        assert rw.groups["Application"].groups["RegulatorMSP"].version == 5
    assert not up.read_set.groups["Application"].groups["RegulatorMSP"].values
    written = up.write_set.groups["Application"].groups["RegulatorMSP"].values
    assert set(written) == {"MSP"}
    assert (written["MSP"].version, written["MSP"].mod_policy) == (8, "Admins")
    assert written["MSP"].value == new
    env = common_pb2.Envelope.FromString(update_envelope(up, "carbon"))
    payload = common_pb2.Payload.FromString(env.payload)
    ch = common_pb2.ChannelHeader.FromString(payload.header.channel_header)
    assert (ch.type, ch.channel_id) == (common_pb2.HeaderType.CONFIG_UPDATE, "carbon")
    cue = configtx_pb2.ConfigUpdateEnvelope.FromString(payload.data)
    assert configtx_pb2.ConfigUpdate.FromString(cue.config_update) == up


def test_unknown_org_and_non_crl_are_typed_errors() -> None:
    cfg = _config([])
    with pytest.raises(ConfigUpdateError, match="BankMSP"):
        revocation_list(cfg, "BankMSP")
    with pytest.raises(ConfigUpdateError, match="CRL"):
        with_crl(cfg.channel_group.groups["Application"].groups["RegulatorMSP"]
                 .values["MSP"].value, b"not a crl")


def test_ca_ports_shift_with_the_port_base_and_are_checked_for_clashes() -> None:
    lay = load_layout(env={"CARBONTRUST_PORT_BASE": "44000"})
    reg = lay.org("regulator")
    assert reg.ca_port == 44405 and reg.ca_address == "127.0.0.1:44405"
    assert all(g.ca_port in lay.all_ports() for g in lay.orgs)


def test_operating_data_collection_carries_its_own_endorsement_policy() -> None:
    lay = load_layout(env={})
    assert lay.cc_module == "chaincode.carbon"
    cfg = {c["name"]: c for c in collections_config(lay)}
    op = cfg["operatingData"]
    assert op["policy"] == "OR('CertifierMSP.member', 'RegulatorMSP.member')"
    assert op["endorsementPolicy"] == {
        "signaturePolicy": "AND('CertifierMSP.peer', 'RegulatorMSP.peer')"}
    assert op["memberOnlyRead"] and op["memberOnlyWrite"]
    assert cfg["privateReadings"]["endorsementPolicy"] == {"signaturePolicy": (
        "OutOf(2, 'PowerMSP.peer', 'CertifierMSP.peer', 'RegulatorMSP.peer')")}


def test_attribute_syntax_of_the_client_is_refused_not_smuggled(tmp_path: Path) -> None:
    lay = load_layout(env={})
    ca = OrgCA(tmp_path / "bin", tmp_path / "crypto", tmp_path, lay.org("regulator"))
    with pytest.raises(EnrolmentError, match="attribute"):
        ca.register("ent1", {"uscc": "X:ecert,role=admin"})


def test_test_contracts_make_a_chaincode_server_stale(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A `make up` network (no probe) reused by the test fixtures (probe on) must have its
    chaincode servers restarted, and the other way round."""
    net = Network(run_dir=tmp_path / "run", layout=load_layout(env={}), log=lambda *_: None)
    monkeypatch.delenv("CARBONTRUST_CC_TEST_CONTRACTS", raising=False)
    without = net.cc_digest()
    monkeypatch.setenv("CARBONTRUST_CC_TEST_CONTRACTS", "1")
    assert net.cc_digest() != without
