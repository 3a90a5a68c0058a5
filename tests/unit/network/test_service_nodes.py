"""network's service.<org> nodes: which run, their settings file (secret, loadable by the
service, an admin holding the service's roles; the bank's MSP roots and audit store), their
ports from the layout."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from gateway.service._passwords import verify_password
from gateway.service._settings import USER_ROLES, load_settings
from network import load_layout
from network._errors import NetworkError
from network._layout import Layout
from network._service_nodes import ServiceNodes


class Nodes(ServiceNodes):
    def __init__(self, run_dir: Path) -> None:
        self.layout = load_layout(env={"CARBONTRUST_PORT_BASE": "27500"})
        self.run_dir = run_dir
        self.log = print
        self.sup = None


def write_msp_folders(run_dir: Path, layout: Layout) -> dict[str, bytes]:
    """What `network up` leaves for the roots: connection.json naming each org's peer host,
    and each org's msp/cacerts (two CA files for one org: both are its roots)."""
    orgs, roots = {}, {}
    for g in layout.orgs:
        host = g.peer.fqdn
        cacerts = run_dir / "crypto" / "peerOrganizations" / host.split(".", 1)[1] / "msp" / \
            "cacerts"
        cacerts.mkdir(parents=True)
        pems = [f"-----BEGIN CERTIFICATE-----\n{g.mspid}-{i}\n-----END CERTIFICATE-----\n"
                .encode() for i in range(2 if g.key == "power" else 1)]
        for i, pem in enumerate(pems):
            (cacerts / f"ca{i}.pem").write_bytes(pem)
        orgs[g.mspid], roots[g.mspid] = {"peer_host": host}, b"".join(pems)
    (run_dir / "connection.json").write_text(json.dumps({"orgs": orgs}))
    return roots


def test_services_run_when_asked_or_when_the_run_dir_has_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nodes = Nodes(tmp_path)
    monkeypatch.delenv("CARBONTRUST_SERVICES", raising=False)
    assert nodes.service_names() == []  # the default: integration networks have none
    monkeypatch.setenv("CARBONTRUST_SERVICES", "1")
    write_msp_folders(tmp_path, nodes.layout)
    assert nodes.service_names() == ["service.power", "service.certifier", "service.bank",
                                     "service.regulator"]
    nodes._service_spec(nodes.layout.org("bank"))  # writes the run dir's settings
    monkeypatch.delenv("CARBONTRUST_SERVICES")
    assert len(nodes.service_names()) == 4  # status and down still know them
    monkeypatch.setenv("CARBONTRUST_SERVICES", "0")
    assert nodes.service_names() == []


def test_settings_are_secret_loadable_and_kept(tmp_path: Path) -> None:
    nodes = Nodes(tmp_path)
    write_msp_folders(tmp_path, nodes.layout)   # the regulator's roots are written too
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


def test_bank_settings_name_its_roots_and_the_roots_are_written(tmp_path: Path) -> None:
    nodes = Nodes(tmp_path)
    roots = write_msp_folders(tmp_path, nodes.layout)
    env_file = nodes._service_settings(nodes.layout.org("bank"))
    settings = load_settings(env_file, role="bank")
    assert settings.msp_roots == tmp_path / "services" / "bank" / "msp-roots"
    assert settings.audit_store is None  # its notary log is in its own store:
    assert settings.audit_store_path() == settings.db_url() == \
        f"sqlite:///{tmp_path / 'services' / 'bank' / 'store.sqlite'}"
    written = {p.stem: p.read_bytes() for p in settings.msp_roots.glob("*.pem")}
    assert written == roots and len(written) == 4
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    before = env_file.read_bytes()
    nodes._service_settings(nodes.layout.org("bank"))
    assert env_file.read_bytes() == before  # named once, not appended at every start
    # the other services' settings name neither
    other = load_settings(nodes._service_settings(nodes.layout.org("power")), role="power")
    assert other.msp_roots is None and other.audit_store is None


