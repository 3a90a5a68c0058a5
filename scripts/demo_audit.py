"""Demo step: the regulator's audit, and a third party's offline check of it.

The report's and the consents' audit history from the regulator's notary log; an export of
the enterprise's audit trail for this run's time range (entries, inclusion proofs, the
anchored checkpoint with its cosignatures, the notary key bindings); the followers anchor on
their cadence, so while the range holds an entry the latest anchor does not cover the export
is refused NOT_ANCHORED and the demo retries, within a bound. The regulator checks the
export, and a third party verifies the same file offline against the MSP roots alone
(`carbontrust audit check`).

With the organisations' services running, the regulator does its part through its service
(`GET /v1/audit/history/...`, `GET /v1/audit/export`, `POST /v1/audit/checks`: the check
also compares the export's checkpoint with the regulator's own log); without them through
`carbontrust audit history|export`, as before.
"""

from __future__ import annotations

import datetime
import json
import time
from collections import Counter
from typing import Any

from demo_common import ENTERPRISES, cli, say, section, state, work_dir

from network import Network

ANCHOR_WAIT = 120.0   # seconds: several cadences of the followers


def _versions(kind: str, key: str) -> dict[str, Any]:
    if state.services is None:
        got: dict[str, Any] = json.loads(cli("audit", "history", kind, key).stdout)
        return got
    page = state.services.call("regulator", "GET", f"/v1/audit/history/{kind}",
                               params={"key": key, "limit": 200}).json()
    return {**page, "versions": page["items"]}


def history() -> None:
    """The report's and the consents' audit entries, each with its transaction."""
    ent = ENTERPRISES[0]
    for kind, key in (("report", ent.report["status"]["id"]), ("consent", ent.uscc)):
        got = _versions(kind, key)
        for v in got["versions"]:
            e = v["entry"]
            keys = e["keys"]
            say(f"#{v['index']} block {v['block']} tx {v['tx_id'][:12]} {e['entry']:<15} "
                f"{keys.get('report_id')} {keys.get('status') or keys.get('bank')} by "
                f"{v['creator']['mspid']} {v['creator']['kind']}"
                f"{'' if v['anchored'] else ' (not anchored yet)'}")
    log = got["log"]
    say(f"the regulator's log: {log['size']} entries, {log['anchored_size']} under an anchor")


def _window(since: datetime.datetime) -> tuple[str, str]:
    until = datetime.datetime.now(datetime.UTC)
    return since.isoformat(timespec="seconds"), until.isoformat(timespec="seconds")


def export(net: Network, since: datetime.datetime) -> str:
    ent = ENTERPRISES[0]
    out = work_dir(net) / f"audit-{ent.uscc}.json"
    time_from, time_to = _window(since)
    deadline = time.monotonic() + ANCHOR_WAIT
    while True:
        if state.services is not None:
            res = state.services.call("regulator", "GET", "/v1/audit/export", ok=(200, 409),
                                      params={"from": time_from, "to": time_to,
                                              "uscc": ent.uscc})
            if res.status_code == 200:
                out.write_bytes(res.content)
                say(f"wrote {out.name}: log entries {res.headers['x-audit-window']} "
                    f"({len(res.content)} bytes)")
                return str(out)
            refusal = f"{res.json().get('code')} {res.json().get('detail')}"
        else:
            res_cli = cli("audit", "export", "--from", time_from, "--to", time_to, "--uscc",
                          ent.uscc, "--out", str(out), expect=(0, 1))
            if res_cli.returncode == 0:
                return str(out)
            refusal = res_cli.stderr.strip()
        if "NOT_ANCHORED" not in refusal or time.monotonic() > deadline:
            raise SystemExit(f"audit export refused: {refusal}")
        say("waiting for the followers' next anchor ...")
        time.sleep(3)


def regulator_check(path: str) -> None:
    """The regulator's check through its service: the verdict, and its own log's say."""
    assert state.services is not None
    with open(path, "rb") as fh:
        verdict = state.services.call("regulator", "POST", "/v1/audit/checks", content=fh.read(),
                                      headers={"content-type": "application/json"}).json()
    if not verdict["valid"]:
        raise SystemExit(f"the regulator's service refused its own export: {verdict['code']} "
                         f"{verdict['detail']}")
    own = verdict["own_log"]
    say(f"valid for the regulator: checkpoint of size {own['checkpoint_size']}; its own log "
        f"({own['size']} entries) {own['status']} at that size")


def run(net: Network, since: datetime.datetime) -> None:
    section("regulator: the report's audit history, from its own notary log"
            f"{' (through its service)' if state.services is not None else ''}")
    history()

    section(f"regulator: exports {ENTERPRISES[0].name}'s audit trail of this run"
            f"{' through its service' if state.services is not None else ''}; "
            "a third party checks it offline")
    path = export(net, since)
    if state.services is not None:
        regulator_check(path)
    roots = work_dir(net) / "msp-roots"
    if not roots.is_dir():
        cli("audit", "roots", "--out", str(roots), "--as", "RegulatorMSP")
    got = json.loads(cli("audit", "check", path, "--trust", str(roots)).stdout)
    kinds = Counter(e["entry"] for e in got["entries"] if e["in_range"])
    cp = got["checkpoint"]
    say(f"valid offline: {sum(kinds.values())} entries in range "
        f"({', '.join(f'{k} x{n}' for k, n in sorted(kinds.items()))}), under the "
        f"checkpoint of size {cp['size']} cosigned by {', '.join(cp['cosigners'])}")
    say(f"the export: {path}")
