"""Privacy of metered readings on the real network (issue 11): after ingestion through the
real submitter (``carbontrust readings submit``, meter gateway Meter1) and a correction, the
bank can reach no raw reading and no total by any path.

* **its peer's files**: every file under the bank peer's data directory (block files, state
  database, private data store, history, transient store, ...) and its logs, LevelDB tables
  and journals decoded (tests/integration/ledger_files.py), hold none of the values in the
  forms the system writes them (the decimal text, the slot's tail, the canonical leaf line,
  the per-day total deltas, the batch root, the salt, the correction's reason) nor in forms a
  careless change could write them (fixed-point integers, unsalted SHA-256 of the text, the
  RFC 9162 leaf hash; hex and raw).  The same search of the power company's peer finds
  every written form (so the search can fail), before and after both peers restart (the
  restart turns LevelDB journals into Snappy-compressed tables).
* **its endorser**: with the endorser's debug log on (the peers' operations endpoint,
  ``/logspec``), every proposal a peer receives is logged with its transaction id (from
  the signature check on); the bank peer's log names none of the submitter's or the
  correction's transactions, each member's names every one of them, and one evaluation on
  the bank's peer is named in its log (so the search can fail).  By transaction id, not by
  counting proposals: the notary followers' own transactions reach the bank's endorser.
* **what its identities can call**: every function of the deployed contract (walked from
  the dispatcher's table, so a new function is covered without editing this test),
  evaluated by the bank's admin and client on the bank's own peer and targeted at each
  member's peer, with arguments naming the readings (meter, interval, batch id, enterprise,
  days): no answer holds a value, a total, the root or the salt; the regulator's client,
  with the same arguments, gets them (so the arguments do reveal).

Its own network (PORT_BASE), fresh each run.
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest

import gateway as g
import notary
from accounting import readings as rd

from . import ledger_files
from .carbon_world import Who, World, carbon_network

PORT_BASE = 19500
REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "carbontrust"
COMMAND = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "gateway.cli"]
MEMBERS = ("PowerMSP", "CertifierMSP", "RegulatorMSP")
DAY0 = datetime.datetime(2026, 8, 3, tzinfo=rd.CHINA)   # in the past: intervals have ended
REASON = "meter Q7 recalibrated after seal inspection 4471-zeta"


def quantity(n: int) -> Decimal:
    """A distinctive value: ten digits from SHA-256, six of them fractional, never ending
    in 0 (so its canonical text keeps all of them)."""
    digits = int.from_bytes(hashlib.sha256(b"privacy-%d" % n).digest()[:8], "big") % 10**9
    return Decimal(digits * 10 + n % 9 + 1) / 10**6


@dataclass
class Ingested:
    readings: list[rd.Reading]
    corrected: rd.Reading
    batch_ids: list[str]
    roots: list[str]
    salts: list[bytes]
    totals: dict[str, str]                      # what account:totals returns, by range
    deltas: list[str]                           # the per-(day, tx) deltas stored
    fix_salt: bytes                             # the correction's
    tx_ids: list[str]                           # the batches' and the correction's
    log_from: dict[str, int] = field(default_factory=dict)   # each peer's log before them

    def written(self) -> dict[str, bytes]:
        """The forms the contract writes (the members' peers hold them)."""
        out: dict[str, bytes] = {}
        for r in [*self.readings, self.corrected]:
            leaf = rd.encode(r)
            out[f"text {r.interval_start}"] = rd.quantity_text(r.quantity).encode()
            out[f"tail {r.interval_start}"] = leaf.split(b",", 3)[3]
        for d in self.deltas:
            out[f"delta {d}"] = d.encode()
        for root in self.roots:
            out[f"root {root}"] = root.encode()
        for salt in self.salts:      # the batches' (their records keep them)
            out[f"salt {salt.hex()}"] = salt.hex().encode()
        out["reason"] = REASON.encode()
        return out

    def careless(self) -> dict[str, bytes]:
        """Forms nothing should write anywhere: searched on the bank only."""
        out: dict[str, bytes] = {}
        for r in [*self.readings, self.corrected]:
            leaf, text = rd.encode(r), rd.quantity_text(r.quantity).encode()
            out[f"leaf {r.interval_start}"] = leaf
            out[f"fixed {r.interval_start}"] = str(int(r.quantity * 10**6)).encode()
            for what, h in (("sha256(text)", hashlib.sha256(text).digest()),
                            ("sha256(leaf)", hashlib.sha256(leaf).digest()),
                            ("leaf hash", notary.leaf_hash(leaf))):
                out[f"{what} {r.interval_start}"] = h
                out[f"{what} hex {r.interval_start}"] = h.hex().encode()
        for name, t in self.totals.items():
            out[f"total {name}"] = t.encode()
            out[f"sha256(total) hex {name}"] = hashlib.sha256(t.encode()).hexdigest().encode()
        for root in self.roots:
            out[f"root raw {root}"] = bytes.fromhex(root)
        for salt in [*self.salts, self.fix_salt]:
            out[f"salt raw {salt.hex()}"] = salt
        out[f"salt {self.fix_salt.hex()}"] = self.fix_salt.hex().encode()   # never kept
        return out


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    for net in carbon_network("it-test_readings_privacy", PORT_BASE):
        w = World(net)
        yield w
        w.s.close()


ORG_KEYS = {"PowerMSP": "power", "CertifierMSP": "certifier", "RegulatorMSP": "regulator",
            "BankMSP": "bank"}


def endorser_debug(w: World, mspid: str) -> None:
    """Turn the peer's endorser logger to debug (it then logs every proposal's txID)."""
    url = f"http://{w.info['orgs'][mspid]['ops_endpoint']}/logspec"
    with urllib.request.urlopen(url, timeout=10) as r:
        spec = json.loads(r.read())["spec"]
    req = urllib.request.Request(url, method="PUT", data=json.dumps(
        {"spec": f"{spec}:endorser=debug"}).encode())
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status in (200, 204), r.status


def peer_log(w: World, mspid: str) -> Path:
    return w.net.run_dir / "logs" / f"peer0.{ORG_KEYS[mspid]}.log"


def logged_tx_ids(text: str) -> set[str]:
    """The (8-character) transaction ids a peer log names."""
    return set(re.findall(r"txID=([0-9a-f]{8})", text))


def cli(w: World, ingest: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARBONTRUST_RUN_DIR": str(w.net.run_dir),
           "CARBONTRUST_INGEST_DIR": str(ingest)}
    env.pop("CARBONTRUST_PROFILE", None)
    return subprocess.run([*COMMAND, *argv], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def ingested(world: World, tmp_path_factory: pytest.TempPathFactory) -> Ingested:
    """Two days of meter m1 (two batches of 96) through the submitter, then one correction
    on the second day."""
    readings = [rd.Reading(world.m1, world.e1, DAY0 + n * datetime.timedelta(minutes=15),
                           "electricity", quantity(n), "kWh") for n in range(192)]
    tmp = tmp_path_factory.mktemp("privacy")
    lines = ["meter_id,uscc,interval_start,source,quantity,unit,quality"]
    lines += [f"{r.meter_id},{r.uscc},{r.interval_start.isoformat()},electricity,"
              f"{rd.quantity_text(r.quantity)},kWh,measured" for r in readings]
    (tmp / "readings.csv").write_text("\n".join(lines) + "\n")
    peers = (*MEMBERS, "BankMSP")
    for m in peers:
        endorser_debug(world, m)
    offsets = {m: peer_log(world, m).stat().st_size for m in peers}
    r = cli(world, tmp / "ingest", "readings", "submit", str(tmp / "readings.csv"),
            "--batch-size", "96")
    assert r.returncode == 0, r.stderr
    located = [world.evaluate("regulator-client", "readings:locate", world.m1,
                              readings[i].interval_start.isoformat()) for i in (0, 96)]
    batch_ids = [x["batch_id"] for x in located]
    assert len(set(batch_ids)) == 2, located
    salts = [journal_salt(tmp / "ingest", b) for b in batch_ids]
    old = readings[100]
    new = rd.Reading(old.meter_id, old.uscc, old.interval_start, "electricity",
                     quantity(1000), "kWh")
    fix_salt = hashlib.sha256(b"privacy-correction-salt").digest()
    _res, fix_tx, _block = world.submit_full(
        "gateway", "readings:correct", orgs=MEMBERS, transient={
            "reading": rd.encode(new), "batch_id": batch_ids[1].encode(),
            "reason": REASON.encode(), "salt": fix_salt})
    days = [(DAY0 + datetime.timedelta(days=d)).date().isoformat() for d in (0, 1)]
    totals = {}
    for name, (frm, to) in {"day0": (days[0], days[0]), "day1": (days[1], days[1]),
                            "both": (days[0], days[1])}.items():
        got = world.evaluate("regulator-client", "account:totals", world.e1, frm, to)
        totals[name] = got["totals"]["electricity"]["quantity"]
    want1 = sum(r.quantity for r in readings[96:]) - old.quantity + new.quantity
    assert totals["day1"] == rd.quantity_text(want1)
    # as the contract writes them (str of the exact Decimal sum)
    deltas = [str(sum(r.quantity for r in readings[:96])),
              str(sum(r.quantity for r in readings[96:])), str(new.quantity - old.quantity)]
    return Ingested(readings, new, batch_ids, [x["root"] for x in located],
                    salts, totals, deltas, fix_salt,
                    [*journal_tx_ids(tmp / "ingest"), fix_tx], offsets)


def journal_salt(ingest: Path, batch_id: str) -> bytes:
    """The salt the submitter drew for a committed batch (its journal)."""
    import sqlite3
    with sqlite3.connect(ingest / "journal.sqlite") as db:
        cols = [c[1] for c in db.execute("PRAGMA table_info(batch)")]
        row = db.execute("SELECT * FROM batch WHERE batch_id = ?", (batch_id,)).fetchone()
    assert row is not None, f"batch {batch_id} not in the journal"
    return bytes(dict(zip(cols, row, strict=True))["salt"])


def journal_tx_ids(ingest: Path) -> list[str]:
    """The transaction ids the submitter sent its batches as (its journal)."""
    import sqlite3
    with sqlite3.connect(ingest / "journal.sqlite") as db:
        ids = [row[0] for row in db.execute("SELECT tx_id FROM batch WHERE tx_id IS NOT NULL")]
    assert len(ids) == 2, ids
    return ids


def test_the_submitter_never_sends_a_proposal_to_the_bank_peer(world: World,
                                                               ingested: Ingested) -> None:
    short = {t[:8] for t in ingested.tx_ids}
    # the submitter's default: PowerMSP endorses every batch, the certifier or the
    # regulator each in turn (the correction, sent to all three, is in every member's log)
    _until_logged(world, {"PowerMSP": ingested.log_from["PowerMSP"]}, short)
    _until_logged(world, {m: ingested.log_from[m] for m in ("CertifierMSP", "RegulatorMSP")},
                  short)
    bank = _tail(world, "BankMSP", ingested.log_from["BankMSP"])
    assert not short & logged_tx_ids(bank)
    # a proposal that does reach the bank's peer is named in its log
    offset = peer_log(world, "BankMSP").stat().st_size
    proposal = world.s.contract(world.who["bank-client"]).new_proposal("identity:whoami")
    proposal.evaluate()
    _until_logged(world, {"BankMSP": offset}, {proposal.transaction_id[:8]})


def _tail(w: World, mspid: str, offset: int) -> str:
    """A peer's log from offset (the log must not have rotated since: it would hide lines)."""
    path = peer_log(w, mspid)
    assert path.stat().st_size >= offset, f"{path} rotated during the test"
    with path.open("rb") as f:
        f.seek(offset)
        return f.read().decode("utf-8", "replace")


def _until_logged(w: World, offsets: dict[str, int], short: set[str]) -> None:
    """Wait (the supervisor pumps node output into the log) until the logs of these peers,
    each from its offset, name them between them."""
    def named() -> set[str]:
        return set().union(*(logged_tx_ids(_tail(w, m, at)) for m, at in offsets.items()))

    deadline = time.monotonic() + 10
    while not short <= named():
        assert time.monotonic() < deadline, (sorted(offsets), short - named())
        time.sleep(0.2)


def _search(w: World, org: str, needles: dict[str, bytes]) -> dict[str, list[str]]:
    data = w.net.run_dir / "data" / f"peer0.{org}"
    found = ledger_files.find(data, list(needles.values()))
    for log in (f"peer0.{org}.log", f"ccserver.{org}.log"):
        path = w.net.run_dir / "logs" / log
        if path.is_file():
            text = path.read_bytes()
            for n in needles.values():
                if n in text:
                    found[n].append(f"logs/{log}")
    return {name: found[n] for name, n in needles.items()}


def _check_files(w: World, ing: Ingested, when: str) -> None:
    every = {**ing.written(), **ing.careless()}
    bank = {k: v for k, v in _search(w, "bank", every).items() if v}
    assert not bank, f"{when}: the bank peer's files hold {bank}"
    power = _search(w, "power", ing.written())
    missing = [k for k, v in power.items() if not v]
    assert not missing, f"{when}: the search does not find on the power peer: {missing}"


def test_the_bank_peers_files_hold_no_reading_and_no_total(world: World,
                                                           ingested: Ingested) -> None:
    last = world.net.ledger_height("power") - 1
    world.wait_everywhere(last)
    _check_files(world, ingested, "running")
    for name in ("peer0.power", "peer0.bank"):
        world.net.stop_node(name)
        world.net.start_node(name)
    _until_answering(world, ("power-client", "bank-client"))
    tables = [n for n, _ in ledger_files.views(world.net.run_dir / "data" / "peer0.power")
              if n.endswith("#entries")]
    assert any("pvtdataStore" in n for n in tables), tables   # journals became tables
    _check_files(world, ingested, "after a restart")
    power = _search(world, "power", ingested.written())
    in_tables = [k for k, where in power.items() if any("#entries" in x for x in where)]
    assert in_tables, power   # what the tables hold is found there, decoded


def _until_answering(w: World, whos: tuple[str, ...], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    for who in whos:
        while True:
            try:
                w.evaluate(who, "identity:whoami")
                break
            except g.GatewayError:
                assert time.monotonic() < deadline, f"{who}'s peer does not answer"
                time.sleep(0.5)


# -- every function the bank may call ---------------------------------------------------
def _arguments(ing: Ingested, w: World) -> dict[str, list[str]]:
    """Values for each parameter name, the ones naming the readings first."""
    day0, day1 = (DAY0 + datetime.timedelta(days=d) for d in (0, 1))
    return {
        "uscc": [w.e1], "meter_id": [w.m1],
        "interval_start": [ing.readings[5].interval_start.isoformat(),
                           ing.corrected.interval_start.isoformat()],
        "batch_id": ing.batch_ids,
        "from_date": [day0.date().isoformat()], "to_date": [day1.date().isoformat()],
        "period_start": [day0.date().isoformat()], "period_end": [day1.date().isoformat()],
        "kind": ["factor_set"], "version": ["cn-2023"], "digest": ["0" * 64],
        "page_size": ["100"], "bookmark": [""], "status": ["active"], "reason": ["probe"],
        "record_json": [json.dumps({"uscc": w.e1})], "changes_json": ['{"name":"x"}'],
        "policy_json": ['{"orgs":["BankMSP"],"required":1}'],
        "cert_pem": [w.who["bank-client"].cert_pem.decode()],
        "cert_pem_or_fingerprint": [w.who["bank-client"].cert_pem.decode()],
    }


def _calls(ing: Ingested, w: World) -> list[tuple[str, list[str]]]:
    from chaincode.carbon import contracts
    from chaincode.shim import Dispatcher
    known = _arguments(ing, w)
    anything = [w.e1, w.m1, *ing.batch_ids, ing.readings[5].interval_start.isoformat(),
                DAY0.date().isoformat()]
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


def _probe_transient(ing: Ingested) -> dict[str, bytes]:
    """What a bank would send to fish for recorded values: other values for the recorded
    intervals (an endorser comparing them could answer with the recorded one)."""
    guess = [rd.Reading(r.meter_id, r.uscc, r.interval_start, "electricity", Decimal("1.5"),
                        "kWh") for r in ing.readings[:96]]
    return {"batch": rd.encode_batch(guess), "reading": rd.encode(guess[5]),
            "batch_id": ing.batch_ids[0].encode(), "reason": b"probe", "salt": bytes(32)}


def _answer(w: World, who: Who, fn: str, args: list[str], transient: dict[str, bytes],
            target: tuple[str, ...]) -> tuple[bool, str]:
    try:
        raw = w.s.contract(who).evaluate(fn, args, transient=transient,
                                         endorsing_organizations=target)
        return True, raw.decode("utf-8", "replace")
    except g.GatewayError as exc:
        return False, str(exc)


def test_no_function_the_bank_may_call_returns_a_reading_or_a_total(
        world: World, ingested: Ingested) -> None:
    calls = _calls(ingested, world)
    fns = {fn for fn, _ in calls}
    assert {"readings:locate", "readings:get_batch", "account:totals"} <= fns, fns
    transient = _probe_transient(ingested)
    private = {**ingested.written(), **ingested.careless()}
    texts = {k: v.decode("latin-1") for k, v in private.items()}
    leaks = []
    for who in ("bank-admin", "bank-client"):
        for target in ((), *((m,) for m in MEMBERS)):
            for fn, args in calls:
                _ok, text = _answer(world, world.who[who], fn, args, transient, target)
                leaks += [(who, target, fn, args, k) for k, t in texts.items() if t in text]
    assert not leaks, leaks[:10]
    # the same questions from the regulator's client do reveal them
    shown = ""
    for fn, args in calls:
        if fn in ("readings:locate", "readings:get_batch", "account:totals"):
            ok, text = _answer(world, world.who["regulator-client"], fn, args, {}, ())
            assert ok, (fn, args, text)
            shown += text
    c = ingested.corrected
    for k in (f"text {ingested.readings[5].interval_start}", f"tail {c.interval_start}",
              f"root {ingested.roots[0]}"):
        assert texts[k] in shown, k
    assert ingested.totals["both"] in shown
