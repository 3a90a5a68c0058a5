"""PostgreSQL for tests: one throwaway cluster per test process, found on the machine.

``$CARBONTRUST_TEST_POSTGRES_URL`` (a SQLAlchemy URL of a server the tests may create
databases on) wins; otherwise the newest Debian PostgreSQL (``/usr/lib/postgresql/<v>/bin``,
installed by ``.ci/run``) gets a cluster in a temporary directory: ``initdb`` with trust
authentication, ``postgres`` listening on a Unix socket only (no TCP port to clash with
the networks' ports). PostgreSQL refuses to run as root, so under root both run as the
``postgres`` user the Debian package creates, in a directory that user owns. Missing
PostgreSQL is a skip with the reason, and a failure under CI (``$CI``), like SoftHSM2.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

_server: tuple[str, str] | None = None  # (socket dir, superuser)
SUPERUSER = "carbontrust"


def _bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit()
                   else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _start() -> tuple[str, str]:
    bindir = _bindir()
    if bindir is None:
        _missing("PostgreSQL not installed (apt-get install postgresql; .ci/run does)")
        raise AssertionError("unreachable")
    kw: dict[str, Any] = {}
    root = Path(tempfile.mkdtemp(prefix="carbontrust-pg-"))
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            _missing("running as root and there is no 'postgres' user to run PostgreSQL as")
            raise AssertionError("unreachable") from None
        os.chown(root, user.pw_uid, user.pw_gid)
        kw = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    data, sock = root / "data", root
    subprocess.run([str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust",
                    "-E", "UTF8", "--no-sync", "--locale", "C"], check=True,
                   capture_output=True, cwd=root, **kw)
    log = open(root / "postgres.log", "wb")  # noqa: SIM115 - kept open for the server
    proc = subprocess.Popen(
        [str(bindir / "postgres"), "-D", str(data), "-k", str(sock), "-c",
         "listen_addresses=", "-c", "fsync=off", "-c", "max_connections=200"],
        stdout=log, stderr=subprocess.STDOUT, cwd=root, **kw)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop)
    deadline = time.monotonic() + 30
    while not (sock / ".s.PGSQL.5432").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL did not start: {(root / 'postgres.log').read_text()}")
        time.sleep(0.1)
    time.sleep(0.2)
    return str(sock), SUPERUSER


def postgres_url() -> str:
    """A SQLAlchemy URL of a new, empty database (one per call)."""
    global _server
    name = "t_" + uuid.uuid4().hex[:12]
    given = os.environ.get("CARBONTRUST_TEST_POSTGRES_URL")
    import psycopg

    if given:
        from sqlalchemy.engine import make_url

        url = make_url(given)
        with psycopg.connect(url.set(drivername="postgresql", database="postgres")
                             .render_as_string(hide_password=False),
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return url.set(database=name).render_as_string(hide_password=False)
    if _server is None:
        _server = _start()
    sock, user = _server
    deadline = time.monotonic() + 10
    while True:
        try:
            with psycopg.connect(host=sock, user=user, dbname="postgres",
                                 autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    return f"postgresql+psycopg://{user}@/{name}?host={sock}"
