"""Demo step: the regulator's audit, and a third party's offline check of it.

`carbontrust audit history` shows the report's versions with their transactions from the
regulator's notary follower; `carbontrust audit export` writes the enterprise's audit trail
for this run's time range (entries, inclusion proofs, the anchored checkpoint with its
cosignatures, the notary key bindings); the followers anchor on their cadence, so while the
range holds an entry the latest anchor does not cover the export answers NOT_ANCHORED and the
demo retries, within a bound. `carbontrust audit check` then verifies the file offline against
the MSP roots alone.
"""

from __future__ import annotations

import datetime
import json
import time
from collections import Counter

from demo_common import ENTERPRISES, cli, say, section, work_dir

from network import Network

ANCHOR_WAIT = 120.0   # seconds: several cadences of the followers


def history() -> None:
    """The report's and the consents' audit entries, each with its transaction."""
    ent = ENTERPRISES[0]
    for kind, key in (("report", ent.report["status"]["id"]), ("consent", ent.uscc)):
        got = json.loads(cli("audit", "history", kind, key).stdout)
        for v in got["versions"]:
            e = v["entry"]
            keys = e["keys"]
            say(f"#{v['index']} block {v['block']} tx {v['tx_id'][:12]} {e['entry']:<15} "
                f"{keys.get('report_id')} {keys.get('status') or keys.get('bank')} by "
                f"{v['creator']['mspid']} {v['creator']['kind']}"
                f"{'' if v['anchored'] else ' (not anchored yet)'}")
    log = got["log"]
    say(f"the regulator's log: {log['size']} entries, {log['anchored_size']} under an anchor")


def export(net: Network, since: datetime.datetime) -> str:
    ent = ENTERPRISES[0]
    out = work_dir(net) / f"audit-{ent.uscc}.json"
    until = datetime.datetime.now(datetime.UTC)
    args = ("audit", "export", "--from", since.isoformat(timespec="seconds"),
            "--to", until.isoformat(timespec="seconds"), "--uscc", ent.uscc,
            "--out", str(out))
    deadline = time.monotonic() + ANCHOR_WAIT
    while True:
        res = cli(*args, expect=(0, 1))
        if res.returncode == 0:
            return str(out)
        if "NOT_ANCHORED" not in res.stderr or time.monotonic() > deadline:
            raise SystemExit(f"audit export refused: {res.stderr.strip()}")
        say("waiting for the followers' next anchor ...")
        time.sleep(3)


def run(net: Network, since: datetime.datetime) -> None:
    section("regulator: the report's audit history, from its own notary follower")
    history()

    section(f"regulator: exports {ENTERPRISES[0].name}'s audit trail of this run; "
            "a third party checks it offline")
    path = export(net, since)
    roots = work_dir(net) / "msp-roots"
    if not roots.is_dir():
        cli("audit", "roots", "--out", str(roots), "--as", "RegulatorMSP")
    got = json.loads(cli("audit", "check", path, "--trust", str(roots)).stdout)
    kinds = Counter(e["entry"] for e in got["entries"] if e["in_range"])
    cp = got["checkpoint"]
    say(f"valid: {sum(kinds.values())} entries in range "
        f"({', '.join(f'{k} x{n}' for k, n in sorted(kinds.items()))}), under the "
        f"checkpoint of size {cp['size']} cosigned by {', '.join(cp['cosigners'])}")
    say(f"the export: {path}")
