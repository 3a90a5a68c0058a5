"""The supervisor: a long-lived process that starts, watches and restarts the network's nodes.

``python -m network supervise RUN_DIR`` (started by the first ``Supervisor.start``, i.e. by
``up``; one per run directory, held by a lock file).  It reads ``<run>/specs/*.json``
(written by commands, see _process.py) every 0.2 s and, per spec that wants to run:

- starts it in its own session, its output going through a named pipe that the
  supervisor reads into a rotating log (see _logs.py) where each start begins with a
  START_MARKER line;
- checks the spec's readiness (``{"http": url}`` answering 200, e.g. /healthz, or
  ``{"tcp": [host, port]}`` accepting) and logs how long the start took;
- when it exits while still wanted: logs the exit status, waits a backoff (doubling from
  ``initial`` to ``max``, back to ``initial`` once a start has been ready for ``stable``
  seconds) and starts it again; after ``max_failures`` failed starts in a row it gives up
  (state ``fatal``) until a command starts it anew;
- when a command sets ``want`` to stopped: SIGTERM, then SIGKILL after ``grace`` seconds,
  and no restart.

Restart counts, last exit status, backoff and state go to ``<run>/supervisor-state.json``.
On SIGTERM it stops every node, the last started first (SIGTERM, then SIGKILL after the
grace period), marks them stopped and exits, as supervisord does.  If it is killed instead,
the nodes keep running: each holds the read end of its own output pipe too, so its writes
never fail with EPIPE (a Go program dies of SIGPIPE when it logs to a pipe nobody holds);
they fill the 1 MiB pipe buffer.  The next supervisor (``up``, ``start-node``) adopts a node
found alive: opens its pipe again by path (so nothing written meanwhile is lost), watches
it by pid and restarts it when it dies.

Why our own and not Supervisor 4.3: see docs/network.md ("Supervision").
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import logging.handlers
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from ._logs import RotatingLog, rotation_settings
from ._process import (
    START_MARKER,
    SWEEP_TAG,
    _read_json,
    _signal_group,
    _start_time,
    _write_json,
    live_pid,
)

DEFAULT_POLICY = {"initial": 0.5, "max": 30.0, "stable": 10.0, "max_failures": 8,
                  "grace": 15.0}
POLL = 0.2
#: a node's output pipe buffer: what a node can write while no supervisor reads
PIPE_BYTES = 1 << 20
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
#: with no node wanted for this long the supervisor exits (the next start starts it again)
IDLE_EXIT = 5.0
log = logging.getLogger("network.supervise")


def _ready_now(ready: dict) -> bool:
    if "http" in ready:
        try:
            with urllib.request.urlopen(ready["http"], timeout=1) as resp:  # noqa: S310
                return bool(resp.status == 200)
        except OSError:
            return False
    host, port = ready["tcp"]
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


class Daemon:
    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.specs, self.pids, self.logs = run_dir / "specs", run_dir / "pids", run_dir / "logs"
        self.pipes = run_dir / "pipes"
        self.state: dict[str, dict] = (_read_json(run_dir / "supervisor-state.json")
                                       or {}).get("nodes", {})
        self.tasks: dict[str, asyncio.Task] = {}
        self._specs: dict[str, tuple[tuple[int, int, int], dict | None]] = {}
        self.max_bytes, self.keep = rotation_settings()
        self.stopping = asyncio.Event()

    # -- state -------------------------------------------------------------------
    def _spec(self, name: str) -> dict | None:
        """A node's spec, parsed again only when the file changed (it is polled often)."""
        path = self.specs / f"{name}.json"
        try:
            st = path.stat()
        except OSError:
            return None
        key = (st.st_mtime_ns, st.st_size, st.st_ino)
        cached = self._specs.get(name)
        if cached and cached[0] == key:
            return cached[1]
        spec = _read_json(path)
        self._specs[name] = (key, spec)
        return spec

    def _set(self, name: str, **fields: object) -> None:
        self.state.setdefault(name, {"restarts": 0}).update(fields)
        _write_json(self.run_dir / "supervisor-state.json",
                    {"pid": os.getpid(), "updated": time.time(), "nodes": self.state})

    # -- main loop ---------------------------------------------------------------------
    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.stopping.set)
        loop.add_signal_handler(signal.SIGINT, self.stopping.set)
        log.info("supervising %s (pid %d)", self.run_dir, os.getpid())
        idle_since = time.monotonic()
        while not self.stopping.is_set():
            if not self.run_dir.is_dir():
                log.info("run directory removed; exiting")
                break
            if any(not t.done() for t in self.tasks.values()):
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > IDLE_EXIT:
                log.info("nothing to supervise for %.0f s; exiting", IDLE_EXIT)
                break
            for path in sorted(self.specs.glob("*.json")) if self.specs.is_dir() else []:
                name = path.stem
                spec = self._spec(name)
                task = self.tasks.get(name)
                new_gen = spec and spec.get("gen") != self.state.get(name, {}).get("gen")
                if (spec and spec.get("want") == "running"
                        and (task is None or (task.done() and new_gen))):
                    self.tasks[name] = asyncio.create_task(self._keep(name))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), POLL)
        if self.stopping.is_set():
            await self._stop_all()
        for task in self.tasks.values():
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        log.info("supervisor exits")

    async def _stop_all(self) -> None:
        """Stop every node, the last started first (peers before the orderers they need).

        The supervisor owns the nodes' output pipes, and a Go program dies of SIGPIPE when
        it logs to a pipe nobody reads, so the nodes cannot outlive their supervisor
        cleanly: stopping the supervisor stops them, in order, with SIGTERM first.
        """
        specs = {p.stem: _read_json(p) or {} for p in self.specs.glob("*.json")}
        order = sorted(specs, key=lambda n: specs[n].get("gen") or 0, reverse=True)
        for name in order:
            if specs[name].get("want") == "running":
                _write_json(self.specs / f"{name}.json", {**specs[name], "want": "stopped"})
            task = self.tasks.get(name)
            if task is not None and not task.done():
                grace = {**DEFAULT_POLICY, **(specs[name].get("restart") or {})}["grace"]
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(task), grace + 5)
                log.info("%s stopped (supervisor stopping)", name)

    async def _keep(self, name: str) -> None:
        """Keep one node running while its spec wants it (one task per node)."""
        spec = self._spec(name) or {}
        policy = {**DEFAULT_POLICY, **(spec.get("restart") or {})}
        backoff, failures = policy["initial"], 0
        gen = spec.get("gen")
        if gen != self.state.get(name, {}).get("gen"):  # started by a command: counts anew
            self.state[name] = {"restarts": 0}
        self._set(name, gen=gen, state="starting")
        first = True
        while True:
            spec = self._spec(name) or {}
            if spec.get("want") != "running":
                self._set(name, state="stopped")
                return
            if spec.get("gen") != gen:  # started anew by a command: a fresh policy and count
                gen, backoff, failures, first = spec.get("gen"), policy["initial"], 0, True
                self.state[name] = {"restarts": 0}
                self._set(name, gen=gen)
            if not first:
                self.state[name]["restarts"] += 1
                log.warning("%s: restart #%d", name, self.state[name]["restarts"])
            first = False
            t0 = time.monotonic()
            adopted = live_pid(_read_json(self.pids / f"{name}.json"))
            if adopted:
                log.info("%s: adopting running pid %d", name, adopted)
                code, ready_for = await self._watch_adopted(name, adopted, policy)
            else:
                code, ready_for = await self._run_once(name, spec, policy)
            spec = self._spec(name) or {}
            if spec.get("want") != "running":
                log.info("%s: stopped as asked (exit %s)", name, code)
                self._set(name, state="stopped", last_exit=code, last_exit_at=time.time())
                return
            if ready_for is not None and ready_for >= policy["stable"]:
                backoff, failures = policy["initial"], 0
            else:
                failures += 1
            if failures >= policy["max_failures"]:
                log.error("%s: exit %s; %d failed starts in a row, giving up", name, code,
                          failures)
                self._set(name, state="fatal", last_exit=code, last_exit_at=time.time())
                return
            log.warning("%s exited (%s) after %.1f s; restart in %.1f s", name, code,
                        time.monotonic() - t0, backoff)
            self._set(name, state="backoff", last_exit=code, last_exit_at=time.time(),
                      backoff=backoff)
            deadline = time.monotonic() + backoff
            while time.monotonic() < deadline:  # a new start or a stop cuts the wait short
                now = self._spec(name) or {}
                if now.get("gen") != gen or now.get("want") != "running":
                    break
                await asyncio.sleep(POLL)
            backoff = min(backoff * 2, policy["max"])

    def _pump(self, fd: int, out: RotatingLog) -> asyncio.Event:
        """Copy what arrives on a node's output pipe to its log; the event is set at EOF."""
        loop = asyncio.get_running_loop()
        eof = asyncio.Event()

        def readable() -> None:
            try:
                data = os.read(fd, 1 << 16)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if data:
                out.write(data)
            else:
                loop.remove_reader(fd)
                eof.set()
        loop.add_reader(fd, readable)
        return eof

    async def _drain(self, fd: int, out: RotatingLog, eof: asyncio.Event) -> None:
        """After the node exited: the rest of its output (a grandchild may hold the pipe)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(eof.wait(), 5)
        asyncio.get_running_loop().remove_reader(fd)
        os.close(fd)
        out.close()

    def _open_pipe(self, name: str) -> tuple[int, int]:
        """A fresh named pipe for a node's output: (read end, write end).

        Named, so that a supervisor that replaces a killed one can open it again by path
        and go on reading; the node also inherits the read end (and never reads it), so its
        writes never fail with EPIPE while no supervisor reads: they fill the pipe's buffer
        (1 MiB) and wait for the next supervisor, and no line is lost.
        """
        fifo = self.pipes / f"{name}.fifo"
        self.pipes.mkdir(parents=True, exist_ok=True)
        fifo.unlink(missing_ok=True)
        os.mkfifo(fifo, 0o600)
        rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        wfd = os.open(fifo, os.O_WRONLY)
        with contextlib.suppress(OSError):  # the kernel's pipe-max-size may be lower
            fcntl.fcntl(wfd, F_SETPIPE_SZ, PIPE_BYTES)
        return rfd, wfd

    async def _run_once(self, name: str, spec: dict, policy: dict) -> tuple[object, float | None]:
        """Start the node, pump its output to its log until it exits: (exit, ready seconds).

        subprocess.Popen, not asyncio's subprocess transport: the transport kills a child
        that is still running when it is closed or collected, and the nodes must outlive a
        supervisor that is killed.
        """
        out = RotatingLog(self.logs / f"{name}.log", self.max_bytes, self.keep)
        out.write(f"{START_MARKER} {time.strftime('%Y-%m-%dT%H:%M:%S')} ===\n".encode())
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(Path.home()),
               **spec["env"], SWEEP_TAG: str(self.run_dir)}
        rfd, wfd = self._open_pipe(name)
        try:
            proc = subprocess.Popen(
                spec["argv"], env=env, cwd=spec.get("cwd"), stdin=subprocess.DEVNULL,
                stdout=wfd, stderr=wfd, pass_fds=(rfd,), start_new_session=True)
        except OSError as exc:
            out.write(f"cannot start: {exc}\n".encode())
            out.close()
            os.close(rfd)
            return f"cannot start: {exc}", None
        finally:
            os.close(wfd)
        _write_json(self.pids / f"{name}.json", {
            "pid": proc.pid, "start": _start_time(proc.pid), "argv": spec["argv"],
            "gen": spec.get("gen"), "meta": spec.get("meta") or {}})
        self._set(name, state="starting", pid=proc.pid, started_at=time.time(), ready_at=None)
        started = time.monotonic()
        ready_at: list[float] = []
        eof = self._pump(rfd, out)

        async def ready() -> None:
            if not spec.get("ready"):  # nothing to probe (e.g. a notary follower): started
                self._set(name, state="running", ready_at=time.time())
                return
            while not await asyncio.to_thread(_ready_now, spec["ready"]):
                await asyncio.sleep(0.2)
            ready_at.append(time.monotonic())
            log.info("%s (pid %d) ready %.1f s after start", name, proc.pid,
                     ready_at[0] - started)
            self._set(name, state="running", ready_at=time.time())

        checking = asyncio.create_task(ready())
        try:
            await self._until_exit(name, proc.pid, proc.poll, policy)
        finally:
            checking.cancel()
            await self._drain(rfd, out, eof)
        code = proc.returncode
        status = f"signal {-code}" if code is not None and code < 0 else code
        ready_for = time.monotonic() - ready_at[0] if ready_at else (
            None if spec.get("ready") else time.monotonic() - started)
        return status, ready_for

    async def _until_exit(self, name: str, pid: int, poll: Callable[[], object],
                          policy: dict) -> None:
        """Wait until poll() says the node exited (not None / falsy); a command asking to
        stop gets SIGTERM, then SIGKILL after the grace period."""
        term_at = None
        while poll() is None:
            await asyncio.sleep(POLL)
            if (self._spec(name) or {}).get("want") != "running":
                if term_at is None:
                    term_at = time.monotonic()
                    _signal_group(pid, signal.SIGTERM)
                elif time.monotonic() - term_at > policy["grace"]:
                    _signal_group(pid, signal.SIGKILL)

    async def _watch_adopted(self, name: str, pid: int,
                             policy: dict) -> tuple[object, float | None]:
        """A live node a former supervisor started: read its pipe again, watch it by pid."""
        rec = _read_json(self.pids / f"{name}.json")
        self._set(name, state="running", pid=pid)
        t0 = time.monotonic()
        out = RotatingLog(self.logs / f"{name}.log", self.max_bytes, self.keep)
        try:
            rfd = os.open(self.pipes / f"{name}.fifo", os.O_RDONLY | os.O_NONBLOCK)
        except OSError:  # started before named pipes: its output is not ours to read
            rfd = -1
        eof = self._pump(rfd, out) if rfd >= 0 else None
        try:
            await self._until_exit(name, pid, lambda: None if live_pid(rec) else "gone",
                                   policy)
        finally:
            if eof is not None:
                await self._drain(rfd, out, eof)
            else:
                out.close()
        return "unknown (adopted)", time.monotonic() - t0


def main(run_dir: str) -> int:
    rd = Path(run_dir).resolve()
    (rd / "logs").mkdir(parents=True, exist_ok=True)
    lock = open(rd / "supervisor.lock", "w")  # noqa: SIM115 (held for the process's life)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print(f"another supervisor holds {rd / 'supervisor.lock'}", file=sys.stderr)
        return 0
    handler = logging.handlers.RotatingFileHandler(rd / "logs" / "supervisor.log",
                                                   maxBytes=5 << 20, backupCount=2)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    record = rd / "supervisor.json"
    _write_json(record, {"pid": os.getpid(), "start": _start_time(os.getpid())})
    try:
        asyncio.run(Daemon(rd).run())
    finally:
        rec = _read_json(record)
        if rec and rec.get("pid") == os.getpid():
            record.unlink(missing_ok=True)
    return 0
