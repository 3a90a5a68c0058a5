"""The Network's Fabric CA nodes (a mixin): one ``ca.<org>`` per organisation with a CA port.

Kept apart from _network.py so that module stays about bringing nodes up and down; the CA
server and client themselves are in _ca.py, enrolment and revocation in _identities.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import _ca
from ._binaries import find_ca_binaries
from ._crypto import issue_ca_server_cert
from ._errors import NetworkError
from ._layout import Layout, PeerOrg
from ._process import ProcSpec

#: users every fresh network enrols through its organisations' CAs: (org, name, attributes)
DEFAULT_USERS = (("power", "Meter1", {"role": "meter-gateway"}),)


class CANodes:
    layout: Layout
    run_dir: Path
    crypto: Path
    log: Callable[..., object]

    def ca_orgs(self) -> list[PeerOrg]:
        return [g for g in self.layout.orgs if g.ca_port]

    def ca(self, org_key: str) -> _ca.OrgCA:
        """The registrar's client of an organisation's Fabric CA (see network._ca)."""
        g = self.layout.org(org_key)
        if not g.ca_port:
            raise NetworkError(f"{g.mspid} has no Fabric CA in the layout (no ca port)")
        return _ca.OrgCA(find_ca_binaries(log=self.log), self.crypto, self.run_dir, g)

    def _ca_spec(self, org: PeerOrg) -> ProcSpec:
        return _ca.server_spec(find_ca_binaries(log=self.log), self.crypto, self.run_dir, org)

    def _init_cas(self, missing_only: bool = False) -> None:
        """Initialise each CA's home (configuration, database, registrar); with missing_only,
        only those a run directory made before the network had CAs lacks (TLS pair too)."""
        for g in self.ca_orgs():
            if missing_only:
                if (_ca.ca_home(self.run_dir, g) / "registrar.json").is_file():
                    continue
                issue_ca_server_cert(g, self.crypto)
            _ca.init_server(find_ca_binaries(log=self.log), self.crypto, self.run_dir, g)

    def _enrol_default_users(self) -> None:
        for org_key, user, attrs in DEFAULT_USERS:
            if self.layout.org(org_key).ca_port:
                _ca.enrol(self.ca(org_key), user, attrs)

    def _ca_health(self, name: str) -> str:
        return _ca.cainfo(self.crypto, self.layout.org(name.removeprefix("ca."))) or "OK"
