"""schemathesis against each service's published OpenAPI document, on SQLite and on
PostgreSQL: the real application served by uvicorn (on a socket of its own), every
operation fuzzed with a token holding all of the service's roles (so the handlers are
reached, not only the sign-in) and without one; no 5xx, every status, content type,
header and body as the document says. Bounded: ``MAX_EXAMPLES`` per operation.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gateway.service._settings import ROLES, USER_ROLES
from tests.unit.gateway.service.audit_walk import audit_settings
from tests.unit.gateway.service.conftest import _HASH, ServiceFactory, auth, users_for
from tests.unit.gateway.service.world import seed

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


@pytest.fixture()
def served(service: ServiceFactory, db_url: str, tmp_path: Path) -> Iterator[Any]:
    def serve(role: str) -> tuple[str, dict[str, str], Any]:
        users = {**users_for(role), "u-all": {"password_hash": _HASH,
                                              "roles": list(USER_ROLES[role])}}
        client, world = service(role, db_url=db_url, users=users, max_upload_bytes=4096,
                                **audit_settings(role, tmp_path, bank=True))
        seed(world)
        headers = auth(client, "u-all")
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(world.app, log_config=None, lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        stops.append((server, thread, sock))
        return f"http://127.0.0.1:{sock.getsockname()[1]}", headers, world

    stops: list[Any] = []
    yield serve
    for server, thread, sock in stops:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_no_5xx_and_no_schema_violation(served: Any, role: str) -> None:
    base_url, headers, world = served(role)
    schema = schemathesis.openapi.from_dict(world.app.openapi())
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4
    for operation in operations:
        for sent in (headers, None):
            try:
                _fuzzer(operation, base_url, sent)()
            except Exception as exc:  # noqa: BLE001 - collected, reported together
                failures.append(f"{operation.label} (token: {sent is not None}): "
                                f"{str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)


def _fuzzer(operation: Any, base_url: str, sent: dict[str, str] | None) -> Any:
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def fuzz(case: Any) -> None:
        case.call_and_validate(base_url=base_url, headers=sent, checks=CHECKS)

    return fuzz
