"""The Network's organisation services (a mixin): one ``service.<org>`` per organisation.

Each runs ``python -m gateway.service run <role>`` (docs/services.md) on the port the
layout gives the organisation (``service = { host, port }``), against the network's
``connection.json`` (its own peer, its own identities), with its data and SQLite store in
``<run dir>/services/<org key>``. Its settings are written once per run directory to
``<run dir>/services/<org key>.env`` (0600): a random token key and one user ``admin``
holding every role of the service, whose password is in ``<org key>.password`` (0600).
The bank's settings also name its ``msp_roots`` (``<data dir>/msp-roots``, written at every
start from the run dir's MSP folders by the code of ``carbontrust audit roots --from-run-dir``)
so ``POST /v1/reports`` works out of the box; an env file from before gets the line added,
one naming them is kept.

The organisation's notary log lives in its service's store (:meth:`service_store_url`): when
a follower's spec is made (each start), the store is brought to the head revision first
(migration 0003 makes the log's tables; the follower never creates tables there), and the
follower writes there. ``audit_store`` is then unset: its default is the service's own store.
A line ``CARBONTRUST_SERVICE_AUDIT_STORE=<run dir>/notary/<org>/audit.db`` that an earlier
``make up`` wrote is dropped (that file is no longer written); any other is an operator's
choice, kept.
The regulator's settings name its ``msp_roots`` the same way (its ``POST /v1/audit/checks``
checks exports against them).
They start after the notary followers (the end of ``up``, fresh or restarted), are
supervised like every node (ready when ``/healthz`` answers), and stop first on ``down``.

They run when ``CARBONTRUST_SERVICES=1`` (``make up`` sets it), or when it is unset and the
run directory was brought up with them (so ``status``, ``down`` and a restarting ``up`` know
them); ``0`` leaves them out. Off by default, so the integration tests' networks (each
``up`` of its own) do not start four more processes on machines they share;
``tests/integration/test_services.py`` runs its own.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._layout import Layout, PeerOrg
from ._process import ProcSpec

_REPO_ROOT = Path(__file__).resolve().parent.parent


class ServiceNodes:
    layout: Layout
    run_dir: Path
    log: Callable[..., object]
    sup: Any

    @property
    def services_enabled(self) -> bool:
        flag = os.environ.get("CARBONTRUST_SERVICES")
        if flag in ("0", "1"):
            return flag == "1"
        # unset: a run directory brought up with its services keeps them (status, restart)
        return any((self.run_dir / "services").glob("*.env"))

    def service_names(self) -> list[str]:
        if not self.services_enabled:
            return []
        return [f"service.{g.key}" for g in self.layout.orgs if g.service_port]

    def _service_settings(self, org: PeerOrg) -> Path:
        """The service's env file, made once per run directory (secrets stay in 0600 files)."""
        root = self.run_dir / "services"
        env_file = root / f"{org.key}.env"
        if not env_file.is_file():
            self._write_settings(org, env_file)
        if org.key in ("bank", "regulator"):   # the regulator's audit check trusts roots too
            self._bank_settings(org, env_file)
        return env_file

    def _write_settings(self, org: PeerOrg, env_file: Path) -> None:
        from gateway.service._passwords import hash_password
        from gateway.service._settings import USER_ROLES

        root = env_file.parent
        root.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(18)
        users = {"admin": {"password_hash": hash_password(password),
                           "roles": list(USER_ROLES[org.key])}}
        lines = [f"CARBONTRUST_SERVICE_PROFILE={self.run_dir / 'connection.json'}",
                 f"CARBONTRUST_SERVICE_DATA_DIR={root / org.key}",
                 f"CARBONTRUST_SERVICE_TOKEN_KEY={secrets.token_hex(32)}",
                 f"CARBONTRUST_SERVICE_USERS='{json.dumps(users)}'"]
        for path, text in ((root / f"{org.key}.password", password + "\n"),
                           (env_file, "\n".join(lines) + "\n")):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(text)

    def service_store_url(self, org: PeerOrg) -> str | None:
        """Where ``org``'s notary follower keeps its log: its service's store (the settings'
        database URL), migrated to the head revision now, or None when ``org`` runs no
        service (the follower keeps its own ``audit.db``)."""
        if f"service.{org.key}" not in self.service_names():
            return None
        from alembic.util import CommandError
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import SQLAlchemyError

        from gateway.service._settings import load_settings
        from gateway.service.store import Store

        from ._errors import NetworkError

        url = load_settings(self._service_settings(org), role=org.key).db_url()
        try:
            Store(url).close()  # Alembic: up to head, a no-op when it is there
        except (SQLAlchemyError, CommandError) as exc:  # unreachable, or a revision unknown
            shown = make_url(url).render_as_string(hide_password=True)
            raise NetworkError(f"service.{org.key}: cannot bring its store {shown} to the "
                               f"head revision for notary.{org.key}: {exc}") from None
        return url

    def _bank_settings(self, org: PeerOrg, env_file: Path) -> None:
        """The bank's and regulator's ``msp_roots``: added to ``env_file`` when it does not
        name them, and the roots directory written (the channel's root CAs from the run
        dir's MSP folders: ``carbontrust audit roots --from-run-dir``'s code). The audit store
        line an earlier ``make up`` wrote is dropped (see the module's docstring)."""
        from gateway.cli._audit_roots import roots_from_profile, write_roots
        from gateway.cli._exit import CliFailure
        from gateway.service._settings import load_settings

        from ._errors import NetworkError

        old_store = f"CARBONTRUST_SERVICE_AUDIT_STORE={self.run_dir / 'notary' / org.key}/audit.db"
        lines = env_file.read_text(encoding="utf-8").splitlines()
        if old_store in lines:
            env_file.write_text("\n".join(ln for ln in lines if ln != old_store) + "\n",
                                encoding="utf-8")  # rewritten in place: still 0600
            self.log(f"service.{org.key}: its notary log is in its store now; dropped "
                     f"{old_store} from {env_file}")
        settings = load_settings(env_file, role=org.key)
        extra = []
        if settings.msp_roots is None:
            extra.append(f"CARBONTRUST_SERVICE_MSP_ROOTS={settings.data_path() / 'msp-roots'}")
        if extra:
            with env_file.open("a", encoding="utf-8") as fh:
                fh.write("\n".join(extra) + "\n")
            settings = load_settings(env_file, role=org.key)
        profile = self.run_dir / "connection.json"
        try:
            write_roots(roots_from_profile(profile), settings.msp_roots_path())
        except (OSError, CliFailure, KeyError, ValueError) as exc:
            raise NetworkError(f"service.{org.key}: cannot write its MSP roots "
                               f"{settings.msp_roots_path()} from {profile}: {exc}") from None

    def _service_spec(self, org: PeerOrg) -> ProcSpec:
        argv = [sys.executable, "-m", "gateway.service", "run", org.key,
                "--env-file", str(self._service_settings(org)),
                "--host", org.service_host, "--port", str(org.service_port)]
        return ProcSpec(f"service.{org.key}", argv, {"PYTHONPATH": str(_REPO_ROOT)},
                        cwd=str(_REPO_ROOT),
                        ready={"http": f"http://{org.service_host}:{org.service_port}/healthz"})

    def _start_services(self) -> None:
        started = []
        for g in self.layout.orgs:
            name = f"service.{g.key}"
            if name in self.service_names() and self.sup.pid(name) is None:
                self.sup.start(self._service_spec(g))
                started.append(f"{g.key} http://{g.service_host}:{g.service_port}")
        for g in self.layout.orgs:  # up returns once they answer
            if f"service.{g.key}" in self.service_names():
                self._wait_service(g)
        if started:
            self.log(f"started {len(started)} services: {', '.join(started)} (users and "
                     f"passwords: {self.run_dir / 'services'})")

    def _wait_service(self, org: PeerOrg) -> None:
        from ._errors import NetworkError
        from ._process import healthz
        from ._readiness import READY_TIMEOUT

        deadline = time.monotonic() + READY_TIMEOUT
        while (problem := healthz(org.service_host, org.service_port)) is not None:
            if time.monotonic() > deadline:
                raise NetworkError(f"service.{org.key} did not answer /healthz on "
                                   f"{org.service_host}:{org.service_port} within "
                                   f"{READY_TIMEOUT:.0f} s ({problem}); see python -m "
                                   f"network logs service.{org.key}")
            time.sleep(0.2)
