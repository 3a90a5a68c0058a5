"""Supervisor on real processes (sleep): sweep kills only what it started; stop reaps."""

import os
import subprocess
from pathlib import Path

import pytest

from network._process import AlreadyRunningError, ProcSpec, Supervisor


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

