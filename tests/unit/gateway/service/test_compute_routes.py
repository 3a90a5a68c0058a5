"""POST /v1/results and /v1/ratings (certifier and regulator): the CLI's compute_private over
the fake ledger seam: salt in transient data, the two endorsers, the public receipt and the
record read back and checked against it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.gateway.service.conftest import ServiceFactory, auth, user_name
from tests.unit.gateway.service.world import PERIOD, USCC, seed

WRITER = {"certifier": "attester", "regulator": "registrar"}


@pytest.mark.parametrize("role", sorted(WRITER))
def test_result_then_rating(service: ServiceFactory, role: str) -> None:
    client, world = service(role)
    seed(world)
    h = auth(client, user_name(WRITER[role]))
    r = client.post("/v1/results", json={"uscc": USCC, **PERIOD}, headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["receipt"]["version"] == 1 and body["receipt"]["tx_id"] == body["transaction_id"]
    assert body["record"]["computed"]["tx_id"] == body["transaction_id"]
    assert body["record"]["period"] == {"start": PERIOD["from"], "end": PERIOD["to"]}
    r = client.post("/v1/results", json={"uscc": USCC, **PERIOD, "factor_set": "cn-2022"},
                    headers=h)
    assert r.json()["receipt"]["version"] == 2
    assert r.json()["record"]["inputs"]["factor_set"]["version"] == "cn-2022"
    r = client.post("/v1/ratings", json={"uscc": USCC, **PERIOD, "version": 1}, headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["record"]["rated"]["tx_id"] == r.json()["transaction_id"]
    assert r.json()["record"]["version"] == 1


def test_refusals_are_problems(service: ServiceFactory) -> None:
    client, world = service("certifier")
    seed(world)
    h = auth(client, user_name("attester"))
    r = client.post("/v1/results", json={"uscc": USCC, "from": "2026-02-01",
                                         "to": "2026-01-01"}, headers=h)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    assert world.contract.calls == []  # a bad period reaches no ledger
    r = client.post("/v1/ratings", json={"uscc": USCC, **PERIOD}, headers=h)
    assert r.status_code == 409 and "no attested result" in r.json()["detail"], r.text
    r = client.post("/v1/results", json={"uscc": "91350100M000100Y44", **PERIOD}, headers=h)
    assert r.status_code == 404
    world.contract.disagree.add(USCC)
    r = client.post("/v1/results", json={"uscc": USCC, **PERIOD}, headers=h)
    assert r.status_code == 409 and "endorsers disagree" in r.json()["detail"], r.text
    assert world.contract.results == {}  # nothing written


def test_a_record_not_matching_its_receipt_is_refused(service: ServiceFactory) -> None:
    client, world = service("regulator")
    seed(world)
    h = auth(client, user_name("registrar"))

    class Tampered(list):  # type: ignore[type-arg]
        """The private record kept differs from the one the receipt's digest names."""

        def append(self, record: Any) -> None:
            super().append({**record, "figure": "altered"})

    world.contract.results[(USCC, PERIOD["from"], PERIOD["to"])] = Tampered()
    r = client.post("/v1/results", json={"uscc": USCC, **PERIOD}, headers=h)
    assert r.status_code == 409, r.text
    assert "does not match" in r.json()["detail"]
