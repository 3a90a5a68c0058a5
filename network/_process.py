"""Native processes of the network: started and restarted by a supervisor, stopped for sure.

A long-lived supervisor process (``python -m network supervise RUN_DIR``, see _supervise.py)
is the parent of every node: it owns each node's output pipe (rotated logs in
``<run>/logs``), restarts a crashed node with backoff and records restarts in
``<run>/supervisor-state.json``.  This module is the other side, used by short-lived
commands (``up``, ``down``, ``stop-node``): what to run is written to
``<run>/specs/<name>.json`` with ``want`` = running or stopped, and the supervisor acts on it.
Each running node's pid and kernel start time go to ``<run>/pids/<name>.json``, so a later
command stops exactly that process and never an unrelated one that reused the pid.
Every child (and the supervisor) carries ``_CARBONTRUST_SUPERVISED=<run dir>`` in its
environment (a private tag nobody sets by hand, unlike the user-facing
``CARBONTRUST_RUN_DIR``): ``down`` sweeps /proc for stray processes of this run directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import _logs


class ProcessError(RuntimeError):
    """A node process could not be started or stopped as asked."""


class AlreadyRunningError(ProcessError):
    """start() of a node whose recorded process is still alive."""


class NodeStartError(RuntimeError):
    """A node did not become ready in time; carries the node name and the log tail."""

    def __init__(self, name: str, reason: str, log_tail: str) -> None:
        super().__init__(f"{name} did not come up: {reason}\n--- last lines of its log ---\n"
                         f"{log_tail}")
        self.name = name
        self.reason = reason
        self.log_tail = log_tail


@dataclass(frozen=True)
class ProcSpec:
    """What to run.  ``ready``: {"http": url} or {"tcp": [host, port]} (the supervisor
    checks it after each start to judge the start, see _supervise.py); ``restart``: backoff
    policy overrides; ``meta``: copied into the pid record (e.g. a code digest)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: str | None = None
    ready: dict | None = None
    restart: dict | None = None
    meta: dict = field(default_factory=dict)


#: first line the supervisor writes to a node's log at each start
START_MARKER = "=== start"
#: environment tag of every process we start; sweep() matches on it
SWEEP_TAG = "_CARBONTRUST_SUPERVISED"
_PKG_PARENT = str(Path(__file__).resolve().parent.parent)


def _stat(pid: int) -> tuple[str, str] | None:
    """(state, kernel start time) of a process from one read of /proc/<pid>/stat."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # fields counted after the parenthesised command name: 3 = state, 22 = starttime
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0], fields[19]


def _start_time(pid: int) -> str | None:
    st = _stat(pid)
    return st[1] if st else None


def _write_json(path: Path, obj: dict) -> None:
    """Atomic replace: the supervisor and commands read these files while they change."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj))
    tmp.replace(path)


def _read_json(path: Path) -> dict | None:
    try:
        obj = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return obj if isinstance(obj, dict) else None


def live_pid(rec: dict | None) -> int | None:
    """The pid of a record {"pid", "start"} if that very process is alive (not a zombie)."""
    if not rec:
        return None
    pid = int(rec["pid"])
    st = _stat(pid)
    if st is None or st[1] != rec.get("start") or st[0] == "Z":
        return None
    return pid


