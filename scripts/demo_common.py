"""What every step of `make demo` shares: the embedded defaults, the network, `carbontrust`.

The demo drives the ledger through the `carbontrust` command line (the contract other tools
call) and, where no command exists for a step, through the `gateway` library with the
identity that step belongs to (an enterprise's own key, the bank's client): each place says
which. Nothing here decides a rule; the contract does.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from network import Enrolled, Network, enrol_enterprise  # noqa: E402
from network._ca import user_dir  # noqa: E402

CHINA = datetime.timezone(datetime.timedelta(hours=8))
#: the month the power company ingests and the enterprises are accounted for: fixed and past
#: (a re-run is a replay), in the data year of the factor set the regulator approves
PERIOD_START, PERIOD_END = datetime.date(2023, 6, 1), datetime.date(2023, 6, 30)
PERIOD = ("--from", PERIOD_START.isoformat(), "--to", PERIOD_END.isoformat())
FACTOR_SET, RULE_SET = "cn-2023.1", "gz-ae-d1"
#: the followers' anchoring cadence (seconds,entries) when the demo brings the network up
DEMO_CADENCE = "2,1000"


class _State:
    #: demo_services.Services when the organisations' services run, else None (CLI only)
    services: Any = None


state = _State()


@dataclass
class Enterprise:
    stem: str                  # 16 characters; the two check characters are computed
    name: str
    industry: str              # GB/T 4754 division: the benchmark set's key for the rating
    region: str
    meters: list[str]
    value_added: str           # the month's declared value added, 10^4 CNY
    uscc: str = ""
    identity: Enrolled | None = None
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def period_key(self) -> str:
        return f"{self.uscc}/{PERIOD_START}/{PERIOD_END}"


def _uscc(stem: str) -> str:
    """Complete a 16-character stem (8 + 8 of the organisation code) into a valid USCC."""
    from chaincode.carbon._uscc import check_char, org_check_char
    body = stem[:16]
    first17 = body + org_check_char(body[8:16])
    return str(first17 + check_char(first17))


ENTERPRISES = [
    Enterprise("91330800MA2DEM01", "Quzhou Demo Cement Co.", "C30", "east",
               ["QZ-DEMO-M1", "QZ-DEMO-M2"], "260"),
    Enterprise("91440101MA5DEM02", "Guangzhou Demo Electronics Co.", "C39", "guangdong",
               ["GZ-DEMO-M1"], "180"),
]
for _e in ENTERPRISES:
    _e.uscc = _uscc(_e.stem)


def section(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def say(text: str) -> None:
    print(f"    {text}", flush=True)


def work_dir(net: Network) -> Path:
    d = Path(net.run_dir) / "demo"
    d.mkdir(exist_ok=True)
    return d


def ensure_up(net: Network) -> dict[str, Any]:
    """Reuse the running network (restarting stale chaincode servers) or bring it up, with
    the followers anchoring every DEMO_CADENCE unless CARBONTRUST_AUDIT_CADENCE says else."""
    st = net.status()
    if (net.run_dir / "connection.json").is_file() and all(s["pid"] for s in st.values()):
        print(f"network already up in {net.run_dir}")
        for name in net.refresh_chaincode():
            print(f"{name} restarted: the chaincode sources changed since it started")
    else:
        net.down(keep_data=True, quiet=True)
        os.environ.setdefault("CARBONTRUST_AUDIT_CADENCE", DEMO_CADENCE)
        os.environ.setdefault("CARBONTRUST_SERVICES", "1")   # as `make up`
        services = ", the organisations' services" if net.services_enabled else ""
        print("bringing the network up (3 Raft orderers, 4 peers, 4 chaincode servers, "
              "4 Fabric CAs, 4 notary followers anchoring every "
              f"{os.environ['CARBONTRUST_AUDIT_CADENCE'].split(',')[0]} s"
              f"{services}) ...")
        secs = net.up()
        print(f"network up in {secs:.1f} s")
    info: dict[str, Any] = json.loads((net.run_dir / "connection.json").read_text())
    return info


def cli(*args: str, expect: tuple[int, ...] = (0,), quiet: bool = True,
        stdin: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run `carbontrust ARGS` (the command-line contract), show it, check its exit status."""
    cmd = [sys.executable, "-m", "gateway.cli", *(["-q"] if quiet else []), *args]
    shown = [re.sub(r"\S*/users/([^/@]+)@[^/]+/msp/", r"<\1>/msp/", a.replace(f"{REPO}/", ""))
             for a in args]
    print(f"$ carbontrust {' '.join(shown)}", flush=True)
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=stdin,
                         env={**os.environ, "CARBONTRUST_RUN_DIR": str(Network().run_dir),
                              "NO_COLOR": "1"})
    if res.returncode not in expect:
        sys.stderr.write(res.stderr)
        raise SystemExit(f"carbontrust {' '.join(shown[:2])} exited {res.returncode}, "
                         f"expected {expect}")
    for line in res.stderr.strip().splitlines()[:6]:
        if res.returncode and line.startswith("error: "):   # an expected refusal: shown as one
            line = f"exit {res.returncode}: {line.removeprefix('error: ')}"
        print(f"    {line}")
    return res


def already(res: subprocess.CompletedProcess[str], what: str) -> bool:
    """True when exit 1 is the ledger saying the thing exists (409): a re-run's no-op."""
    if res.returncode == 0:
        return False
    text = res.stderr
    if "409" in text or "already" in text:
        return True
    raise SystemExit(f"{what} refused: {text.strip()}")


def enterprise_identity(net: Network, ent: Enterprise) -> Enrolled:
    """Enrol the enterprise at the regulator's CA, or reuse the identity an earlier run got."""
    name = f"ent-{ent.uscc}"
    msp = user_dir(net.crypto, net.layout.org("regulator"), name) / "msp"
    if (msp / "keystore" / "priv_sk").is_file():
        say(f"reusing {name}, enrolled by an earlier run")
        return Enrolled(name, "RegulatorMSP", msp)
    enrolled = enrol_enterprise(net, ent.uscc, name)
    say(f"enrolled {name} at the regulator's Fabric CA (role=enterprise, uscc={ent.uscc})")
    return enrolled


def signing(ent: Enterprise) -> tuple[str, ...]:
    """`--sign-cert/--sign-key`: the enterprise's own identity for a carbontrust command."""
    assert ent.identity is not None
    return ("--sign-cert", str(ent.identity.cert_path), "--sign-key",
            str(ent.identity.key_path))


def wait_for(what: str, check: Any, timeout: float, every: float = 1.0) -> Any:
    """Poll check() until it answers something truthy; SystemExit naming what after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)
