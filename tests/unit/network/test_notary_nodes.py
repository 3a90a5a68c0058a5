"""The notary followers as network nodes: names, spec, the env switch, start order."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from network import Network, load_layout


def net(tmp_path: Path) -> Network:
    return Network(run_dir=tmp_path / "run", layout=load_layout(), log=lambda *a: None)


def test_one_follower_per_org_listed_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARBONTRUST_NOTARY_FOLLOWERS", raising=False)
    n = net(tmp_path)
    names = n.node_names()
    followers = [f"notary.{g.key}" for g in n.layout.orgs]
    assert names[-len(followers):] == followers  # down stops them first (reverse order)


def test_spec_runs_the_follower_with_the_orgs_store(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARBONTRUST_AUDIT_CADENCE", "2,20")
    n = net(tmp_path)
    g = n.layout.orgs[0]
    spec = n.spec(f"notary.{g.key}")
    assert spec.argv == [sys.executable, "-m", "gateway.audit", "follow", "--profile",
                         str(n.run_dir / "connection.json"), "--as", g.mspid,
                         "--store", str(n.run_dir / "notary" / g.key)]
    assert spec.env["CARBONTRUST_AUDIT_CADENCE"] == "2,20"
    assert spec.ready is None
    assert "CARBONTRUST_AUDIT_DATABASE" not in spec.env  # no services: its own audit.db


def test_with_services_the_follower_writes_into_its_services_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The URL goes in the environment (not argv, which ps shows), once the store's
    migrations made the log's tables."""
    monkeypatch.setenv("CARBONTRUST_SERVICES", "1")
    n = net(tmp_path)
    g = n.layout.org("power")
    n.run_dir.mkdir(parents=True)
    (n.run_dir / "connection.json").write_text("{}")
    spec = n.spec(f"notary.{g.key}")
    url = f"sqlite:///{n.run_dir / 'services' / 'power' / 'store.sqlite'}"
    assert spec.env["CARBONTRUST_AUDIT_DATABASE"] == url
    assert not [a for a in spec.argv if "://" in a]
    from gateway.audit import AuditStore

    with AuditStore.open(url, sync=True) as store:  # the tables are there: it opens
        assert store.size() == 0


def test_switch_leaves_them_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARBONTRUST_NOTARY_FOLLOWERS", "0")
    n = net(tmp_path)
    assert not [x for x in n.node_names() if x.startswith("notary.")]
    with pytest.raises(Exception, match="no node"):
        n.spec(f"notary.{n.layout.orgs[0].key}")


def test_start_followers_starts_only_missing_ones(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CARBONTRUST_NOTARY_FOLLOWERS", raising=False)
    n = net(tmp_path)
    started: list[str] = []
    running = {f"notary.{n.layout.orgs[0].key}"}
    monkeypatch.setattr(n.sup, "pid", lambda name: 1 if name in running else None)
    monkeypatch.setattr(n.sup, "start", lambda spec: started.append(spec.name))
    n._start_followers()
    assert started == [f"notary.{g.key}" for g in n.layout.orgs[1:]]
