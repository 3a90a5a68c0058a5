"""network's service.<org> nodes: which run, their settings file (secret, loadable by the
service, an admin holding the service's roles), their ports from the layout."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gateway.service._passwords import verify_password
from gateway.service._settings import USER_ROLES, load_settings
from network import load_layout
from network._service_nodes import ServiceNodes


class Nodes(ServiceNodes):
    def __init__(self, run_dir: Path) -> None:
        self.layout = load_layout(env={"CARBONTRUST_PORT_BASE": "27500"})
        self.run_dir = run_dir
        self.log = print
        self.sup = None


def test_services_run_when_asked_or_when_the_run_dir_has_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nodes = Nodes(tmp_path)
    monkeypatch.delenv("CARBONTRUST_SERVICES", raising=False)
    assert nodes.service_names() == []  # the default: integration networks have none
    monkeypatch.setenv("CARBONTRUST_SERVICES", "1")
    assert nodes.service_names() == ["service.power", "service.certifier", "service.bank",
                                     "service.regulator"]
    nodes._service_spec(nodes.layout.org("bank"))  # writes the run dir's settings
    monkeypatch.delenv("CARBONTRUST_SERVICES")
    assert len(nodes.service_names()) == 4  # status and down still know them
    monkeypatch.setenv("CARBONTRUST_SERVICES", "0")
    assert nodes.service_names() == []


def test_settings_are_secret_loadable_and_kept(tmp_path: Path) -> None:
    nodes = Nodes(tmp_path)
    org = nodes.layout.org("regulator")
    spec = nodes._service_spec(org)
    assert org.service_port == 27906 and "--port" in spec.argv and "27906" in spec.argv
    assert spec.ready == {"http": "http://127.0.0.1:27906/healthz"}
    env_file = tmp_path / "services" / "regulator.env"
    password = (tmp_path / "services" / "regulator.password").read_text().strip()
    for path in (env_file, tmp_path / "services" / "regulator.password"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    settings = load_settings(env_file, role="regulator")
    assert settings.profile == tmp_path / "connection.json"
    assert settings.users["admin"].roles == list(USER_ROLES["regulator"])
    assert verify_password(password, settings.users["admin"].password_hash)
    before = env_file.read_bytes()
    nodes._service_spec(org)
    assert env_file.read_bytes() == before  # the same key and users across restarts


def test_service_ports_are_in_the_layout_and_distinct() -> None:
    layout = load_layout(env={"CARBONTRUST_PORT_BASE": "17000"})
    ports = [g.service_port for g in layout.orgs]
    assert ports == [17106, 17206, 17306, 17406]
    assert set(ports) <= set(layout.all_ports())
    assert len(layout.all_ports()) == len(set(layout.all_ports()))
