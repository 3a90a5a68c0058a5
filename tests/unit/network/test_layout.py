"""The layout file, its environment overrides and the per-node configuration it yields."""

from __future__ import annotations

from pathlib import Path

import pytest

from network import LayoutError, load_layout
from network._configs import collections_config, configtx, orderer_env, peer_env


def test_default_layout_has_four_orgs_and_three_orderers() -> None:
    lay = load_layout(env={})
    assert [o.mspid for o in lay.orgs] == ["PowerMSP", "CertifierMSP", "BankMSP", "RegulatorMSP"]
    assert len(lay.orderers) == 3 and lay.channel == "carbon"


def test_port_base_shifts_every_port_and_batch_timeout_overrides() -> None:
    a = load_layout(env={})
    b = load_layout(env={"CARBONTRUST_PORT_BASE": str(a.port_base + 1000),
                         "CARBONTRUST_BATCH_TIMEOUT": "2s"})
    assert [p + 1000 for p in a.all_ports()] == b.all_ports()
    assert b.batch_timeout == "2s"


def test_bad_port_base_is_named() -> None:
    with pytest.raises(LayoutError, match="CARBONTRUST_PORT_BASE='x'"):
        load_layout(env={"CARBONTRUST_PORT_BASE": "x"})
    with pytest.raises(LayoutError, match="out of range"):
        load_layout(env={"CARBONTRUST_PORT_BASE": "65400"})


def test_duplicate_port_in_layout_file_is_refused(tmp_path: Path) -> None:
    text = Path(load_layout.__globals__["DEFAULT_LAYOUT"]).read_text()
    (tmp_path / "l.toml").write_text(text.replace("admin_port = 17051", "admin_port = 17050"))
    with pytest.raises(LayoutError, match=r"ports used twice: \[17050\]"):
        load_layout(tmp_path / "l.toml", env={})


def test_unknown_org_lists_known_ones() -> None:
    with pytest.raises(LayoutError, match="power, certifier, bank, regulator"):
        load_layout(env={}).org("airline")


def test_configtx_uses_majority_endorsement_and_anchor_peers(tmp_path: Path) -> None:
    lay = load_layout(env={})
    prof = configtx(lay, tmp_path)["Profiles"]["CarbonChannel"]
    app = prof["Application"]
    assert app["Policies"]["Endorsement"] == {"Type": "ImplicitMeta",
                                              "Rule": "MAJORITY Endorsement"}
    assert app["Capabilities"] == {"V2_5": True}
    assert [o["AnchorPeers"][0]["Port"] for o in app["Organizations"]] == [
        g.peer.port for g in lay.orgs]
    assert len(prof["Orderer"]["EtcdRaft"]["Consenters"]) == 3
    assert "Consortiums" not in prof and "Consortium" not in prof


def test_node_environments_do_not_clash(tmp_path: Path) -> None:
    lay = load_layout(env={})
    envs = [orderer_env(lay, tmp_path, o, tmp_path / o.name, tmp_path) for o in lay.orderers]
    envs += [peer_env(lay, tmp_path, g, tmp_path / g.key, tmp_path) for g in lay.orgs]
    listen = [v for e in envs for k, v in e.items()
              if k.endswith("LISTENADDRESS") and k != "ORDERER_GENERAL_LISTENADDRESS"]
    listen += [f"{e['ORDERER_GENERAL_LISTENADDRESS']}:{e['ORDERER_GENERAL_LISTENPORT']}"
               for e in envs if "ORDERER_GENERAL_LISTENPORT" in e]
    assert len(listen) == len(set(listen))
    paths = [v for e in envs for k, v in e.items()
             if k.endswith(("LOCATION", "WALDIR", "SNAPDIR", "FILESYSTEMPATH", "ROOTDIR"))]
    assert len(paths) == len(set(paths)) and all(str(tmp_path) in p for p in paths)
    assert all(e["CORE_PEER_GOSSIP_EXTERNALENDPOINT"] == e["CORE_PEER_ADDRESS"]
               for e in envs if "CORE_PEER_ADDRESS" in e)


def test_collections_exclude_the_bank() -> None:
    colls = collections_config(load_layout(env={}))
    assert [c["name"] for c in colls] == ["privateReadings", "operatingData"]
    for coll in colls:
        assert "BankMSP" not in coll["policy"]
        assert coll["memberOnlyRead"] and coll["memberOnlyWrite"]
