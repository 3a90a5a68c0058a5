"""Sign-in: the password grant, token expiry, audience, withdrawn roles and users, the
password hash."""

from __future__ import annotations

import time

import jwt
import pytest

from gateway.service._auth import issue_token
from gateway.service._passwords import hash_password, verify_password
from tests.unit.gateway.service.conftest import KEY, PASSWORD, ServiceFactory, auth, token


def test_password_grant_gives_a_short_lived_token_with_roles(service: ServiceFactory) -> None:
    client, world = service("regulator", token_ttl=120)
    r = client.post("/v1/token", data={"grant_type": "password", "username": "u-registrar",
                                        "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 120
    claims = jwt.decode(body["access_token"], KEY, algorithms=["HS256"],
                        audience="carbontrust:regulator")
    assert claims["roles"] == ["registrar"] and claims["msp"] == "RegulatorMSP"
    assert claims["exp"] - claims["iat"] == 120


@pytest.mark.parametrize("form", [
    {"grant_type": "password", "username": "u-registrar", "password": "wrong"},
    {"grant_type": "password", "username": "nobody", "password": PASSWORD},
])
def test_wrong_password_or_user_is_401_invalid_grant(service: ServiceFactory,
                                                     form: dict[str, str]) -> None:
    client, _ = service("regulator")
    r = client.post("/v1/token", data=form)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["error"] == "invalid_grant"
    assert r.json()["detail"] == "unknown user or wrong password"  # says not which


def test_other_grant_types_are_refused(service: ServiceFactory) -> None:
    client, _ = service("bank")
    r = client.post("/v1/token", data={"grant_type": "client_credentials",
                                        "username": "u-analyst", "password": PASSWORD})
    assert r.status_code == 422


def test_expired_token_is_401(service: ServiceFactory) -> None:
    client, world = service("bank")
    old, _ = issue_token(world.settings, "u-analyst", ["analyst"],
                         now=time.time() - world.settings.token_ttl - 60)
    r = client.get("/v1/events", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_alg_none_and_garbage_are_401(service: ServiceFactory) -> None:
    client, _ = service("bank")
    now = int(time.time())
    unsigned = jwt.encode({"iss": "carbontrust:bank", "aud": "carbontrust:bank",
                           "sub": "u-analyst", "roles": ["analyst"], "iat": now,
                           "exp": now + 60, "jti": "j"}, None, algorithm="none")
    for value in (f"Bearer {unsigned}", "Bearer abc.def.ghi", "Basic dTpw", "Bearer "):
        r = client.get("/v1/events", headers={"Authorization": value})
        assert r.status_code == 401, value


def test_a_role_withdrawn_from_the_settings_is_withdrawn_at_once(service: ServiceFactory) -> None:
    client, world = service("bank")
    headers = auth(client, "u-analyst")
    assert client.get("/v1/events", headers=headers).status_code == 200
    world.settings.users["u-analyst"].roles = []
    assert client.get("/v1/events", headers=headers).status_code == 403
    del world.settings.users["u-analyst"]
    assert client.get("/v1/events", headers=headers).status_code == 401


def test_a_token_of_another_service_with_the_same_key_is_refused(
        service: ServiceFactory) -> None:
    bank, _ = service("bank")
    power, _ = service("power")
    # same token_key in both (the fixture's): the audience still tells them apart
    assert bank.get("/v1/events", headers={
        "Authorization": f"Bearer {token(power, 'u-viewer')}"}).status_code == 401


def test_password_hash_round_trip_and_tampering() -> None:
    encoded = hash_password("s3cret", n=2**10)
    assert verify_password("s3cret", encoded)
    assert not verify_password("s3cret!", encoded)
    assert not verify_password("s3cret", encoded[:-4] + "AAA=")
    assert not verify_password("s3cret", "bcrypt$x")
    assert not verify_password("s3cret", None)
