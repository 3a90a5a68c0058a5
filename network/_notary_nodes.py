"""The Network's notary followers (a mixin): one ``notary.<org>`` per organisation.

Each runs ``python -m gateway.audit follow`` for its organisation against the network's
``connection.json`` (its own peer, its User1 for audit transactions, its Admin to register
the notary key), with its key in ``<run dir>/notary/<org key>``. Its log (the notary tiles and
the audit rows) lives in the organisation's service store when the services run (issue 14:
one store per organisation; the URL is handed over in ``$CARBONTRUST_AUDIT_DATABASE``, kept
off the command line, after the store's migrations ran: see ``ServiceNodes``), and in
``<run dir>/notary/<org key>/audit.db`` otherwise. They start after the
chaincode is committed and the default users are enrolled (the end of ``up``, fresh or
restarted), are supervised like every node, and stop first on ``down``.

``CARBONTRUST_NOTARY_FOLLOWERS=0`` leaves them out (for a test that needs a ledger with no
transaction but its own); ``CARBONTRUST_AUDIT_CADENCE`` is passed on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ._layout import Layout, PeerOrg
from ._process import ProcSpec

_REPO_ROOT = Path(__file__).resolve().parent.parent


class NotaryNodes:
    layout: Layout
    run_dir: Path
    log: Callable[..., object]
    sup: Any
    service_store_url: Callable[[PeerOrg], str | None]  # ServiceNodes

    @property
    def followers_enabled(self) -> bool:
        return os.environ.get("CARBONTRUST_NOTARY_FOLLOWERS", "1") != "0"

    def notary_names(self) -> list[str]:
        return [f"notary.{g.key}" for g in self.layout.orgs] if self.followers_enabled else []

    def notary_store(self, org_key: str) -> Path:
        return self.run_dir / "notary" / org_key

    def _notary_spec(self, org: PeerOrg) -> ProcSpec:
        argv = [sys.executable, "-m", "gateway.audit", "follow",
                "--profile", str(self.run_dir / "connection.json"), "--as", org.mspid,
                "--store", str(self.notary_store(org.key))]
        env = {"PYTHONPATH": str(_REPO_ROOT)}
        database = self.service_store_url(org)  # migrated by now; None without services
        if database is not None:
            env["CARBONTRUST_AUDIT_DATABASE"] = database
        if os.environ.get("CARBONTRUST_AUDIT_CADENCE"):
            env["CARBONTRUST_AUDIT_CADENCE"] = os.environ["CARBONTRUST_AUDIT_CADENCE"]
        return ProcSpec(f"notary.{org.key}", argv, env, cwd=str(_REPO_ROOT))

    def _start_followers(self) -> None:
        started = []
        for g in self.layout.orgs:
            name = f"notary.{g.key}"
            if name in self.notary_names() and self.sup.pid(name) is None:
                self.sup.start(self._notary_spec(g))
                started.append(name)
        if started:
            self.log(f"started {len(started)} notary followers")
