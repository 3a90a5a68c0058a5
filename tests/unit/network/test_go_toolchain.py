"""The Fabric build runs go with GOTOOLCHAIN=auto, so a Go older than go.mod's can build it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from network import _binaries
from network._binaries import BinariesError, build_binaries, go_env, go_mod_version


def test_go_mod_needs_more_than_an_old_go() -> None:
    assert tuple(int(x) for x in go_mod_version().split(".")[:2]) >= (1, 21)


@pytest.mark.parametrize("given", [None, "", "local"])
def test_local_or_unset_becomes_auto(given: str | None) -> None:
    base = {"PATH": "/usr/bin"} if given is None else {"PATH": "/usr/bin", "GOTOOLCHAIN": given}
    said: list[str] = []
    assert go_env(base, log=said.append)["GOTOOLCHAIN"] == "auto"
    assert "-> auto" in said[0] and go_mod_version() in said[0]


@pytest.mark.parametrize("chosen", ["go1.26.1", "path", "auto", "go1.26.0+auto"])
def test_a_chosen_toolchain_is_kept(chosen: str) -> None:
    assert go_env({"GOTOOLCHAIN": chosen})["GOTOOLCHAIN"] == chosen


def test_every_go_build_runs_with_auto(monkeypatch, tmp_path: Path) -> None:
    """build_binaries under GOTOOLCHAIN=local: the go commands it runs carry auto."""
    monkeypatch.setenv("GOTOOLCHAIN", "local")
    seen: list[dict] = []

    def record(argv, **kw):  # the seam: the go command itself is not run here
        seen.append({"argv": argv, "env": kw.get("env")})
        return subprocess.CompletedProcess(argv, 1, "", "stop after the first command")
    monkeypatch.setattr(_binaries.subprocess, "run", record)
    monkeypatch.setattr(_binaries, "_go", lambda: "/usr/bin/go")
    with pytest.raises(BinariesError, match="stop after the first command"):
        build_binaries(tmp_path / "dest", log=lambda *_: None)
    assert seen and seen[0]["argv"][1] == "build"
    assert all(s["env"]["GOTOOLCHAIN"] == "auto" for s in seen)


@pytest.mark.skipif(shutil.which("go") is None, reason="no go on PATH")
def test_the_go_command_sees_auto_even_where_its_default_is_local() -> None:
    """The real go, asked what it will use, in the module directory (go.mod's go line)."""
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
            "GOTOOLCHAIN": "local"}
    out = subprocess.run(["go", "env", "GOTOOLCHAIN"], env=go_env(base), cwd=_binaries.TOOLS_DIR,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "auto"
