"""No transaction that writes answers a private value.

A submitted transaction's answer (the endorsed response payload) is written into every
peer's block, the bank's included, so whatever a writing function returns is public.
This walks a whole flow on the MemoryLedger seam, from governance and readings through a
result, its attestation, a rating, an issued report, a bank's consent (granted, used,
revoked) and the withdrawals, records every call,
and checks every call that wrote anything: its answer holds none of the values the private
collections hold after the flow (each decimal figure as a JSON string, every salt, nonce
and batch root in hex), except values public state holds too. No list of functions to
keep in step: a new writing function in the flow is checked as it comes.

The same search finds those values in ``results:get`` and ``rating:get`` answers (reads,
evaluated on a member's peer, never in a block), so it can fail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from chaincode.carbon._codec import iso_time

from . import report_world
from . import results_world as rw
from .conftest import E1, World
from .ledger import Result

DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
HEX = re.compile(r"[0-9a-f]{32,}")
SECRET_KEYS = ("salt", "nonce", "root")
ZEROS = re.compile(r"[0.]+")


def _leaves(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(key, string) of every string leaf of a JSON value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v, key)
    elif isinstance(value, str):
        yield key, value


def _json_values(state: dict[tuple[str, str], bytes], private: bool) -> Iterator[Any]:
    for (collection, _key), raw in state.items():
        if (collection != "") == private:
            try:
                yield json.loads(raw)
            except ValueError:
                continue


def needles(w: World) -> dict[str, bytes]:
    """The private collections' figures and secrets, as the bytes an answer would hold."""
    public = {s for v in _json_values(w.ledger.state, False) for _k, s in _leaves(v)}
    found: dict[str, bytes] = {}
    for value in _json_values(w.ledger.state, True):
        for key, s in _leaves(value):
            if s in public:
                continue
            if key in SECRET_KEYS and HEX.fullmatch(s):
                found[f"{key} {s}"] = s.encode()
            elif DECIMAL.fullmatch(s) and len(s) >= 3 and not ZEROS.fullmatch(s):
                found[f"figure {s}"] = json.dumps(s).encode()   # as a JSON string
    return found


@pytest.fixture
def flow(world: World, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Result]]:
    calls: list[tuple[str, Result]] = []
    real = world.ledger.invoke

    def recording(identity: Any, fn: str, *args: str | bytes,
                  transient: dict[str, bytes] | None = None) -> Result:
        res = real(identity, fn, *args, transient=transient)
        calls.append((fn, res))
        return res
    monkeypatch.setattr(world.ledger, "invoke", recording)
    rw.prepare(world)
    result = rw.compute(world)
    assert rw.attest(world, result).status == 200
    assert rw.rate(world).status == 200
    issued = report_world.issue(world, report_world.report(world))
    assert issued.status == 200, issued.message
    period = (E1, rw.START, rw.END)
    rid = issued.json()["id"]
    world.ok("ent1", "consent:grant", json.dumps({
        "consent_id": "c-1", "uscc": E1, "bank": "BankMSP", "report_id": rid,
        "period": {"start": rw.START, "end": rw.END},
        "expires": iso_time(world.ledger.clock + 3600, 0)}))
    world.ok("bank-client", "consent:access", E1, rid)
    world.ok("ent1", "consent:revoke", E1, rid, "BankMSP", "c-1")
    world.ok("regulator-client", "report:withdraw", *period, "1", "superseded by audit")
    world.ok("certifier-client", "attestation:withdraw", *period, "1", "meter fault")
    return calls


def test_no_writing_function_answers_a_private_value(world: World,
                                                     flow: list[tuple[str, Result]]) -> None:
    secret = needles(world)
    kinds = {name.split(" ")[0] for name in secret}
    assert kinds == {"salt", "nonce", "root", "figure"}, kinds
    writers = {fn for fn, res in flow if res.status == 200 and res.writes}
    assert {"readings:submit_batch", "readings:correct", "operating:declare",
            "results:compute", "attestation:attest", "rating:compute", "report:issue",
            "report:withdraw", "attestation:withdraw", "governance:activate",
            "consent:grant", "consent:access", "consent:revoke"} <= writers
    leaks = [(fn, name) for fn, res in flow if res.status == 200 and res.writes
             for name, n in secret.items() if n in res.payload]
    assert not leaks, leaks[:10]


def test_the_search_finds_them_in_the_reads(world: World,
                                            flow: list[tuple[str, Result]]) -> None:
    secret = needles(world)
    result = world.ok("regulator-client", "results:get", E1, rw.START, rw.END, "1")
    shown = b"".join(res.payload for fn, res in flow
                     if fn in ("results:get", "rating:get") and res.status == 200)
    for value in (result["record"]["result"]["total_tco2e"], result["record"]["salt"],
                  result["record"]["inputs"]["totals"]["totals"]["electricity"]["quantity"]):
        name = next(k for k in secret if k.endswith(" " + value))
        assert secret[name] in shown, name
    intensities = [v for _k, v in _leaves(result["record"]["result"].get("intensities"))
                   if f"figure {v}" in secret]
    assert intensities and all(secret[f"figure {v}"] in shown for v in intensities)
