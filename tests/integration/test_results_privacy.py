"""Privacy of results, ratings and reports on the real network (issues 11 and 13): after
``carbontrust results compute``, ``attest``, ``rating compute`` and ``report issue``, the bank
holds none of the enterprise's figures.

A submitted transaction's answer is written into every peer's block, the bank's included;
``results:compute`` and ``rating:compute`` once answered their whole records there. Now:

* **the bank peer's files**: every file under its data directory (block files, state
  database, private data store, history, transient store; LevelDB tables and journals
  decoded by tests/integration/ledger_files.py) and its peer and chaincode-server logs hold
  none of the result's figures (period, monthly and per-batch totals; scope 1, scope 2 and
  total emissions, by category, by line and by month; intensities and their denominators),
  none of the rating's (intensities, ratios) and neither record's salt (hex and raw). The
  figures are searched as JSON strings (``"40.793"``), the form every record and answer
  carries them in, so a log's clock reading cannot match by chance. The same search of the
  power company's and the regulator's peers finds every one of them (so it can fail).
* **what its identities can call**: every function of the deployed contract (walked from
  the dispatcher's table), evaluated by the bank's admin and client on its own peer and
  aimed at each member's peer, with arguments naming the result (enterprise, period,
  versions, report id): no answer holds a figure or a salt; the regulator's client asking
  ``results:get``, ``rating:get`` and ``report:get`` with the same arguments gets them.

Its own network (PORT_BASE), fresh each run, with the notary followers anchoring (the
report cites an anchored checkpoint).
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import gateway as g

from . import ledger_files
from .carbon_world import END, START, Who, World, carbon_network, prepare_results

PORT_BASE = 27500
REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "carbontrust"
COMMAND = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "gateway.cli"]
PERIOD = ("--from", START, "--to", END)
MEMBERS = ("PowerMSP", "CertifierMSP", "RegulatorMSP")   # privateReadings


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    old = os.environ.get("CARBONTRUST_AUDIT_CADENCE")
    os.environ["CARBONTRUST_AUDIT_CADENCE"] = "2,20"
    try:
        for net in carbon_network("it-test_results_privacy", PORT_BASE):
            w = World(net)
            prepare_results(w)
            yield w
            w.s.close()
    finally:
        if old is None:
            os.environ.pop("CARBONTRUST_AUDIT_CADENCE", None)
        else:
            os.environ["CARBONTRUST_AUDIT_CADENCE"] = old


def cli(w: World, *argv: str) -> Any:
    env = {**os.environ, "CARBONTRUST_RUN_DIR": str(w.net.run_dir)}
    env.pop("CARBONTRUST_PROFILE", None)
    proc = subprocess.run([*COMMAND, *argv], cwd=REPO, env=env, capture_output=True,
                          timeout=600, check=False, text=True)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, (argv, proc.stderr)
    return json.loads(proc.stdout)


class Issued:
    """The records as the CLI printed them (read back from members' peers)."""

    def __init__(self, w: World, out: Path) -> None:
        self.result = cli(w, "results", "compute", w.e1, *PERIOD)
        cli(w, "attest", w.e1, *PERIOD, "--assurance", "reasonable", "--opinion",
            "unmodified", "--date", "2024-03-01")
        self.rating = cli(w, "rating", "compute", w.e1, *PERIOD, "--as", "CertifierMSP")
        self.report = cli(w, "report", "issue", w.e1, *PERIOD, "--out", str(out), "--wait",
                          "240")

    def figures(self) -> dict[str, bytes]:
        """Every private figure, as the JSON string records and answers carry it."""
        rec, res = self.result["record"], self.result["record"]["result"]
        found: dict[str, str] = {}
        for source, t in rec["inputs"]["totals"]["totals"].items():
            found[f"total {source}"] = t["quantity"]
        for month, m in rec["inputs"]["monthly"].items():
            for source, t in m["totals"].items():
                found[f"{month} {source}"] = t["quantity"]
            for k in ("scope1_tco2e", "scope2_tco2e", "total_tco2e"):
                found[f"{month} {k}"] = m[k]
        for i, d in enumerate(rec["inputs"]["deltas"]):
            for source, t in d["sources"].items():
                found[f"delta {i} {source}"] = t["quantity"]
        for k in ("scope1_tco2e", "scope2_tco2e", "total_tco2e"):
            found[k] = res[k]
        for k, v in res["by_category"].items():
            found[f"category {k}"] = v
        for line in res["lines"]:
            found[f"line {line['index']} tco2e"] = line["tco2e"]
        for name, i in res["intensities"].items():
            if not i.get("absent"):
                found[f"intensity {name}"] = i["value"]
                found[f"denominator {name}"] = i["denominator"]["quantity"]
        for d in self.rating["rating"]["dimensions"]:
            found[f"rating {d['name']} intensity"] = d["intensity"]
            found[f"rating {d['name']} ratio"] = d["ratio"]
        figures = {k: json.dumps(v).encode() for k, v in found.items()
                   if v.strip("0.") != ""}          # zeros say nothing
        assert len(figures) >= 12, figures
        return figures

    def salts(self) -> dict[str, str]:
        return {"result salt": self.result["record"]["salt"], "rating salt": self.rating["salt"]}

    def written(self) -> dict[str, bytes]:
        """The forms the records hold (the members' peers keep them)."""
        return {**self.figures(), **{k: v.encode() for k, v in self.salts().items()}}

    def private(self) -> dict[str, bytes]:
        """The written forms and the salts' raw bytes (nothing keeps those: a careless
        change could), searched on the bank."""
        return {**self.written(),
                **{f"{k} raw": bytes.fromhex(v) for k, v in self.salts().items()}}


@pytest.fixture(scope="module")
def issued(world: World, tmp_path_factory: pytest.TempPathFactory) -> Issued:
    done = Issued(world, tmp_path_factory.mktemp("results-privacy") / "report")
    world.wait_everywhere(world.net.ledger_height("regulator") - 1)
    return done


def _search(w: World, org: str, needles: dict[str, bytes]) -> dict[str, list[str]]:
    found = ledger_files.find(w.net.run_dir / "data" / f"peer0.{org}", list(needles.values()))
    for log in (f"peer0.{org}.log", f"ccserver.{org}.log"):
        path = w.net.run_dir / "logs" / log
        if path.is_file():
            text = path.read_bytes()
            for n in needles.values():
                if n in text:
                    found[n].append(f"logs/{log}")
    return {name: found[n] for name, n in needles.items()}


def test_the_bank_peers_files_hold_no_figure_of_the_result(world: World,
                                                           issued: Issued) -> None:
    bank = {k: v for k, v in _search(world, "bank", issued.private()).items() if v}
    assert not bank, f"the bank peer's files hold {bank}"
    for org in ("power", "regulator"):        # members: the same search finds them all
        missing = [k for k, v in _search(world, org, issued.written()).items() if not v]
        assert not missing, f"not found on peer0.{org}: {missing}"


# -- every function the bank may call ---------------------------------------------------
def _arguments(w: World, issued: Issued) -> dict[str, list[str]]:
    version = str(issued.result["record"]["version"])
    return {"uscc": [w.e1], "from_date": [START], "to_date": [END],
            "period_start": [START], "period_end": [END], "version": ["", version],
            "report_id_": [issued.report["status"]["id"]], "bank_msp": ["BankMSP"],
            "consent_id": ["c-1"], "factor_set_version": [""], "reason": ["probe"],
            "meter_id": [w.m1], "page_size": ["100"], "bookmark": [""], "kind": ["rating"],
            "status": ["active"], "record_type": ["attestation", "rating", "result"],
            "key": [f"{w.e1}/{START}/{END}/{version}"]}


def _calls(w: World, issued: Issued) -> list[tuple[str, list[str]]]:
    from chaincode.carbon import contracts
    from chaincode.shim import Dispatcher
    known = _arguments(w, issued)
    anything = [w.e1, START, issued.report["status"]["id"]]
    calls = []
    for fn, impl in sorted(Dispatcher(*contracts(test_contracts=False)).table.items()):
        params = [p for p in inspect.signature(impl).parameters if p not in ("self", "stub")]
        if all(p in known for p in params):
            width = max([len(known[p]) for p in params] or [1])
            for i in range(width):
                calls.append((fn, [known[p][min(i, len(known[p]) - 1)] for p in params]))
        else:   # a parameter this test has no name for: each naming value in its place
            for value in anything:
                calls.append((fn, [known[p][0] if p in known else value for p in params]))
    return calls


def _answer(w: World, who: Who, fn: str, args: list[str],
            target: tuple[str, ...]) -> tuple[bool, str]:
    try:
        raw = w.s.contract(who).evaluate(fn, args, transient={"salt": bytes(32)},
                                         endorsing_organizations=target)
        return True, raw.decode("utf-8", "replace")
    except g.GatewayError as exc:
        return False, str(exc)


def test_no_function_the_bank_may_call_returns_a_figure_of_the_result(
        world: World, issued: Issued) -> None:
    calls = _calls(world, issued)
    assert {"results:get", "rating:get", "report:get", "results:preview"} <= {
        fn for fn, _ in calls}
    texts = {k: v.decode("latin-1") for k, v in issued.private().items()}
    leaks = []
    for who in ("bank-admin", "bank-client"):
        for target in ((), *((m,) for m in MEMBERS)):
            for fn, args in calls:
                _ok, text = _answer(world, world.who[who], fn, args, target)
                leaks += [(who, target, fn, args, k) for k, t in texts.items() if t in text]
    assert not leaks, leaks[:10]
    # the same questions from the regulator's client do reveal them
    shown = ""
    for fn, args in calls:
        if fn in ("results:get", "rating:get", "report:get") and args[-1]:
            ok, text = _answer(world, world.who["regulator-client"], fn, args, ())
            assert ok, (fn, args, text)
            shown += text
    missing = [k for k, t in texts.items() if t not in shown and "raw" not in k]
    assert not missing, missing
