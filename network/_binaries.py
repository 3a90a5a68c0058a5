"""Find or build the pinned Fabric binaries (peer, orderer, configtxgen, osnadmin, cryptogen).

The Go module proxy serves Fabric v2.5.0 only as the pseudo-version of its
release commit, and refuses ``go install pkg@version``; so network/fabric_tools
is a tiny Go module that requires that version (go.mod and go.sum are the lock),
and we ``go build`` each command from it.  The result is cached outside the
repository, keyed by a digest of go.mod + go.sum, and reused.  The sample
configuration files (core.yaml, orderer.yaml) are copied from the module cache
beside the binaries: every node starts from them and overrides by environment.

The module needs Go 1.26 (go.mod's ``go`` line, raised with its dependencies).  Any Go
>= 1.21 can build it: such a ``go`` downloads and runs the toolchain go.mod names when
``GOTOOLCHAIN`` allows it.  Many distributions ship Go with ``GOTOOLCHAIN=local`` in its
go.env, which forbids that, so every ``go`` command here runs with ``GOTOOLCHAIN=auto``
unless the user chose a specific toolchain (e.g. ``go1.26.1`` or ``path``); the build log
says so when it overrides.

Fabric CA v1.5.13 (fabric-ca-server, fabric-ca-client) is built the same way from its own
wrapper module, network/fabric_ca_tools, cached beside Fabric under its own digest
(``find_ca_binaries``); ``FABRIC_CA_BIN=/path/to/bin`` uses a user's own.

``FABRIC_BIN=/path/to/bin`` uses a user's own binaries instead; their config
directory is ``FABRIC_CFG_PATH`` or ``/path/to/config`` (the release tarball's
shape).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

FABRIC_VERSION = "2.5.0"
FABRIC_COMMIT = "bd8e24856939"
FABRIC_MODULE = "github.com/hyperledger/fabric"
COMMANDS = ("peer", "orderer", "configtxgen", "osnadmin", "cryptogen")
TOOLS_DIR = Path(__file__).with_name("fabric_tools")


class BinariesError(RuntimeError):
    """The Fabric binaries are neither present nor buildable."""


@dataclass(frozen=True)
class Binaries:
    bin_dir: Path
    config_dir: Path  # holds core.yaml and orderer.yaml

    def path(self, command: str) -> str:
        return str(self.bin_dir / command)


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "carbontrust"


def _tools_digest() -> str:
    h = hashlib.sha256()
    for name in ("go.mod", "go.sum", "tools.go"):
        h.update((TOOLS_DIR / name).read_bytes())
    return h.hexdigest()[:12]


def cached_dir() -> Path:
    return cache_root() / f"fabric-{FABRIC_VERSION}-{_tools_digest()}"


def _complete(d: Path) -> bool:
    return all((d / "bin" / c).is_file() for c in COMMANDS) and all(
        (d / "config" / f).is_file() for f in ("core.yaml", "orderer.yaml")
    )


def find_binaries(build: bool = True, log=print) -> Binaries:
    """Return usable binaries, building them into the cache when needed and allowed."""
    user_bin = os.environ.get("FABRIC_BIN")
    if user_bin:
        bdir = Path(user_bin)
        missing = [c for c in COMMANDS if not (bdir / c).is_file()]
        if missing:
            raise BinariesError(f"FABRIC_BIN={bdir} lacks {', '.join(missing)}")
        cfg = Path(os.environ.get("FABRIC_CFG_PATH") or bdir.parent / "config")
        if not (cfg / "core.yaml").is_file() or not (cfg / "orderer.yaml").is_file():
            raise BinariesError(
                f"FABRIC_BIN is set but no core.yaml/orderer.yaml in {cfg} (set FABRIC_CFG_PATH)"
            )
        return Binaries(bdir, cfg)
    d = cached_dir()
    if not _complete(d):
        if not build:
            raise BinariesError(f"no cached Fabric binaries in {d}; run `python -m network build`")
        build_binaries(d, log=log)
    return Binaries(d / "bin", d / "config")


def _go() -> str:
    go = shutil.which("go")
    if not go:
        raise BinariesError("the `go` command is not on PATH; install Go >= 1.21 or set FABRIC_BIN")
    return go


def go_env(base: dict[str, str] | None = None, log=None) -> dict[str, str]:
    """The environment for our go commands: GOTOOLCHAIN=auto unless a toolchain is chosen.

    Unset means go.env's default, which is "local" on many distributions; "local" (set or
    defaulted) forbids the switch to the Go release go.mod requires.
    """
    env = dict(os.environ if base is None else base)
    if env.get("GOTOOLCHAIN", "") in ("", "local"):
        if log is not None:
            log(f"GOTOOLCHAIN={env.get('GOTOOLCHAIN') or '(unset)'} -> auto for the Fabric "
                f"build: network/fabric_tools/go.mod needs Go {go_mod_version()}, which go "
                f"fetches when this Go is older")
        env["GOTOOLCHAIN"] = "auto"
    return env


def go_mod_version() -> str:
    for line in (TOOLS_DIR / "go.mod").read_text().splitlines():
        if line.startswith("go "):
            return line.split()[1]
    raise BinariesError(f"{TOOLS_DIR / 'go.mod'} has no go line")


def module_dir() -> Path:
    """Directory of the Fabric module in the Go module cache (downloads it if absent)."""
    env = go_env()
    out = subprocess.run(
        [_go(), "list", "-m", "-f", "{{.Dir}}", FABRIC_MODULE],
        cwd=TOOLS_DIR, env=env, capture_output=True, text=True, check=False,
    )
    if out.returncode != 0 or not out.stdout.strip():
        subprocess.run([_go(), "mod", "download", FABRIC_MODULE], cwd=TOOLS_DIR, env=env,
                       check=False)
        out = subprocess.run(
            [_go(), "list", "-m", "-f", "{{.Dir}}", FABRIC_MODULE],
            cwd=TOOLS_DIR, env=env, capture_output=True, text=True, check=False,
        )
    path = Path(out.stdout.strip())
    if out.returncode != 0 or not (path / "sampleconfig").is_dir():
        raise BinariesError(
            f"cannot locate {FABRIC_MODULE} in the module cache: {out.stderr[-500:]}")
    return path


def _go_build(dest: Path, tools_dir: Path, module: str, commands: tuple[str, ...],
              ldflags: str, cgo: bool, what: str, log=print,
              finish=lambda tmp: None) -> None:
    """``go build`` each of ``module``'s commands into a temporary dest/bin, let ``finish``
    add what else belongs beside them, then move the directory into place (a failed build
    leaves no half-built cache behind)."""
    go = _go()
    tmp = dest.with_name(dest.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / "bin").mkdir(parents=True)
    env = {**go_env(log=log), "CGO_ENABLED": "1" if cgo else "0",
           "GOFLAGS": "-mod=readonly -buildvcs=false"}
    t0 = time.monotonic()
    for cmd in commands:
        log(f"building {cmd} ({what}) ...")
        res = subprocess.run(
            [go, "build", "-trimpath", "-ldflags", ldflags, "-o", str(tmp / "bin" / cmd),
             f"{module}/cmd/{cmd}"],
            cwd=tools_dir, env=env, capture_output=True, text=True, check=False,
        )
        if res.returncode != 0:
            shutil.rmtree(tmp, ignore_errors=True)
            raise BinariesError(f"go build {cmd} failed:\n{res.stderr[-2000:]}")
    finish(tmp)
    shutil.rmtree(dest, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp.rename(dest)
    log(f"built {what} binaries in {time.monotonic() - t0:.0f} s -> {dest}")


def build_binaries(dest: Path, log=print) -> None:
    """Build the five commands into dest/bin and copy sample configs into dest/config."""
    ldflags = (
        f"-X {FABRIC_MODULE}/common/metadata.Version={FABRIC_VERSION} "
        f"-X {FABRIC_MODULE}/common/metadata.CommitSHA={FABRIC_COMMIT}"
    )

    def sample_configs(tmp: Path) -> None:
        src = module_dir() / "sampleconfig"
        (tmp / "config").mkdir()
        for f in ("core.yaml", "orderer.yaml", "configtx.yaml"):
            shutil.copy(src / f, tmp / "config" / f)

    _go_build(dest, TOOLS_DIR, FABRIC_MODULE, COMMANDS, ldflags, cgo=False,
              what=f"Fabric {FABRIC_VERSION}", log=log, finish=sample_configs)


CA_VERSION = "1.5.13"
CA_MODULE = "github.com/hyperledger/fabric-ca"
CA_COMMANDS = ("fabric-ca-server", "fabric-ca-client")
CA_TOOLS_DIR = Path(__file__).with_name("fabric_ca_tools")


def ca_cached_dir() -> Path:
    h = hashlib.sha256()
    for name in ("go.mod", "go.sum", "tools.go"):
        h.update((CA_TOOLS_DIR / name).read_bytes())
    return cache_root() / f"fabric-ca-{CA_VERSION}-{h.hexdigest()[:12]}"


def find_ca_binaries(build: bool = True, log=print) -> Path:
    """The directory holding fabric-ca-server and fabric-ca-client (built when needed)."""
    user_bin = os.environ.get("FABRIC_CA_BIN")
    d = Path(user_bin) if user_bin else ca_cached_dir() / "bin"
    missing = [c for c in CA_COMMANDS if not (d / c).is_file()]
    if not missing:
        return d
    if user_bin:
        raise BinariesError(f"FABRIC_CA_BIN={d} lacks {', '.join(missing)}")
    if not build:
        raise BinariesError(f"no cached Fabric CA binaries in {d}; run `python -m network build`")
    build_ca_binaries(d.parent, log=log)
    return d


def build_ca_binaries(dest: Path, log=print) -> None:
    """Build fabric-ca-server and fabric-ca-client into dest/bin."""
    # cgo on: the server keeps its registry in SQLite through mattn/go-sqlite3, a cgo
    # package (without cgo the server builds but refuses to start); needs a C compiler
    _go_build(dest, CA_TOOLS_DIR, CA_MODULE, CA_COMMANDS,
              f"-X {CA_MODULE}/lib/metadata.Version={CA_VERSION}", cgo=True,
              what=f"Fabric CA {CA_VERSION}", log=log)
