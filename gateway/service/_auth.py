"""Sign-in: OAuth2 bearer tokens that the service issues and verifies itself.

``POST /v1/token`` (the OAuth2 password grant, RFC 6749 section 4.3: a form with
``grant_type=password``, ``username``, ``password``) checks the user against the service's
configured users (scrypt hashes) and returns a JWT (HS256, the service's ``token_key``)
with the user's roles, the organisation's MSP id, ``iss``/``aud`` naming this service and a
short expiry (``token_ttl``, default 15 minutes). Every other route takes
``Authorization: Bearer <token>``: no token or a bad one is 401 (``WWW-Authenticate:
Bearer``), a valid token without a role the route needs is 403. A token of another service
(another key, another audience) is a bad token here. Why tokens and not mutual TLS:
docs/services.md.

Routes declare who may call them with :func:`requires` (one dependency per route), so the
authorisation walk test reads the same declarations the service enforces.
"""


import time
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import APIRouter, Depends, Form, Request
from pydantic import BaseModel

from gateway.service._passwords import verify_password
from gateway.service._problems import ApiProblem, problem_responses
from gateway.service._settings import ServiceSettings

__all__ = ["Caller", "TokenAnswer", "issue_token", "requires", "token_router"]

ALGORITHM = "HS256"
LEEWAY = 5  # seconds of clock skew tolerated on exp / iat


@dataclass(frozen=True)
class Caller:
    user: str
    roles: frozenset[str]
    token_id: str


class TokenAnswer(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    scope: str


def _audience(settings: ServiceSettings) -> str:
    return f"carbontrust:{settings.role}"


def issue_token(settings: ServiceSettings, user: str, roles: list[str],
                now: float | None = None) -> tuple[str, int]:
    issued = int(time.time() if now is None else now)
    claims = {"iss": _audience(settings), "aud": _audience(settings), "sub": user,
              "roles": sorted(roles), "msp": settings.msp_id, "iat": issued,
              "exp": issued + settings.token_ttl, "jti": uuid.uuid4().hex}
    token = jwt.encode(claims, settings.token_key.get_secret_value(), algorithm=ALGORITHM)
    return token, settings.token_ttl


def _unauthorized(detail: str) -> ApiProblem:
    return ApiProblem(401, "unauthenticated", detail,
                      headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def _caller(request: Request) -> Caller:
    settings: ServiceSettings = request.app.state.settings
    header = request.headers.get("authorization")
    if not header:
        raise ApiProblem(401, "unauthenticated", "this route needs a bearer token "
                         "(POST /v1/token)", headers={"WWW-Authenticate": "Bearer"})
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("the Authorization header is not 'Bearer <token>'")
    try:
        claims = jwt.decode(token.strip(), settings.token_key.get_secret_value(),
                            algorithms=[ALGORITHM], audience=_audience(settings),
                            issuer=_audience(settings), leeway=LEEWAY,
                            options={"require": ["exp", "iat", "sub", "aud", "iss", "jti"]})
    except jwt.ExpiredSignatureError:
        raise _unauthorized("the token has expired: sign in again") from None
    except jwt.InvalidTokenError as exc:
        raise _unauthorized(f"the token is not valid for this service: {exc}") from None
    user = settings.users.get(str(claims["sub"]))
    if user is None:  # removed from the configuration since the token was issued
        raise _unauthorized(f"user {claims['sub']!r} is no longer a user of this service")
    roles = frozenset(r for r in claims.get("roles") or () if isinstance(r, str))
    # a role withdrawn from the configuration is withdrawn at once, not at expiry
    return Caller(str(claims["sub"]), roles & frozenset(user.roles), str(claims["jti"]))


def requires(*roles: str) -> Any:
    """A dependency: the caller holds one of ``roles`` (403 naming them otherwise)."""
    needed = frozenset(roles)

    def check(caller: Annotated[Caller, Depends(_caller)]) -> Caller:
        if not caller.roles & needed:
            have = ", ".join(sorted(caller.roles)) or "none"
            raise ApiProblem(403, "forbidden", f"needs role {' or '.join(sorted(needed))}; "
                             f"{caller.user} has {have}")
        return caller

    check.roles = needed  # type: ignore[attr-defined]  # read by the authorisation walk
    return Depends(check)


def token_router() -> APIRouter:
    router = APIRouter(tags=["sign-in"])

    @router.post("/v1/token", response_model=TokenAnswer,
                 responses=problem_responses(400, 401, 422))
    def token(request: Request,
              grant_type: Annotated[str, Form(pattern="^password$")],
              username: Annotated[str, Form(min_length=1, max_length=200)],
              password: Annotated[str, Form(max_length=1000)]) -> TokenAnswer:
        """OAuth2 password grant: a bearer token for a configured user."""
        settings: ServiceSettings = request.app.state.settings
        user = settings.users.get(username)
        if not verify_password(password, None if user is None else user.password_hash):
            raise ApiProblem(401, "invalid-grant", "unknown user or wrong password",
                             error="invalid_grant",
                             headers={"WWW-Authenticate": "Bearer"})
        assert user is not None
        value, ttl = issue_token(settings, username, user.roles)
        return TokenAnswer(access_token=value, expires_in=ttl, scope=" ".join(user.roles))

    return router
