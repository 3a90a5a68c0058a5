"""gateway.service: each organisation's REST service in front of its own peer.

One FastAPI application per organisation role (power, certifier, bank, regulator), served
by uvicorn and configured by pydantic-settings; a store (SQLAlchemy 2, Alembic; SQLite by
default, PostgreSQL in production) holds upload jobs and the projection of the ledger's
events. Sign-in is OAuth2 bearer tokens the service issues (docs/services.md)::

    from gateway.service import create_app, load_settings

    app = create_app(load_settings(role="regulator", token_key="...32 bytes or more..."))

or from a shell: ``python -m gateway.service run regulator --env-file regulator.env``.

Nothing in ``gateway/*.py`` imports this package: the client stays importable without the
service's dependencies.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ServiceSettings", "create_app", "load_settings"]


def __getattr__(name: str) -> Any:  # PEP 562: FastAPI and SQLAlchemy load on first use
    if name == "create_app":
        from gateway.service._app import create_app

        return create_app
    if name in ("ServiceSettings", "load_settings"):
        from gateway.service import _settings

        return getattr(_settings, name)
    raise AttributeError(name)
