"""Demo step: results, the certifier's attestation, the rating, the carbon credit report.

All through `carbontrust`: `results compute` (the regulator; the chaincode runs `accounting` on
the endorsers from the month's totals, the declared operating data and the factor set in
force), `attest` (the certifier, signing the ISO 14064-3 statement with its own key),
`rating compute` (the certifier, with the rule set in force), `report issue` (the regulator:
waits for the inputs' anchor, issues the report on the ledger, writes report.json, report.pdf
and bundle.json, and verifies them). On a re-run the same inputs give the same result version
(409, read back with `results get`), which is attested and rated already (409); the report
is issued again as a new version that supersedes the previous one. When the services run,
the result is computed through the regulator's service (`POST /v1/results`), the rating through
the certifier's (`POST /v1/ratings`), the attestation through the certifier's, and the report
as a job of the regulator's service (`POST /v1/report-jobs`: its progress printed, its three
files downloaded to the same directory `report issue` writes).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from demo_common import ENTERPRISES, PERIOD, Enterprise, already, cli, say, section, state, work_dir

from network import Network


def _result_via_service(ent: Enterprise) -> dict[str, Any]:
    """`POST /v1/results` on the regulator's service: {"digest", "record"} as the CLI prints."""
    period = {"from": PERIOD[1], "to": PERIOD[3]}
    answer = state.services.call("regulator", "POST", "/v1/results", ok=(201, 409),
                                 json={"uscc": ent.uscc, **period})
    if answer.status_code == 409:
        say(f"409: {answer.json().get('detail')}")
        got: dict[str, Any] = state.services.call("certifier", "GET", f"/v1/results/{ent.uscc}",
                                                  params=period).json()
        return got
    body = answer.json()
    return {"digest": body["receipt"]["digest"], "record": body["record"]}


def result(ent: Enterprise) -> dict[str, Any]:
    if state.services is not None:
        return _result_via_service(ent)
    res = cli("results", "compute", ent.uscc, *PERIOD, expect=(0, 1))
    if already(res, f"results compute {ent.uscc}"):
        say("the same inputs as an earlier run: the ledger keeps that version (409)")
        res = cli("results", "get", ent.uscc, *PERIOD)
    answer: dict[str, Any] = json.loads(res.stdout)
    return answer


BASIS = ("meter data reconciled to the utility's billing; operating data to the audited "
         "accounts")


def _attest(ent: Enterprise) -> tuple[bool, dict[str, Any] | None]:
    """Attest through the certifier's service when it runs, else `carbontrust attest`:
    (attested before, the record when made now)."""
    if state.services is None:
        res = cli("attest", ent.uscc, *PERIOD, "--assurance", "reasonable", "--opinion",
                  "unmodified", "--basis", BASIS, "--as", "CertifierMSP", expect=(0, 1))
        made = already(res, f"attest {ent.uscc}")
        return made, None if made else json.loads(res.stdout)
    answer = state.services.call("certifier", "POST", "/v1/attestations", ok=(201, 409), json={
        "uscc": ent.uscc, "from": PERIOD[1], "to": PERIOD[3], "assurance": "reasonable",
        "opinion": "unmodified", "basis": BASIS})
    if answer.status_code == 409:
        say(f"409: {answer.json().get('detail')}")
        return True, None
    return False, answer.json()


def attest(ent: Enterprise) -> dict[str, Any]:
    before, made = _attest(ent)
    if made is not None:
        return made
    if before:
        say("this result version is attested already (409)")
    res = cli("attestation", "get", ent.uscc, *PERIOD, "--as", "CertifierMSP")
    record: dict[str, Any] = json.loads(res.stdout)
    return record


def rating(ent: Enterprise) -> dict[str, Any]:
    if state.services is not None:
        answer = state.services.call("certifier", "POST", "/v1/ratings", ok=(201, 409), json={
            "uscc": ent.uscc, "from": PERIOD[1], "to": PERIOD[3]})
        if answer.status_code == 201:
            made: dict[str, Any] = answer.json()["record"]
            return made
        say(f"409: {answer.json().get('detail')}")
    res = (cli("rating", "compute", ent.uscc, *PERIOD, "--as", "CertifierMSP", expect=(0, 1))
           if state.services is None else None)
    if res is None or already(res, f"rating compute {ent.uscc}"):
        say("this result version is rated with the rule set in force already (409)")
        got = json.loads(cli("rating", "get", ent.uscc, *PERIOD, "--as", "CertifierMSP").stdout)
        record: dict[str, Any] = got["ratings"][-1]
        return record
    record = json.loads(res.stdout)
    return record


