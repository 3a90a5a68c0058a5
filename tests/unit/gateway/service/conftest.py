"""The services under test: an app per role on SQLite or PostgreSQL, with the fake ledger,
a fake event source and the ingest tests' FileLedger as the readings sink (the seams
``create_app`` takes); users holding each role of each service; a connection profile whose
identities are throwaway P-256 certificates (the certifier signs statements with one)."""

from __future__ import annotations

import datetime
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fastapi.testclient import TestClient

from gateway.service import create_app
from gateway.service._passwords import hash_password
from gateway.service._settings import ORG_OF_ROLE, USER_ROLES, ServiceSettings
from tests.postgres import postgres_url
from tests.unit.gateway.ingest.conftest import install_codec
from tests.unit.gateway.ingest.fake_ledger import FileLedger
from tests.unit.gateway.service.fake_ledger import FakeContract, FakeLedger

KEY = "k" * 40
PASSWORD = "correct horse battery staple"
_HASH = hash_password(PASSWORD, n=2**10)  # a cheap hash: the tests sign in many times


def user_name(role: str) -> str:
    return f"u-{role}"


def _cert(path: Path, cn: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    path.mkdir(parents=True, exist_ok=True)
    (path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))


@pytest.fixture(scope="session")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("profile")
    (root / "tlsca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    orgs = {}
    for msp in ORG_OF_ROLE.values():
        users = {}
        for user in ("User1", "Meter1", "Admin"):
            _cert(root / msp / user, f"{user}@{msp}")
            users[user] = {"cert": f"{msp}/{user}/cert.pem", "key": f"{msp}/{user}/key.pem"}
        orgs[msp] = {"mspid": msp, "peer_endpoint": "127.0.0.1:1", "tls_ca": "tlsca.pem",
                     "users": users}
    path = root / "connection.json"
    path.write_text(json.dumps({"orgs": orgs, "channel": "carbon", "chaincode": "carbon"}))
    return path


def users_for(role: str) -> dict[str, Any]:
    """One user per role of the service, and one with no role at all."""
    users = {user_name(r): {"password_hash": _HASH, "roles": [r]} for r in USER_ROLES[role]}
    users["u-none"] = {"password_hash": _HASH, "roles": []}
    return users


class FakeEvents:
    """An EventSource fed by the test: ``push`` events; ``open`` yields those after the
    position (the Gateway's checkpoint rule: from its block, after its transaction)."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.cond = threading.Condition()
        self.closed = False
        self.opened: list[Any] = []

    def push(self, *events: Any) -> None:
        with self.cond:
            self.events.extend(events)
            self.cond.notify_all()

    @contextmanager
    def open(self, position: Any) -> Iterator[Iterator[Any]]:
        self.opened.append(position)

        def gen() -> Iterator[Any]:
            i = 0
            skipping = position.transaction_id is not None
            while True:
                with self.cond:
                    while i >= len(self.events) and not self.closed:
                        self.cond.wait(0.05)
                    if i >= len(self.events):  # closed, and everything pushed was read
                        return
                    event = self.events[i]
                i += 1
                if position.block_number is not None and event.block_number < \
                        position.block_number:
                    continue
                if skipping and event.block_number == position.block_number:
                    if event.transaction_id == position.transaction_id:
                        skipping = False
                    continue
                yield event

        yield gen()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return postgres_url()


ServiceFactory = Callable[..., tuple[TestClient, Any]]


@pytest.fixture()
def service(tmp_path: Path, profile: Path) -> Iterator[ServiceFactory]:
    """``service(role, db_url=None, **settings)`` -> (client, world); world has
    ``contract``, ``events``, ``ledger`` (the readings FileLedger), ``settings``."""
    stack: list[TestClient] = []

    def make(role: str, db_url: str | None = None, **overrides: Any) -> tuple[TestClient, Any]:
        contract = FakeContract()
        events = FakeEvents()
        readings = FileLedger(tmp_path / f"ledger-{role}.sqlite", install_codec())
        data = tmp_path / f"data-{role}-{len(stack)}"
        values: dict[str, Any] = {"role": role, "token_key": KEY, "profile": profile,
                                  "data_dir": data, "users": users_for(role),
                                  "database_url": db_url, "max_wait": 0.05}
        values.update(overrides)
        settings = ServiceSettings(**values)
        app = create_app(settings, ledger_factory=lambda t, _to: FakeLedger(contract, t.user,
                                                                           t.msp_id),
                         event_source=events, sink_factory=lambda: readings)
        client = TestClient(app)
        client.__enter__()
        stack.append(client)
        world = type("World", (), {"contract": contract, "events": events,
                                   "readings": readings, "settings": settings, "app": app})
        return client, world

    yield make
    for client in reversed(stack):
        client.__exit__(None, None, None)


def token(client: TestClient, role_user: str) -> str:
    r = client.post("/v1/token", data={"grant_type": "password", "username": role_user,
                                        "password": PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def auth(client: TestClient, role_user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(client, role_user)}"}
