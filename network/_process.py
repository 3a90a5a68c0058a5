"""Native processes of the network: start detached, stop for sure, poll readiness.

Every process is started in its own session with stdout/stderr appended to
``<run>/logs/<name>.log``; its pid and kernel start time go to
``<run>/pids/<name>.json`` so that a later ``down`` (another Python process)
stops exactly that process and never an unrelated one that reused the pid.
Every child also carries ``_CARBONTRUST_SUPERVISED=<run dir>`` in its environment
(a private tag nobody sets by hand, unlike the user-facing ``CARBONTRUST_RUN_DIR``):
``down`` sweeps /proc for stray children of this run directory (after a crashed ``up``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


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
    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: str | None = None


#: first line the supervisor writes to a node's log at each start
START_MARKER = "=== start"
#: environment tag of every process we start; sweep() matches on it
SWEEP_TAG = "_CARBONTRUST_SUPERVISED"
_TAIL_BYTES = 1 << 16


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


class Supervisor:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.logs = run_dir / "logs"
        self.pids = run_dir / "pids"

    def log_path(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def tail(self, name: str, lines: int = 30) -> str:
        """The last lines of a node's log (reads at most the last 64 KiB)."""
        try:
            with self.log_path(name).open("rb") as f:
                f.seek(max(0, f.seek(0, os.SEEK_END) - _TAIL_BYTES))
                data = f.read().decode(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return "\n".join(data[-lines:])

    def start(self, spec: ProcSpec) -> int:
        running = self.pid(spec.name)
        if running:
            raise AlreadyRunningError(f"{spec.name} is already running (pid {running})")
        self.logs.mkdir(parents=True, exist_ok=True)
        self.pids.mkdir(parents=True, exist_ok=True)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(Path.home()),
               **spec.env, SWEEP_TAG: str(self.run_dir)}
        with open(self.log_path(spec.name), "ab") as log:
            log.write(f"{START_MARKER} {time.strftime('%Y-%m-%dT%H:%M:%S')} ===\n".encode())
            log.flush()
            proc = subprocess.Popen(
                spec.argv, env=env, cwd=spec.cwd, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        (self.pids / f"{spec.name}.json").write_text(json.dumps(
            {"pid": proc.pid, "start": _start_time(proc.pid), "argv": spec.argv}))
        return proc.pid

    def pid(self, name: str) -> int | None:
        """The live pid of a node we started, or None."""
        path = self.pids / f"{name}.json"
        try:
            rec = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        pid = int(rec["pid"])
        st = _stat(pid)
        if st is None or st[1] != rec.get("start") or st[0] == "Z":
            return None
        return pid

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.pids.glob("*.json")) if self.pids.is_dir() else []

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15.0) -> bool:
        """Stop a node; escalate to SIGKILL after timeout. True if it was running."""
        pid = self.pid(name)
        if pid is None:
            (self.pids / f"{name}.json").unlink(missing_ok=True)
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
        (self.pids / f"{name}.json").unlink(missing_ok=True)
        return True

    def sweep(self) -> list[int]:
        """Kill every process we started for this run directory (by its environment tag)."""
        marker = f"{SWEEP_TAG}={self.run_dir}".encode()
        killed = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
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
        except ChildProcessError:
            return  # not our child, or already collected
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
