"""The Network: bring a four-organisation Fabric network up and down as native processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml

from . import _crypto, _lifecycle
from ._binaries import Binaries, find_binaries
from ._ca_nodes import CANodes
from ._configs import (
    collections_config,
    configtx,
    orderer_env,
    peer_cli_env,
    peer_env,
    write_json,
    write_node_configs,
)
from ._connection import connection_info
from ._crypto import chaincode_tls_dir
from ._errors import NetworkError
from ._layout import Layout, PeerOrg, load_layout
from ._notary_nodes import NotaryNodes
from ._process import (
    NodeStartError,
    ProcSpec,
    Supervisor,
    healthz,
    metric,
)
from ._readiness import Readiness
from ._run import run
from ._rundir import NotARunDirError, chaincode_digest, check_ours, contract_packages, mark
from ._service_nodes import ServiceNodes

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_run_dir() -> Path:
    return Path(os.environ.get("CARBONTRUST_RUN_DIR") or REPO_ROOT / ".run" / "network").resolve()


class Network(Readiness, CANodes, NotaryNodes, ServiceNodes):
    """A network described by a layout, living in one run directory.

    >>> net = Network()            # layout.toml, run dir .run/network (or the env vars)
    >>> net.up()                   # crypto, channel, chaincode; or restart kept data
    >>> net.connection_info()      # what clients need: endpoints, TLS CAs, identities
    >>> net.down(keep_data=True)
    """

    def __init__(self, run_dir: Path | None = None, layout: Layout | None = None,
                 log=print) -> None:
        self.run_dir = (run_dir or default_run_dir()).resolve()
        self.layout = layout or load_layout()
        self.sup = Supervisor(self.run_dir)
        self.crypto = self.run_dir / "crypto"
        self.log = log
        self._bins: Binaries | None = None
        self._t0 = time.monotonic()
        #: where chaincode servers import the contract's package from (their cwd)
        self.cc_root = REPO_ROOT

    # -- paths and names -------------------------------------------------
    @property
    def bins(self) -> Binaries:
        if self._bins is None:
            self._bins = find_binaries(log=self.log)
        return self._bins

    @property
    def state_path(self) -> Path:
        return self.run_dir / "state.json"

    def state(self) -> dict:
        try:
            return json.loads(self.state_path.read_text())
        except (OSError, ValueError):
            return {}

    def node_names(self) -> list[str]:
        names = [o.name for o in self.layout.orderers]
        names += [f"peer0.{g.key}" for g in self.layout.orgs]
        names += [f"ccserver.{g.key}" for g in self.layout.orgs]
        names += [f"ca.{g.key}" for g in self.ca_orgs()]
        names += self.notary_names()
        names += self.service_names()
        return names

    def _data(self, name: str) -> Path:
        return self.run_dir / "data" / name

    @property
    def cc_sources(self) -> list[Path]:
        """The contract's package and the project packages it imports (see _rundir)."""
        return contract_packages(self.cc_root / self.layout.cc_module.split(".")[0],
                                 dict.fromkeys([self.cc_root, REPO_ROOT]))

    # -- specs -------------------------------------------------------------
    @property
    def config_dir(self) -> Path:
        """Node config files: Fabric's samples with the few keys env vars cannot clear."""
        cfg = self.run_dir / "config"
        if not (cfg / "core.yaml").is_file():
            write_node_configs(self.bins.config_dir, cfg)
        return cfg

    def spec(self, name: str) -> ProcSpec:
        cfg = self.config_dir
        for o in self.layout.orderers:
            if o.name == name:
                env = orderer_env(self.layout, self.crypto, o, self._data(name), cfg)
                return ProcSpec(name, [self.bins.path("orderer")], env,
                                ready={"http": f"http://{o.host}:{o.ops_port}/healthz"})
        for g in self.layout.orgs:
            if name == f"peer0.{g.key}":
                env = peer_env(self.layout, self.crypto, g, self._data(name), cfg)
                return ProcSpec(name, [self.bins.path("peer"), "node", "start"], env,
                                ready={"http": f"http://{g.peer.host}:{g.peer.ops_port}/healthz"})
            if name == f"ccserver.{g.key}":
                return self._cc_spec(g)
            if name == f"ca.{g.key}" and g.ca_port:
                return self._ca_spec(g)
            if name == f"notary.{g.key}" and name in self.notary_names():
                return self._notary_spec(g)
            if name == f"service.{g.key}" and name in self.service_names():
                return self._service_spec(g)
        raise NetworkError(f"no node {name!r}; nodes: {', '.join(self.node_names())}")

    def _cc_spec(self, org: PeerOrg) -> ProcSpec:
        pkg_id = self.state().get("package_ids", {}).get(org.mspid)
        if not pkg_id:
            raise NetworkError(f"no package id recorded for {org.mspid}; run `up` from scratch")
        tls = chaincode_tls_dir(self.crypto, org)
        argv = [sys.executable, "-m", "chaincode", "serve", "--address", org.cc_address,
                "--id", pkg_id, "--module", self.layout.cc_module,
                "--tls-cert", str(tls / "server.crt"), "--tls-key", str(tls / "server.key"),
                "--client-ca", str(tls / "ca.crt")]
        env = {"PYTHONPATH": os.pathsep.join(dict.fromkeys([str(self.cc_root), str(REPO_ROOT)])),
               "CARBONTRUST_CC_LOG": os.environ.get("CARBONTRUST_CC_LOG", "WARNING")}
        for name in ("CARBONTRUST_CC_KEEPALIVE_MIN_PING_MS",   # see docs/chaincode.md
                     "CARBONTRUST_CC_KEEPALIVE_TIME_MS",
                     "CARBONTRUST_CC_MAX_CLOCK_SKEW"):         # see docs/consent.md
            if name in os.environ:
                env[name] = os.environ[name]
        if self.test_contracts:
            env["CARBONTRUST_CC_TEST_CONTRACTS"] = "1"
        return ProcSpec(f"ccserver.{org.key}", argv, env, cwd=str(self.cc_root),
                        ready={"tcp": [org.cc_host, org.cc_port]},
                        meta={"code_digest": self.cc_digest()})

    @property
    def test_contracts(self) -> bool:
        """Chaincode servers serve the probe contract too (test networks only): when the
        command that starts them runs with CARBONTRUST_CC_TEST_CONTRACTS=1."""
        return os.environ.get("CARBONTRUST_CC_TEST_CONTRACTS") == "1"

    def cc_digest(self) -> str:
        """What a chaincode server runs: its sources, module and whether the test contracts
        are served; a server started with another digest is stale (see stale_chaincode)."""
        extra = f"{self.layout.cc_module}\0test_contracts={int(self.test_contracts)}"
        return chaincode_digest(self.cc_sources, extra)

    def _phase(self, what: str) -> None:
        self.log(f"[{time.monotonic() - self._t0:5.1f} s] {what}")

    # -- lifecycle -----------------------------------------------------------
    def up(self) -> float:
        """Bring the network up (fresh, or restart kept data); return seconds taken."""
        t0 = self._t0 = time.monotonic()
        try:
            check_ours(self.run_dir)
        except NotARunDirError as exc:
            raise NetworkError(str(exc)) from None
        try:
            if self.state().get("deployed"):
                self._restart()
            else:
                self._fresh()
        except BaseException:
            self.log("up failed: stopping every process it started")
            self.down(keep_data=True, quiet=True)
            raise
        self.write_connection_info()
        self._start_followers()  # they read connection.json
        self._start_services()  # so do they
        return time.monotonic() - t0

    def _check_ports_free(self) -> None:
        busy = []
        for port in self.layout.all_ports():
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    busy.append(port)
        if busy:
            raise NetworkError(f"ports already in use: {busy} (another network? "
                               f"set CARBONTRUST_PORT_BASE to move this one)")

    def _fresh(self) -> None:
        bins = self.bins
        if any(self.sup.pid(n) for n in self.sup.names()):
            raise NetworkError(f"processes of {self.run_dir} are running; run `down` first")
        self._check_ports_free()
        if self.run_dir.exists():
            shutil.rmtree(self.run_dir)
        mark(self.run_dir)
        self.log(f"generating crypto material in {self.crypto}")
        _crypto.generate(self.layout, bins.path("cryptogen"), self.run_dir)
        cas = self.ca_orgs()
        self._init_cas()
        block = self._genesis()
        self.log(f"starting 3 orderers, 4 peers and {len(cas)} Fabric CAs")
        for o in self.layout.orderers:
            self.sup.start(self.spec(o.name))
        for g in self.layout.orgs:
            self.sup.start(self.spec(f"peer0.{g.key}"))
        for g in cas:
            self.sup.start(self.spec(f"ca.{g.key}"))
        self._wait_health([o.name for o in self.layout.orderers])
        _lifecycle.orderer_join(bins, self.layout, self.crypto, block)
        self._phase("orderers joined the channel")
        self._wait_leader()
        self._phase("Raft leader elected")
        self._wait_health([f"peer0.{g.key}" for g in self.layout.orgs])
        for g in self.layout.orgs:
            _lifecycle.peer_join(bins, self.layout, self.crypto, block, g)
        self._phase("peers joined the channel")
        self._deploy_chaincode()
        self._phase("chaincode committed")
        self._wait_gossip()
        self._phase("peers see each other (gossip)")
        self._wait_cas()
        self._enrol_default_users()
        self._phase("Fabric CAs answer; default users enrolled")
        write_json(self.state_path, {**self.state(), "deployed": True})

    def _genesis(self) -> Path:
        cfg_dir = self.run_dir / "configtx"
        cfg_dir.mkdir(parents=True, exist_ok=True)
        (cfg_dir / "configtx.yaml").write_text(
            yaml.safe_dump(configtx(self.layout, self.crypto), sort_keys=False))
        block = self.run_dir / "genesis.block"
        run([self.bins.path("configtxgen"), "-profile", "CarbonChannel",
                        "-outputBlock", str(block), "-channelID", self.layout.channel],
                       env={"FABRIC_CFG_PATH": str(cfg_dir)}, what="configtxgen")
        return block

    def _deploy_chaincode(self) -> None:
        bins, lay = self.bins, self.layout
        coll = self.run_dir / "collections.json"
        write_json(coll, collections_config(lay))
        ids = {}
        for g in lay.orgs:
            pkg, pkg_id = _lifecycle.package(lay, self.crypto, g, self.run_dir / "packages")
            ids[g.mspid] = pkg_id
            _lifecycle.install(bins, lay, self.crypto, g, pkg)
        write_json(self.state_path, {**self.state(), "package_ids": ids})
        for g in lay.orgs:
            self.sup.start(self._cc_spec(g))
        self._wait_cc_servers()
        self.log("approving the chaincode definition (4 organisations) and committing it")
        _lifecycle.approve_all(bins, lay, self.crypto, ids, coll)
        _lifecycle.commit(bins, lay, self.crypto, coll)
        write_json(self.state_path, {**self.state(), "definition": {
            "digest": _lifecycle.definition_digest(lay), "sequence": lay.cc_sequence}})

    def _upgrade_definition(self) -> None:
        """A definition that changed since this run directory committed it: next sequence."""
        rec = _lifecycle.upgrade_definition(self.bins, self.layout, self.crypto, self.run_dir,
                                            self.state(), log=self.log)
        if rec:
            write_json(self.state_path, {**self.state(), "definition": rec})

    def _restart(self) -> None:
        self.log(f"restarting the network kept in {self.run_dir}")
        self.sup.ensure_daemon()
        self._init_cas(missing_only=True)  # a run directory made before the network had CAs
        for name in self.stale_chaincode():
            self.log(f"{name} runs an older chaincode version: restarting it")
            self.sup.stop(name)
        for name in self.node_names():
            if self.sup.pid(name) is None and not name.startswith(("notary.", "service.")):
                self.sup.start(self.spec(name))
        self._wait_health([o.name for o in self.layout.orderers])
        self._phase("orderers healthy")
        self._wait_leader()
        self._phase("Raft leader elected")
        self._wait_health([f"peer0.{g.key}" for g in self.layout.orgs])
        self._wait_cc_servers()
        self._phase("peers and chaincode servers ready")
        self._wait_gossip()
        self._phase("peers see each other (gossip)")
        self._upgrade_definition()
        self._wait_cas()

    def down(self, keep_data: bool = False, quiet: bool = False) -> list[str]:
        """Stop every process of this run directory; remove its data unless keep_data.

        The supervisor first: it stops its nodes in the reverse of their start order
        (chaincode servers, peers, orderers) and exits, so nothing is restarted; then any
        node it did not stop (no supervisor, or one that timed out) in the same order by its
        pid record; then a sweep for strays.
        """
        try:
            check_ours(self.run_dir)
        except NotARunDirError as exc:
            raise NetworkError(str(exc)) from None
        before = {n for n in self.sup.names() if self.sup.pid(n)}
        self.sup.shutdown()
        known = self.sup.names()
        order = [n for n in reversed(self.node_names()) if n in known]
        order += [n for n in known if n not in order]  # e.g. services added later
        left = [n for n in order if self.sup.stop(n)]
        stopped = [n for n in order if n in before or n in left]
        stray = self.sup.sweep() if self.run_dir.exists() else []
        if not quiet:
            self.log(f"stopped {len(stopped)} processes" + (f", killed {len(stray)} strays"
                                                          if stray else ""))
        (self.run_dir / "connection.json").unlink(missing_ok=True)
        if not keep_data and self.run_dir.exists():
            shutil.rmtree(self.run_dir)
        return stopped

    def _known(self, name: str) -> str:
        if name not in self.node_names():
            raise NetworkError(f"no node {name!r}; nodes: {', '.join(self.node_names())}")
        return name

    def start_node(self, name: str) -> None:
        """Start one stopped node and wait for it (and only what it needs) to be ready."""
        if self.sup.pid(self._known(name)):
            raise NetworkError(f"{name} is already running (pid {self.sup.pid(name)})")
        self.sup.start(self.spec(name))
        self.wait_ready(name)

    def stale_chaincode(self) -> list[str]:
        """Running chaincode servers started from other sources than the current ones."""
        now = self.cc_digest()
        return [n for n in self.node_names() if n.startswith("ccserver.") and self.sup.pid(n)
                and self.sup.record(n).get("meta", {}).get("code_digest") != now]

    def refresh_chaincode(self) -> list[str]:
        """Restart the chaincode servers that run older code; return their names."""
        stale = self.stale_chaincode()
        for name in stale:
            self.log(f"{name} runs an older chaincode version: restarting it")
            self.sup.stop(name)
            self.sup.start(self.spec(name))
        for name in stale:
            self.wait_ready(name)
        return stale

    def stop_node(self, name: str, kill: bool = False) -> bool:
        return self.sup.stop(self._known(name), signal.SIGKILL if kill else signal.SIGTERM)

    # -- reporting -----------------------------------------------------------
    def status(self) -> dict[str, dict]:
        """Per node: pid, health, and the supervisor's restarts, state and last exit."""
        states = self.sup.state()
        out = {}
        for name in self.node_names():
            pid = self.sup.pid(name)
            health = None
            if pid and name.startswith("ca."):
                health = self._ca_health(name)
            elif pid and name.startswith("service."):
                g = self.layout.org(name.split(".", 1)[1])
                health = healthz(g.service_host, g.service_port) or "OK"
            elif pid and not name.startswith(("ccserver.", "notary.")):
                health = healthz(*self._ops(name)) or "OK"
            sup = states.get(name, {})
            out[name] = {"pid": pid, "health": health, "restarts": sup.get("restarts", 0),
                         "state": sup.get("state"), "last_exit": sup.get("last_exit")}
        return out

    def ledger_height(self, org_key: str) -> int:
        g = self.layout.org(org_key)
        vals = [v for labels, v in metric(g.peer.host, g.peer.ops_port, "ledger_blockchain_height")
                if f'channel="{self.layout.channel}"' in labels]
        if not vals:
            raise NetworkError(f"peer0.{g.key} reports no ledger height for {self.layout.channel}")
        return int(vals[0])

    def connection_info(self) -> dict:
        """What clients need: endpoints, TLS roots, identities and CAs per org (_connection)."""
        return connection_info(self.layout, self.crypto, self.run_dir)

    def write_connection_info(self) -> Path:
        path = self.run_dir / "connection.json"
        write_json(path, self.connection_info())
        return path


def peer_cli(net: Network, org_key: str, *args: str) -> subprocess.CompletedProcess:
    """Run a peer CLI command as an organisation's admin (used by demos and benchmarks)."""
    env = {**os.environ, **peer_cli_env(net.layout, net.crypto, net.layout.org(org_key),
                                        net.bins.config_dir)}
    return subprocess.run([net.bins.path("peer"), *args], env=env, capture_output=True,
                          text=True, check=False)


__all__ = ["Network", "NetworkError", "NodeStartError", "default_run_dir", "peer_cli"]
