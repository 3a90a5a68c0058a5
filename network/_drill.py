"""The recovery drill: kill -9 nodes under a steady submit load, let the supervisor restart them.

Used by the drill test (tests/integration/test_drill.py) and the recovery benchmark
(bench/bench_recovery.py).  A background load submits ``put`` transactions through the
project's Gateway client (blocking API) at a steady rate and records, per transaction,
when it was submitted and finished and how it ended.  For each target the drill kills the
node's process with SIGKILL, waits for the supervisor's new process and for the node to be
ready as ``Network.wait_ready`` judges it (listening / healthz / gossip / Raft leader), then
for a few transactions submitted after that to finish.

After a failed transaction the load's thread dials a new gRPC channel (and channels
reconnect with at most 1 s backoff): a channel left in gRPC's reconnect backoff (up to 120 s by
default) fails calls at once, which would measure the client's patience, not the network.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ._network import Network, NetworkError
from ._process import metric

_RECONNECT = (("grpc.initial_reconnect_backoff_ms", 200), ("grpc.min_reconnect_backoff_ms", 200),
              ("grpc.max_reconnect_backoff_ms", 1000))


@dataclass
class Tx:
    submitted: float
    finished: float
    outcome: str  # "VALID", a validation code name, or the error's class and first line


@dataclass
class Recovery:
    node: str
    killed: float
    restarted: float  # the supervisor's new process exists
    ready: float  # Network.wait_ready returned
    first_valid: float | None = None  # the first tx submitted after the kill that was VALID

    @property
    def kind(self) -> str:
        for prefix, kind in (("ccserver.", "chaincode server"), ("peer", "peer"),
                             ("orderer", "orderer"), ("ca.", "certificate authority")):
            if self.node.startswith(prefix):
                return kind
        return self.node


@dataclass
class DrillReport:
    recoveries: list[Recovery]
    txs: list[Tx]
    restarts: dict[str, int] = field(default_factory=dict)

    def windows(self) -> list[tuple[float, float]]:
        """The healthy windows: from each readiness to the next kill (or the load's end)."""
        ends = [r.killed for r in self.recoveries[1:]] + [float("inf")]
        return [(r.ready, end) for r, end in zip(self.recoveries, ends, strict=True)]

    def after_ready(self) -> list[Tx]:
        """Transactions submitted after a readiness and finished before the next kill."""
        return [t for t in self.txs
                if any(a <= t.submitted and t.finished < b for a, b in self.windows())]

    def outage(self) -> list[Tx]:
        """Transactions submitted or finishing between a kill and the following readiness."""
        healthy = set(map(id, self.after_ready()))
        first = self.recoveries[0].killed if self.recoveries else float("inf")
        return [t for t in self.txs if id(t) not in healthy and t.finished >= first]


class SubmitLoad:
    """Submits `rate` transactions a second through a peer's Gateway until stopped.

    Open loop: a new transaction starts on schedule whatever the earlier ones are doing (up
    to `max_in_flight`), so one stuck in a dead node (a commit-status wait on a transaction
    the killed Raft leader lost) neither stalls the load nor hides when the network serves
    again.  Each thread keeps its own gRPC channel and dials a new one after a failure.
    """

    def __init__(self, net: Network, msp: str = "PowerMSP", prefix: str = "drill",
                 rate: float = 4.0, max_in_flight: int = 12) -> None:
        self.net, self.msp, self.prefix = net, msp, f"{prefix}-{time.time_ns()}"
        self.rate, self.max_in_flight = rate, max_in_flight
        self.txs: list[Tx] = []
        self._stop_event = threading.Event()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._opened: list = []
        self._thread = threading.Thread(target=self.run, daemon=True, name="submit-load")
        self.error: BaseException | None = None

    def start(self) -> None:
        self._thread.start()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # reported by stop()
            self.error = exc

    def _run(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from gateway import profile_identity

        info = self.net.connection_info()
        self._info = info
        self._identity = profile_identity(info, self.msp, "User1")
        in_flight = threading.Semaphore(self.max_in_flight)
        with ThreadPoolExecutor(self.max_in_flight, thread_name_prefix="submit") as pool:
            i, next_at = 0, time.monotonic()
            while not self._stop_event.wait(max(0.0, next_at - time.monotonic())):
                next_at += 1 / self.rate
                if not in_flight.acquire(blocking=False):
                    continue  # all busy: this slot is skipped, not queued
                i += 1
                pool.submit(self._one, str(i)).add_done_callback(
                    lambda _f: in_flight.release())
        self._close_all()

    def _contract(self):
        from gateway import connect, dial

        if getattr(self._local, "contract", None) is None:
            org = self._info["orgs"][self.msp]
            channel = dial(org["peer_endpoint"], options=_RECONNECT,
                           tls_root_certificates=Path(org["tls_ca"]).read_bytes())
            gw = connect(channel, *self._identity)
            with self._lock:
                self._opened.append((gw, channel))
            self._local.gw, self._local.channel = gw, channel
            self._local.contract = gw.get_network(self._info["channel"]).get_contract(
                self._info["chaincode"])
        return self._local.contract

    def _forget(self) -> None:
        """After a failure: this thread's next transaction dials a new channel."""
        from gateway import close_channel

        gw, channel = self._local.gw, self._local.channel
        self._local.contract = None
        with self._lock:
            self._opened.remove((gw, channel))
        gw.close()
        close_channel(channel)

    def _close_all(self) -> None:
        from gateway import close_channel

        for gw, channel in self._opened:
            gw.close()
            close_channel(channel)

    def _one(self, key: str) -> None:
        t0 = time.monotonic()
        try:
            self._contract().submit("put", [f"{self.prefix}-{key}", key], endorse_timeout=10,
                                    submit_timeout=10, commit_status_timeout=15)
            outcome = "VALID"
        except Exception as exc:  # every failure is recorded, none hidden
            outcome = _outcome(exc)
            if getattr(self._local, "contract", None) is not None:
                self._forget()
        with self._lock:
            self.txs.append(Tx(t0, time.monotonic(), outcome))

    def count_after(self, t: float, outcome: str = "VALID") -> int:
        with self._lock:
            return sum(1 for x in self.txs if x.submitted >= t and x.outcome == outcome)

    def first_valid_after(self, t: float) -> float | None:
        with self._lock:
            return next((x.finished for x in self.txs
                         if x.submitted >= t and x.outcome == "VALID"), None)

    def stop(self) -> list[Tx]:
        self._stop_event.set()
        self._thread.join(60)
        if self.error is not None:
            raise NetworkError(f"the submit load failed: {self.error!r}") from self.error
        return list(self.txs)


def _outcome(exc: Exception) -> str:
    """A failure as a countable kind: a validation code, or error class and gRPC status."""
    if getattr(exc, "code_name", None):  # CommitError: committed, but not VALID
        return str(exc.code_name)  # type: ignore[attr-defined]
    code = getattr(exc, "code", None)
    return f"{type(exc).__name__} {getattr(code, 'name', code) or ''}".strip()


def raft_leader(net: Network) -> str:
    """The orderer that reports itself Raft leader of the channel."""
    for o in net.layout.orderers:
        for labels, v in metric(o.host, o.ops_port, "consensus_etcdraft_is_leader"):
            if f'channel="{net.layout.channel}"' in labels and v == 1:
                return o.name
    raise NetworkError("no orderer reports itself Raft leader")


def kill_and_recover(net: Network, load: SubmitLoad, name: str, settle: int = 5,
                     timeout: float = 120.0) -> Recovery:
    """SIGKILL a node; wait for the supervisor's restart, readiness and `settle` VALID txs."""
    pid = net.sup.pid(name)
    if pid is None:
        raise NetworkError(f"{name} is not running; nothing to kill")
    killed = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    deadline = killed + timeout
    while (new := net.sup.pid(name)) in (None, pid):
        if time.monotonic() > deadline:
            raise NetworkError(f"{name} (killed pid {pid}) was not restarted within "
                               f"{timeout:.0f} s; supervisor state {net.sup.state().get(name)}")
        time.sleep(0.02)
    restarted = time.monotonic()
    net.wait_ready(name)
    rec = Recovery(name, killed, restarted, time.monotonic())
    while load.count_after(rec.ready) < settle:
        if time.monotonic() > deadline or not load.is_alive():
            raise NetworkError(f"after {name} restarted (pid {new}), fewer than {settle} VALID "
                               f"transactions within {timeout:.0f} s; last: {load.txs[-3:]}")
        time.sleep(0.05)
    rec.first_valid = load.first_valid_after(killed)
    return rec


def run_drill(net: Network, targets: list[str], settle: int = 5,
              rate: float = 4.0) -> DrillReport:
    """Kill each target in turn under load (a target "leader" means the current Raft leader)."""
    load = SubmitLoad(net, rate=rate)
    load.start()
    recoveries = []
    try:
        t0 = time.monotonic()
        while load.count_after(t0) < settle:  # the load works before anything is killed
            if time.monotonic() - t0 > 60 or not load.is_alive():
                raise NetworkError(f"the load made no progress before the drill: {load.txs[-3:]}")
            time.sleep(0.05)
        for target in targets:
            name = raft_leader(net) if target == "leader" else target
            recoveries.append(kill_and_recover(net, load, name, settle))
    finally:
        txs = load.stop()
    st = net.status()
    return DrillReport(recoveries, txs, {n: s["restarts"] for n, s in st.items()})
