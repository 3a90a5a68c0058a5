"""Supervisor on real processes (sleep, sh): restarts, stops, sweeps, rotates their logs."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from network._process import START_MARKER, AlreadyRunningError, ProcSpec, Supervisor


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sweep_spares_a_user_process_that_names_the_run_dir(tmp_path: Path) -> None:
    sup = Supervisor(tmp_path)
    ours = sup.start(ProcSpec("sleeper", ["sleep", "60"], {}))
    # a user's shell with the documented CARBONTRUST_RUN_DIR set to the same directory
    user = subprocess.Popen(["sleep", "60"],
                            env={**os.environ, "CARBONTRUST_RUN_DIR": str(tmp_path)})
    try:
        killed = sup.sweep()
        assert ours in killed and user.pid not in killed
        assert _alive(user.pid) and not _alive(ours)
    finally:
        user.kill()
        user.wait()
        sup.stop("sleeper")


def test_start_twice_is_refused_and_stop_reaps(tmp_path: Path) -> None:
    sup = Supervisor(tmp_path)
    pid = sup.start(ProcSpec("sleeper", ["sleep", "60"], {}))
    with pytest.raises(AlreadyRunningError, match=f"sleeper is already running \\(pid {pid}\\)"):
        sup.start(ProcSpec("sleeper", ["sleep", "60"], {}))
    assert sup.stop("sleeper") is True
    assert not Path(f"/proc/{pid}").exists()  # reaped, not left as a zombie
    assert sup.pid("sleeper") is None and sup.stop("sleeper") is False


def test_tail_reads_the_end_of_a_large_log(tmp_path: Path) -> None:
    sup = Supervisor(tmp_path)
    sup.logs.mkdir(parents=True)
    sup.log_path("big").write_text("".join(f"line {i}\n" for i in range(200_000)))
    assert sup.tail("big", 3) == "line 199997\nline 199998\nline 199999"
    assert sup.tail("absent") == "(no log)"



# -- the supervisor process: restart with backoff, deliberate stops, adoption ---------------

def _wait(cond, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"{what} not reached within {timeout} s")


@pytest.fixture
def sup(tmp_path: Path):
    s = Supervisor(tmp_path / "run")
    yield s
    s.shutdown()
    s.sweep()


def test_killed_process_is_restarted_and_counted(sup: Supervisor) -> None:
    first = sup.start(ProcSpec("sleeper", ["sh", "-c", "echo hello; exec sleep 60"], {}))
    os.kill(first, signal.SIGKILL)
    second = _wait(lambda: (p := sup.pid("sleeper")) and p != first and p, what="a restart")
    st = _wait(lambda: sup.state().get("sleeper", {}).get("restarts") == 1 and sup.state())
    assert st["sleeper"]["last_exit"] == "signal 9"
    log = sup.log_path("sleeper").read_text()
    assert log.count(START_MARKER) == 2 and log.count("hello") == 2
    assert "sleeper exited (signal 9)" in (sup.logs / "supervisor.log").read_text()
    assert sup.stop("sleeper") is True
    assert not _alive(second)
    sup.start(ProcSpec("sleeper", ["sleep", "60"], {}))  # a deliberate start counts anew
    # no readiness probe (as a notary follower): running once started
    st = _wait(lambda: sup.state()["sleeper"].get("state") == "running" and sup.state())
    assert st["sleeper"]["restarts"] == 0 and "last_exit" not in st["sleeper"]


def test_deliberate_stop_is_not_restarted(sup: Supervisor) -> None:
    pid = sup.start(ProcSpec("sleeper", ["sleep", "60"], {}))
    assert sup.stop("sleeper", signal.SIGKILL) is True
    time.sleep(1.5)  # several supervisor polls and more than the first backoff
    assert sup.pid("sleeper") is None and not _alive(pid)
    st = sup.state()["sleeper"]
    assert st["restarts"] == 0 and st["state"] == "stopped"
    again = sup.start(ProcSpec("sleeper", ["sleep", "60"], {}))  # start-node works again
    assert again != pid and sup.pid("sleeper") == again


def test_crash_loop_backs_off_and_gives_up(sup: Supervisor) -> None:
    policy = {"initial": 0.1, "max": 0.4, "max_failures": 5}
    sup.start(ProcSpec("crasher", ["sh", "-c", "exit 3"], {}, restart=policy))
    st = _wait(lambda: sup.state().get("crasher", {}).get("state") == "fatal" and sup.state(),
               timeout=15, what="giving up")["crasher"]
    assert st["restarts"] == 4 and st["last_exit"] == 3
    text = (sup.logs / "supervisor.log").read_text()
    waits = [float(m) for m in re.findall(r"crasher exited \(3\) after [\d.]+ s; restart in "
                                          r"([\d.]+) s", text)]
    assert waits == [0.1, 0.2, 0.4, 0.4]
    assert "5 failed starts in a row, giving up" in text


def test_stopping_the_supervisor_stops_its_nodes_last_started_first(sup: Supervisor) -> None:
    first = sup.start(ProcSpec("first", ["sleep", "60"], {}))
    trap = "trap 'echo TERM at $(date +%s%N); exit 0' TERM; while :; do sleep 0.05; done"
    second = sup.start(ProcSpec("second", ["sh", "-c", trap], {}))
    assert sup.shutdown() is True
    assert sup.daemon_pid() is None and not _alive(first) and not _alive(second)
    assert "TERM at" in sup.tail("second")  # a graceful stop, and its last words are logged
    text = (sup.logs / "supervisor.log").read_text()
    assert text.index("second stopped") < text.index("first stopped")
    assert {n: s["state"] for n, s in sup.state().items()} == {"first": "stopped",
                                                               "second": "stopped"}


def test_a_killed_supervisor_is_replaced_and_adopts_live_nodes(sup: Supervisor) -> None:
    """The node outlives a killed supervisor (no SIGPIPE), and no line it wrote is lost."""
    counter = "i=0; while :; do i=$((i+1)); echo \"n $i\"; sleep 0.01; done"
    pid = sup.start(ProcSpec("counter", ["sh", "-c", counter], {}))
    daemon = sup.daemon_pid()
    assert daemon
    time.sleep(0.5)
    os.kill(daemon, signal.SIGKILL)
    _wait(lambda: sup.daemon_pid() is None, what="the supervisor gone")
    time.sleep(1.0)  # the node writes on with nobody reading (sh dies of SIGPIPE on EPIPE)
    assert _alive(pid)
    assert sup.ensure_daemon() != daemon
    _wait(lambda: sup.state()["counter"].get("state") == "running", what="adoption")
    time.sleep(0.5)
    assert sup.pid("counter") == pid  # the same process, adopted, not restarted
    seen = [int(ln.split()[1]) for ln in sup.log_path("counter").read_text().splitlines()
            if ln.startswith("n ")]
    assert len(seen) > 20 and seen == list(range(1, len(seen) + 1))  # no line lost
    os.kill(pid, signal.SIGKILL)
    _wait(lambda: (p := sup.pid("counter")) and p != pid, what="restart of an adopted node")
    assert "adopting running pid" in (sup.logs / "supervisor.log").read_text()


def test_output_is_rotated_by_size_and_tail_reads_across(sup: Supervisor,
                                                         monkeypatch) -> None:
    monkeypatch.setenv("CARBONTRUST_LOG_MAX_BYTES", "10000")
    monkeypatch.setenv("CARBONTRUST_LOG_KEEP", "3")
    script = ("import time\nfor i in range(5000): print(f'line {i:05d} ' + 'x' * 30)\n"
              "print('done', flush=True)\ntime.sleep(60)")
    sup.start(ProcSpec("chatty", [sys.executable, "-c", script], {}))
    _wait(lambda: "done" in sup.tail("chatty", 1), what="all output")
    sup.stop("chatty")
    files = sorted(sup.logs.glob("chatty.log*"))
    assert [f.name for f in files] == ["chatty.log", "chatty.log.1", "chatty.log.2",
                                       "chatty.log.3"]
    for f in files:
        data = f.read_bytes()
        assert len(data) <= 10000 and data.endswith(b"\n")
        assert all(re.fullmatch(rb"(line \d{5} x{30}|=== start .*|done)", ln)
                   for ln in data.splitlines())
    # 4 files of <= 10 kB hold the newest ~950 of 5000 lines: older ones were dropped
    assert sum(f.stat().st_size for f in files) <= 40000
    # tail reaches back into the rotated files when the current one is short
    current = len(files[0].read_text().splitlines())
    want = current + 50
    got = sup.tail("chatty", want).splitlines()
    assert got[-2:] == ["line 04999 " + "x" * 30, "done"]
    assert len(got) == want and got[0] == f"line {5000 - want + 1:05d} " + "x" * 30
