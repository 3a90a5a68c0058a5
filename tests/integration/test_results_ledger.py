"""Readings -> totals -> results compute -> attest -> rating on real peers (issue 13).

A fresh network of this module's own (PORT_BASE). The factor and rule sets are put in force
through governance; the meter gateway records a quarter's readings; the enterprise declares
its operating data; then the installed ``carbontrust`` command computes the result (as the
regulator), the certifier attests it (statement signed with its own key), and the result is
rated. Refusals on the way: the bank computes nothing, the regulator cannot attest, a result
version is attested once. Last, one organisation's chaincode server is restarted from a
copy of the sources whose factor set has another southern grid factor: the result
transaction then fails endorsement and the command names the field and both values.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import accounting
from accounting import readings as rd
from chaincode.carbon._codec import canonical

from .carbon_world import (
    END,
    FACTOR_SET,
    RULE_SET,
    START,
    World,
    at,
    carbon_network,
    prepare_results,
    submit_readings,
)

PORT_BASE = 20000
REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "carbontrust"
COMMAND = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "gateway.cli"]
PERIOD = ("--from", START, "--to", END)
TAMPERED = "0.9999"


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    for net in carbon_network("it-test_results_ledger", PORT_BASE):
        w = World(net)
        prepare_results(w)
        yield w
        w.s.close()


def cli(w: World, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARBONTRUST_RUN_DIR": str(w.net.run_dir)}
    env.pop("CARBONTRUST_PROFILE", None)
    proc = subprocess.run([*COMMAND, *argv], cwd=REPO, env=env, capture_output=True,
                          timeout=300, check=False, text=True)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def wait_all(w: World) -> None:
    w.wait_everywhere(max(w.net.ledger_height(o.key) for o in w.net.layout.orgs) - 1)


def test_readings_to_rating(world: World) -> None:
    w = world
    r = cli(w, "results", "compute", w.e1, *PERIOD)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    rec = out["record"]
    assert rec["version"] == 1 and rec["computed"]["by"]["mspid"] == "RegulatorMSP"
    totals = w.evaluate("certifier-client", "account:totals", w.e1, START, END)
    assert rec["inputs"]["totals"]["totals"] == totals["totals"]
    assert totals["totals"]["electricity"]["quantity"] == "8448"
    assert accounting.verify_result(rec["accounting_input"], canonical(rec["result"]))
    assert out["digest"] == "sha256:" + hashlib.sha256(canonical(rec)).hexdigest()
    wait_all(w)
    for org in ("CertifierMSP", "PowerMSP"):   # every member peer holds the same record
        r = cli(w, "results", "get", w.e1, *PERIOD, "--as", org)
        assert r.returncode == 0 and json.loads(r.stdout) == out, r.stderr
    r = cli(w, "results", "get", w.e1, *PERIOD, "--as", "BankMSP")
    assert r.returncode == 1 and "results.read" in r.stderr

    r = cli(w, "results", "compute", w.e1, *PERIOD, "--as", "BankMSP")
    assert r.returncode == 1 and "refused by rule results.compute" in r.stderr, r.stderr
    r = cli(w, "attest", w.e1, *PERIOD, "--assurance", "reasonable", "--opinion",
            "unmodified", "--as", "RegulatorMSP")
    assert r.returncode == 1 and "refused by rule attestation.attest" in r.stderr, r.stderr

    r = cli(w, "attest", w.e1, *PERIOD, "--assurance", "reasonable", "--opinion",
            "unmodified", "--verifier-name", "Example Verification Co.",
            "--accreditation", "CNAS (illustrative)", "--date", "2024-03-01")
    assert r.returncode == 0, r.stderr
    att = json.loads(r.stdout)
    s = att["statement"]
    assert s["result"] == {"version": 1, "digest": out["digest"]}
    cert = x509.load_pem_x509_certificate(att["certificate"].encode())
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(base64.b64decode(att["signature"]), canonical(s), ec.ECDSA(hashes.SHA256()))
    assert cert.public_bytes(serialization.Encoding.PEM) == w.who["certifier-client"].cert_pem
    wait_all(w)
    r = cli(w, "attestation", "get", w.e1, *PERIOD, "--as", "BankMSP")
    assert r.returncode == 0 and json.loads(r.stdout) == att, r.stderr
    r = cli(w, "attest", w.e1, *PERIOD, "--assurance", "limited", "--opinion", "qualified")
    assert r.returncode == 1 and "attested already" in r.stderr, r.stderr

    r = cli(w, "rating", "compute", w.e1, *PERIOD, "--as", "CertifierMSP")
    assert r.returncode == 0, r.stderr
    rating = json.loads(r.stdout)
    expected = accounting.rate_result(
        accounting.compute(rec["accounting_input"]), accounting.load_rule_set(RULE_SET),
        accounting.load_benchmark_set(accounting.DEFAULT_BENCHMARK_SET), "C38").to_dict()
    assert rating["rating"] == expected and rating["rating"]["label"] is not None
    assert rating["attestation"]["opinion"] == "unmodified"
    assert rating["result"] == {"version": 1, "digest": out["digest"]}


def tampered_sources(tmp: Path) -> Path:
    """A copy of the chaincode sources whose cn-2023.1 has another southern grid factor
    (its manifest entry updated, so the set loads: another deployment's data)."""
    root = tmp / "tampered"
    shutil.copytree(REPO / "chaincode", root / "chaincode",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "accounting", root / "accounting",
                    ignore=shutil.ignore_patterns("__pycache__"))
    toml = root / "accounting" / "data" / "factors" / f"{FACTOR_SET}.toml"
    text = toml.read_text("utf-8")
    section = text.index("[grid.southern]")
    value = text.index('value = "0.4042"', section)
    toml.write_text(text[:value] + f'value = "{TAMPERED}"' + text[value + 16:], "utf-8")
    probe = subprocess.run(
        [sys.executable, "-c", "from accounting._data import parse_document as p; import sys;"
         f"print(p('factors', '{FACTOR_SET}', open(sys.argv[1], 'rb').read()).digest)",
         str(toml)], cwd=root, capture_output=True, text=True, check=True)
    manifest = root / "accounting" / "data" / "MANIFEST.json"
    doc: dict[str, Any] = json.loads(manifest.read_text("utf-8"))
    doc["factors"][FACTOR_SET] = probe.stdout.strip()
    manifest.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", "utf-8")
    return root


def test_an_endorser_with_another_factor_value_fails_endorsement_naming_it(
        world: World, tmp_path: Path) -> None:
    w, net = world, world.net
    submit_readings(w, [rd.Reading(w.m1, w.e1, at("2023-03-20"), "electricity", Decimal("7"),
                                   "kWh", "measured")])
    wait_all(w)
    name = "ccserver.regulator"
    net.cc_root = tampered_sources(tmp_path)
    try:
        net.sup.stop(name)
        net.sup.start(net.spec(name))
        net.wait_ready(name)
        r = cli(w, "-vv", "results", "compute", w.e1, *PERIOD)
        assert r.returncode == 1, (r.returncode, r.stderr)
        assert "the endorsers disagree on results:compute, nothing was written" in r.stderr
        # the gateway's own evidence (-vv): which peer's answer did not match
        assert "ProposalResponsePayloads do not match" in r.stderr, r.stderr
        assert (f'factors[0].value: CertifierMSP says "0.4042", RegulatorMSP says '
                f'"{TAMPERED}"') in r.stderr, r.stderr
        r = cli(w, "results", "get", w.e1, *PERIOD, "--as", "CertifierMSP")
        assert json.loads(r.stdout)["record"]["version"] == 1     # nothing was written
    finally:
        net.cc_root = REPO
        net.refresh_chaincode()
    r = cli(w, "results", "compute", w.e1, *PERIOD)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["record"]["version"] == 2