def test_regulator_settings_name_its_roots_for_the_audit_check(tmp_path: Path) -> None:
    nodes = Nodes(tmp_path)
    roots = write_msp_folders(tmp_path, nodes.layout)
    settings = load_settings(nodes._service_settings(nodes.layout.org("regulator")),
                             role="regulator")
    assert settings.msp_roots == tmp_path / "services" / "regulator" / "msp-roots"
    assert {p.stem: p.read_bytes() for p in settings.msp_roots.glob("*.pem")} == roots


def test_bank_settings_from_before_get_the_lines_and_an_operators_choice_is_kept(
        tmp_path: Path) -> None:
    nodes = Nodes(tmp_path)
    roots = write_msp_folders(tmp_path, nodes.layout)
    bank = nodes.layout.org("bank")
    env_file = nodes._service_settings(bank)
    lines = [ln for ln in env_file.read_text().splitlines()
             if not ln.startswith(("CARBONTRUST_SERVICE_MSP_ROOTS=",
                                   "CARBONTRUST_SERVICE_AUDIT_STORE="))]
    own_store = tmp_path / "elsewhere" / "audit.db"
    env_file.write_text("\n".join([*lines, f"CARBONTRUST_SERVICE_AUDIT_STORE={own_store}"])
                        + "\n")
    key_line = next(ln for ln in lines if ln.startswith("CARBONTRUST_SERVICE_TOKEN_KEY="))
    nodes._service_settings(bank)
    settings = load_settings(env_file, role="bank")
    assert settings.audit_store_path() == own_store  # the operator's, kept
    assert settings.msp_roots == tmp_path / "services" / "bank" / "msp-roots"  # added
    assert key_line in env_file.read_text().splitlines()  # the same key and users
    assert {p.stem: p.read_bytes() for p in settings.msp_roots.glob("*.pem")} == roots


def test_the_audit_store_line_an_earlier_make_up_wrote_is_dropped(tmp_path: Path) -> None:
    """Before the log moved into the service store, make up named the follower's audit.db;
    that file is no longer written, so the line goes and the default (the store) applies."""
    nodes = Nodes(tmp_path)
    write_msp_folders(tmp_path, nodes.layout)
    bank = nodes.layout.org("bank")
    env_file = nodes._service_settings(bank)
    old = f"CARBONTRUST_SERVICE_AUDIT_STORE={tmp_path / 'notary' / 'bank' / 'audit.db'}"
    env_file.write_text(env_file.read_text() + old + "\n")
    before = [ln for ln in env_file.read_text().splitlines() if ln != old]
    nodes._service_settings(bank)
    assert env_file.read_text().splitlines() == before
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    settings = load_settings(env_file, role="bank")
    assert settings.audit_store_path() == settings.db_url()


def test_a_services_store_is_where_its_follower_writes_migrated_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sqlalchemy as sa

    nodes = Nodes(tmp_path)
    write_msp_folders(tmp_path, nodes.layout)
    power = nodes.layout.org("power")
    monkeypatch.setenv("CARBONTRUST_SERVICES", "0")
    assert nodes.service_store_url(power) is None  # no service: the follower's own audit.db
    monkeypatch.setenv("CARBONTRUST_SERVICES", "1")
    url = nodes.service_store_url(power)
    assert url == f"sqlite:///{tmp_path / 'services' / 'power' / 'store.sqlite'}"
    engine = sa.create_engine(url)
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert {"audit_entries", "notary_tiles", "alembic_version"} <= tables


def test_bank_roots_missing_from_the_run_dir_is_a_network_error(tmp_path: Path) -> None:
    nodes = Nodes(tmp_path)
    write_msp_folders(tmp_path, nodes.layout)
    bank_cacerts = next((tmp_path / "crypto" / "peerOrganizations").glob("bank*/msp/cacerts"))
    for pem in bank_cacerts.glob("*.pem"):
        pem.unlink()
    with pytest.raises(NetworkError, match=r"service\.bank: cannot write its MSP roots.*"
                       r"no root certificate of BankMSP"):
        nodes._service_settings(nodes.layout.org("bank"))