class Supervisor:
    """The run directory's processes as seen from a command (client of the supervisor)."""

    START_TIMEOUT = 15.0

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.logs = run_dir / "logs"
        self.pids = run_dir / "pids"
        self.specs = run_dir / "specs"
        self.daemon_record = run_dir / "supervisor.json"
        self.state_path = run_dir / "supervisor-state.json"

    def log_path(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def tail(self, name: str, lines: int = 30) -> str:
        """The last lines of a node's log (across rotation; reads at most 64 KiB a file)."""
        return _logs.tail(self.log_path(name), lines)

    # -- the supervisor process ---------------------------------------------------
    def daemon_pid(self) -> int | None:
        return live_pid(_read_json(self.daemon_record))

    def ensure_daemon(self) -> int:
        """Start the supervisor if it is not running; return its pid."""
        pid = self.daemon_pid()
        if pid:
            return pid
        self.logs.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, SWEEP_TAG: str(self.run_dir),
               "PYTHONPATH": os.pathsep.join(
                   p for p in (_PKG_PARENT, os.environ.get("PYTHONPATH")) if p)}
        with open(self.logs / "supervisor.out", "ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "network", "supervise", str(self.run_dir)], env=env,
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + self.START_TIMEOUT
        while time.monotonic() < deadline:
            pid = self.daemon_pid()
            if pid:
                return pid
            if proc.poll() is not None and not self.daemon_pid():
                raise ProcessError(f"the supervisor exited with {proc.returncode}; see "
                                   f"{self.logs / 'supervisor.out'}")
            time.sleep(0.05)
        raise ProcessError(f"the supervisor (pid {proc.pid}) did not start within "
                           f"{self.START_TIMEOUT:.0f} s")

    def shutdown(self, timeout: float = 120.0) -> bool:
        """Stop the supervisor, which stops its nodes in reverse start order first.

        True if it was running.  After timeout it is killed (the caller then stops what is
        left by pid record, as for a supervisor that is gone).
        """
        pid = self.daemon_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while self.daemon_pid() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.daemon_pid():
            os.kill(pid, signal.SIGKILL)
        _reap(pid)
        self.daemon_record.unlink(missing_ok=True)
        return True

    def state(self) -> dict:
        """Per node: restarts, last_exit, state, backoff ... as the supervisor last wrote them."""
        return (_read_json(self.state_path) or {}).get("nodes", {})

    # -- nodes -----------------------------------------------------------------------
    def _want(self, name: str, want: str) -> None:
        rec = _read_json(self.specs / f"{name}.json")
        if rec is not None and rec.get("want") != want:
            _write_json(self.specs / f"{name}.json", {**rec, "want": want})

    def start(self, spec: ProcSpec) -> int:
        """Have the supervisor start (and from now on restart) a node; return its pid."""
        running = self.pid(spec.name)
        if running:
            raise AlreadyRunningError(f"{spec.name} is already running (pid {running})")
        gen = time.time_ns()
        _write_json(self.specs / f"{spec.name}.json",
                    {**asdict(spec), "want": "running", "gen": gen})
        self.ensure_daemon()
        deadline = time.monotonic() + self.START_TIMEOUT
        while time.monotonic() < deadline:
            rec = _read_json(self.pids / f"{spec.name}.json")
            if rec and rec.get("gen") == gen:
                return int(rec["pid"])
            time.sleep(0.02)
        raise ProcessError(f"the supervisor did not start {spec.name} within "
                           f"{self.START_TIMEOUT:.0f} s; see {self.logs / 'supervisor.log'}")

    def pid(self, name: str) -> int | None:
        """The live pid of a node we started, or None."""
        return live_pid(_read_json(self.pids / f"{name}.json"))

    def record(self, name: str) -> dict:
        """The pid record of a node's last start (pid, start, argv, meta), or {}."""
        return _read_json(self.pids / f"{name}.json") or {}

    def names(self) -> list[str]:
        found = {p.stem for d in (self.pids, self.specs) if d.is_dir() for p in d.glob("*.json")}
        return sorted(found)

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15.0) -> bool:
        """Stop a node for good (not restarted); SIGKILL after timeout. True if it was running."""
        self._want(name, "stopped")  # first: the supervisor must not restart what we stop
        pid = self.pid(name)
        if pid is None:
            return False
        _signal_group(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.pid(name):
            time.sleep(0.05)
        if self.pid(name):
            _signal_group(pid, signal.SIGKILL)
            deadline = time.monotonic() + timeout
            while self.pid(name):
                if time.monotonic() > deadline:  # e.g. stuck in uninterruptible sleep
                    raise ProcessError(f"{name} (pid {pid}) survived SIGKILL for {timeout:.0f} s")
                time.sleep(0.05)
        _reap(pid)
        return True

    def sweep(self) -> list[int]:
        """Kill every process we started for this run directory (by its environment tag).

        The supervisor goes first (by its record), so it cannot restart what is being swept;
        the scan repeats while it finds something, for a supervisor that had no record.
        """
        killed = []
        daemon = self.daemon_pid()
        if daemon:
            os.kill(daemon, signal.SIGKILL)
            _reap(daemon)
            killed.append(daemon)
        for _ in range(3):
            found = self._sweep_once()
            killed += found
            if not found:
                break
        return killed

    def _sweep_once(self) -> list[int]:
        marker = f"{SWEEP_TAG}={self.run_dir}".encode()
        killed = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                    continue  # already dead, its parent has not collected it yet
            except OSError:
                continue
            if marker in environ:
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                    killed.append(int(entry.name))
                except OSError:
                    pass
                _reap(int(entry.name))
        return killed


def _reap(pid: int, timeout: float = 5.0) -> None:
    """Collect the exit status when the node is our own child (no zombie left behind).

    A multi-threaded process shows as a zombie before all of its threads have exited, and
    the kernel only lets its parent reap it after that, so one WNOHANG try can come too
    early: retry for a bounded time.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not our child (the supervisor's): wait until it is collected
            if not Path(f"/proc/{pid}").exists() or time.monotonic() > deadline:
                return
            time.sleep(0.02)
            continue
        if done or time.monotonic() > deadline:
            return
        time.sleep(0.02)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except OSError:
        with contextlib.suppress(OSError):
            os.kill(pid, sig)


def http_get(url: str, timeout: float = 2.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (loopback)
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as exc:
        return 0, str(exc)


def wait_until(
    sup: Supervisor, name: str, check: Callable[[], str | None], timeout: float, what: str,
) -> None:
    """Poll check() (None = ready, else the reason) until ready, the process dies, or timeout."""
    deadline = time.monotonic() + timeout
    reason = "not checked"
    while time.monotonic() < deadline:
        if sup.pid(name) is None and (sup.pids / f"{name}.json").exists():
            raise NodeStartError(name, "the process exited", sup.tail(name))
        reason_now = check()
        if reason_now is None:
            return
        reason = reason_now
        time.sleep(0.25)
    raise NodeStartError(name, f"{what} not reached within {timeout:.0f} s ({reason})",
                         sup.tail(name))


def healthz(host: str, port: int) -> str | None:
    status, body = http_get(f"http://{host}:{port}/healthz")
    return None if status == 200 else f"/healthz answered {status or 'nothing'}: {body[:200]}"


def metric(host: str, port: int, name: str) -> list[tuple[str, float]]:
    """Samples of one Prometheus metric from a node's operations endpoint: (labels, value)."""
    status, body = http_get(f"http://{host}:{port}/metrics")
    if status != 200:
        return []
    out = []
    for line in body.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            head, _, value = line.rpartition(" ")
            labels = head[len(name):]
            try:
                out.append((labels, float(value)))
            except ValueError:
                continue
    return out
