"""SoftHSM2 for tests: one token per test process, initialised before the library loads.

SoftHSM2 reads its configuration (``SOFTHSM2_CONF``) when a process first initialises the
library, and python-pkcs11 loads a library once per process, so every test in the process
shares this token; tests tell their keys apart by ``CKA_ID``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

LIBRARY_CANDIDATES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
)
LABEL = "carbontrust-test"
PIN = "2468"
SO_PIN = "13579"


@dataclass(frozen=True)
class SoftHSM:
    library: str
    label: str
    pin: str


_token: SoftHSM | None = None


def softhsm_token() -> SoftHSM:
    """The process's SoftHSM2 token (skipped with the reason when SoftHSM2 is missing; CI
    installs it, so there a missing SoftHSM2 fails instead)."""
    global _token
    if _token is not None:
        return _token
    library = os.environ.get("SOFTHSM2_LIB") or next(
        (p for p in LIBRARY_CANDIDATES if Path(p).is_file()), None
    )
    util = shutil.which("softhsm2-util")
    if library is None or util is None:
        reason = "SoftHSM2 not installed (apt-get install softhsm2)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="carbontrust-softhsm-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\nslots.removable = false\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [util, "--init-token", "--free", "--label", LABEL, "--pin", PIN, "--so-pin", SO_PIN],
        check=True,
        capture_output=True,
    )
    _token = SoftHSM(library, LABEL, PIN)
    return _token
