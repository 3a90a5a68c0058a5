"""Readiness of the network's nodes: each wait bounded, naming the node and its log tail."""

from __future__ import annotations

import functools
import os
import socket
from pathlib import Path

from ._errors import NetworkError
from ._layout import Layout, PeerOrg
from ._process import Supervisor, healthz, metric, wait_until
from ._raft import raft_view

READY_TIMEOUT = float(os.environ.get("CARBONTRUST_READY_TIMEOUT", "90"))


class Readiness:
    """The waits of Network (a mixin: needs `layout` and `sup`)."""

    layout: Layout
    sup: Supervisor
    run_dir: Path

    def _wait_health(self, names: list[str]) -> None:
        for name in names:
            host, port = self._ops(name)
            wait_until(self.sup, name, functools.partial(healthz, host, port), READY_TIMEOUT,
                       "/healthz OK")

    def _ops(self, name: str) -> tuple[str, int]:
        for o in self.layout.orderers:
            if o.name == name:
                return o.host, o.ops_port
        for g in self.layout.orgs:
            if name == f"peer0.{g.key}":
                return g.peer.host, g.peer.ops_port
        raise NetworkError(f"{name} has no operations endpoint")

    def _wait_leader(self, blame: str | None = None) -> None:
        """Wait until every running orderer follows the same Raft leader and it takes requests.

        The is_leader metric alone is not enough: after an orderer restarts, the old leader can
        still report itself leader while a follower has dropped it ("no Raft leader" on
        Broadcast). No metric tells which leader a follower follows, so the orderers' own log
        lines since their last start are read: "Raft leader changed: A -> B channel=..." and,
        on the leader, "Start accepting requests as Raft leader".
        """
        def check() -> str | None:
            leaders, views = [], {}
            for o in self.layout.orderers:
                if self.sup.pid(o.name) is None:
                    continue
                for labels, v in metric(o.host, o.ops_port, "consensus_etcdraft_is_leader"):
                    if f'channel="{self.layout.channel}"' in labels and v == 1:
                        leaders.append(o.name)
                views[o.name] = raft_view(self.sup.log_path(o.name), self.layout.channel)
            if len(leaders) != 1:
                return f"leaders seen: {leaders or 'none'}"
            followed = {v[0] for v in views.values()}
            if len(followed) != 1 or 0 in followed:
                return f"orderers follow different leaders: {views}"
            if not views[leaders[0]][1]:
                return f"{leaders[0]} is leader but not yet accepting requests"
            return None
        if blame is None:  # bring-up: the first running orderer answers for the cluster
            running = [o.name for o in self.layout.orderers if self.sup.pid(o.name)]
            blame = running[0] if running else self.layout.orderers[0].name
        wait_until(self.sup, blame, check, READY_TIMEOUT, "a Raft leader")

    def _wait_gossip(self) -> None:
        """Wait until every running peer sees the other running peers on the channel."""
        running = [g for g in self.layout.orgs if self.sup.pid(f"peer0.{g.key}")]
        for g in running:
            def check(g: PeerOrg = g) -> str | None:
                vals = [v for labels, v in metric(g.peer.host, g.peer.ops_port,
                                                  "gossip_membership_total_peers_known")
                        if f'channel="{self.layout.channel}"' in labels]
                want = len(running) - 1
                return None if vals and vals[0] >= want else f"knows {vals} peers, want {want}"
            wait_until(self.sup, f"peer0.{g.key}", check, READY_TIMEOUT, "gossip membership")

    def _wait_cc_servers(self, orgs: list[PeerOrg] | None = None) -> None:
        for g in self.layout.orgs if orgs is None else orgs:
            name = f"ccserver.{g.key}"

            def check(g: PeerOrg = g) -> str | None:
                try:
                    with socket.create_connection((g.cc_host, g.cc_port), timeout=1):
                        return None
                except OSError as exc:
                    return str(exc)
            wait_until(self.sup, name, check, READY_TIMEOUT, "listening")

    def _wait_cas(self, orgs: list[PeerOrg] | None = None) -> None:
        """Wait until each organisation's Fabric CA answers /cainfo over TLS."""
        from ._ca import cainfo
        for g in self.layout.orgs if orgs is None else orgs:
            if g.ca_port:
                wait_until(self.sup, f"ca.{g.key}",
                           functools.partial(cainfo, self.run_dir / "crypto", g),
                           READY_TIMEOUT, "/cainfo")

    def wait_ready(self, name: str) -> None:
        """Wait until a (re)started node serves: listening, healthy, in gossip or Raft."""
        if name.startswith("ca."):
            self._wait_cas([g for g in self.layout.orgs if name == f"ca.{g.key}"])
            return
        if name.startswith("ccserver."):
            self._wait_cc_servers([g for g in self.layout.orgs if name == f"ccserver.{g.key}"])
            return
        if name.startswith("notary."):  # a follower has nothing to serve: running is ready
            return
        if name.startswith("service."):  # the supervisor's start judged its /healthz
            return
        self._wait_health([name])
        if name.startswith("peer0."):
            self._wait_gossip()
        else:
            self._wait_leader(blame=name)