def _issue_via_service(out: Path, ent: Enterprise) -> dict[str, Any]:
    """A report job on the regulator's service (`POST /v1/report-jobs`): its progress
    printed as it changes, then its three files downloaded into ``out``."""
    services = state.services
    job = services.call("regulator", "POST", "/v1/report-jobs", json={
        "uscc": ent.uscc, "from": PERIOD[1], "to": PERIOD[3], "wait": 240}).json()
    shown = None
    deadline = time.monotonic() + 900
    while job["state"] not in ("done", "failed"):
        now = (job["state"], job.get("progress"))
        if now != shown:
            say(f"job {job['id'][:8]}: {job['state']}"
                + (f" ({job['progress']})" if job.get("progress") else ""))
            shown = now
        if time.monotonic() > deadline:
            raise SystemExit(f"report job {job['id']} still {job['state']} after 900 s")
        time.sleep(1)
        job = services.poll("regulator", f"/v1/report-jobs/{job['id']}")
    if job["state"] == "failed":
        problem = job["problem"] or {}
        raise SystemExit(f"report job {job['id']} failed: {problem.get('detail')} "
                         f"(evidence {json.dumps(problem.get('evidence'))})")
    say(f"job {job['id'][:8]}: done; {job['verified']}")
    out.mkdir(parents=True, exist_ok=True)
    for name in job["files"]:
        got = services.call("regulator", "GET", f"/v1/report-jobs/{job['id']}/{name}")
        (out / name).write_bytes(got.content)
    head = json.loads((out / "report.json").read_bytes())["report"]
    status = {"id": job["report_id"], "version": job["report_version"],
              "digest": job["report_digest"], "status": head["status"],
              "supersedes": head["supersedes"]}
    return {"status": status, "tx_id": job["issued_tx_id"], "out": str(out),
            "files": job["files"]}


def issue(net: Network, ent: Enterprise) -> dict[str, Any]:
    out = work_dir(net) / "reports" / ent.uscc
    if state.services is not None:
        issued = _issue_via_service(out, ent)
    else:
        res = cli("report", "issue", ent.uscc, *PERIOD, "--out", str(out), "--wait", "240",
                  quiet=False)
        issued = json.loads(res.stdout)
    issued["dir"] = out
    return issued


def run(net: Network) -> None:
    for ent in ENTERPRISES:
        section(f"regulator: computes {ent.name}'s result on the ledger")
        got = result(ent)
        rec, acc = got["record"], got["record"]["result"]
        va = acc["intensities"]["value_added"]
        say(f"version {rec['version']}, factor set {rec['inputs']['factor_set']['version']}: "
            f"scope 1 {acc['scope1_tco2e']} t, scope 2 {acc['scope2_tco2e']} t, total "
            f"{acc['total_tco2e']} tCO2e; intensity {va.get('value')} {va.get('unit')}")

        section(f"certifier: attests {ent.name}'s result (ISO 14064-3) and rates it")
        att = attest(ent)
        st = att["statement"]
        say(f"{st['assurance']} assurance, opinion {st['opinion']}, by "
            f"{st['verifier']['name']} ({st['verifier']['mspid']}), dated {st['date']}, "
            f"status {att['status']}")
        rated = rating(ent)
        r = rated["rating"]
        dims = ", ".join(f"{d['metric']} {d['intensity']} vs benchmark {d['benchmark']} "
                         f"(ratio {d['ratio']})" for d in r["dimensions"] if d.get("rated"))
        say(f"rating {r['label']} under {rated['rule_set']['version']}: {dims}")

        section(f"regulator: issues {ent.name}'s carbon credit report")
        ent.report = issue(net, ent)
        status = ent.report["status"]
        say(f"{status['id']} ({status['status']}; supersedes "
            f"{(status.get('supersedes') or {}).get('id')})")
        say(f"report PDF: {ent.report['dir'] / 'report.pdf'}")
