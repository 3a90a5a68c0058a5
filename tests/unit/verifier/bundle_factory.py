"""An honest report and proof bundle built without a network (the test seam for
``verify_report``; also used by bench/bench_verify.py).

The records are those of tests/unit/verifier/report/records.py (real ``accounting``
figures), made to cite a ledger: each month's readings are one metered batch (the first
month's electricity also one correction), the attestation is signed by a CertifierMSP
client certificate of the generated MSPs (:mod:`.pki`), and every transaction the report
relies on is an audit leaf of an in-memory log (:class:`notary.MemoryTree`) among other
enterprises' entries. Checkpoint A (the report's ``ledger.checkpoint``) covers the records;
the report is issued after it, and checkpoint B, cosigned by three organisations, covers
the report's own entry. Only the ledger (transaction ids, times, salts) is made up.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

import accounting
import notary
from verifier import audit_leaf, canonical, make_bundle, origin
from verifier.report import build_report, canonical_bytes, report_digest

from .export_factory import CHANNEL, _binding, sign_checkpoint, signer
from .pki import MSPS, orgs, roots_of
from .report import records

ORIGIN = origin(CHANNEL)
SIGNERS = ("CertifierMSP", "PowerMSP", "RegulatorMSP")


def tx(n: int) -> str:
    return f"{n:064x}"


def ts(n: int) -> str:
    return f"2024-02-{1 + n // 1000:02d}T{(n // 60) % 24:02d}:{n % 60:02d}:00.{n:09d}Z"


def commit(salt: str, value: bytes) -> str:
    return "sha256:" + hashlib.sha256(bytes.fromhex(salt) + value).hexdigest()


def digest(value: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical(value)).hexdigest()


@dataclass
class Honest:
    report: dict[str, Any]
    report_bytes: bytes
    bundle: dict[str, Any]
    leaves: list[bytes]
    tree: notary.MemoryTree
    roots: dict[str, Any]
    entries: list[dict[str, Any]]   # the log's audit entries, in log order
    size_a: int                     # the report's ledger.checkpoint size
    signers: tuple[str, ...]
    few: bool = False               # mutation corpora: fewer variants per field

    @property
    def bundle_bytes(self) -> bytes:
        return json.dumps(self.bundle, ensure_ascii=False).encode("utf-8")


def _deltas(result: dict[str, Any], first_tx: int) -> tuple[list[dict[str, Any]], list[str]]:
    """One batch per month (day 15), and a correction of 0.5 kWh in the first month."""
    deltas, batches = [], []
    for n, (month, m) in enumerate(sorted(result["inputs"]["monthly"].items())):
        sources = copy.deepcopy(m["totals"])
        t = tx(first_tx + n)
        if n == 0 and "electricity" in sources:
            q = Decimal(sources["electricity"]["quantity"]) - Decimal("0.5")
            sources["electricity"]["quantity"] = format(q, "f")
        deltas.append({"tx_id": t, "day": f"{month}-15", "kind": "batch",
                       "root": hashlib.sha256(t.encode()).hexdigest(), "sources": sources})
        batches.append(t)
        if n == 0 and "electricity" in sources:
            deltas.append({"tx_id": tx(first_tx + 99), "day": f"{month}-20",
                           "kind": "correction", "root": None,
                           "sources": {"electricity": {"quantity": "0.5", "readings": 0,
                                                       "unit": "kWh"}}})
    return deltas, batches


def _attestation(result: dict[str, Any], tx_id: str, when: str) -> dict[str, Any]:
    att = records.attestation_record(result)
    client = orgs()["CertifierMSP"].identities["client"]
    pem = client.cert_pem.decode("ascii")
    st = att["statement"]
    st["verifier"]["certificate_fingerprint"] = client.cert.fingerprint(hashes.SHA256()).hex()
    key = client.key
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    sig = key.sign(canonical(st), ec.ECDSA(hashes.SHA256()))
    att.update(statement_digest=digest(st), signature=base64.b64encode(sig).decode(),
               certificate=pem, attested={"tx_id": tx_id, "timestamp": when})
    return att


def _entry(n: int, name: str, keys: dict[str, Any], digests: dict[str, Any] | None = None,
           commitments: dict[str, Any] | None = None, mspid: str = "RegulatorMSP",
           fingerprint: str = "11" * 32) -> dict[str, Any]:
    return {"v": 1, "entry": name, "tx_id": tx(n), "timestamp": ts(n),
            "actor": {"mspid": mspid, "kind": "client", "fingerprint": fingerprint},
            "keys": keys, "digests": digests or {}, "commitments": commitments or {}}


def _noise(n: int) -> dict[str, Any]:
    return _entry(n, "registry.update", {"uscc": "91310000200000000B"},
                  {"record": "sha256:" + f"{n:02x}" * 32})


def make_honest(months: int = 12,
                rule_sets: tuple[str, ...] = ("gz-ae-d1", "qz-4c-d1", "zj-ce-2023"),
                signers: tuple[str, ...] = SIGNERS,
                ledger_lies: Callable[[dict[str, Any]], None] | None = None,
                attester: str = "CertifierMSP") -> Honest:
    """The honest report and bundle of a ``months``-month period of 2023.

    ``ledger_lies``: edits the result record (its deltas included) before anything commits
    to it (a dishonest ledger: every digest, signature and checkpoint then agrees with the
    lie). ``attester``: the MSP the attestation's entry names as its submitter."""
    result = records.result_record(months)
    deltas, batches = _deltas(result, 100)
    op_salt, batch_salt = "0f" * 16, {b: f"{i + 1:02x}" * 16 for i, b in enumerate(batches)}
    rkeys = {"uscc": result["uscc"], "period_start": result["period"]["start"],
             "period_end": result["period"]["end"]}
    entries: list[dict[str, Any]] = [_noise(1), _noise(2)]
    fs = result["inputs"]["factor_set"]
    fs["activated_tx"] = tx(10)
    entries.append(_entry(10, "governance.activate", {"kind": "factor_set",
                                                       "version": fs["version"]},
                          {"content": fs["digest"], "proposal": "sha256:" + "aa" * 32}))
    result["inputs"]["deltas"] = deltas
    if ledger_lies is not None:
        ledger_lies(result)
    for d in deltas:
        n = int(d["tx_id"], 16)
        if d["kind"] == "batch":
            entries.append(_entry(n, "readings.submit", {"batch_id": d["tx_id"], "count": 3,
                                                         "recorded": 3, "duplicate": False},
                                  commitments={"batch": commit(batch_salt[d["tx_id"]],
                                                               bytes.fromhex(d["root"]))},
                                  mspid="PowerMSP"))
        else:
            entries.append(_entry(n, "readings.correct", {"batch_id": tx(100),
                                                          "correction": d["tx_id"]},
                                  commitments={"reading": "sha256:" + "cc" * 32},
                                  mspid="PowerMSP"))
        entries.append(_noise(n + 500))
    op = result["inputs"]["operating_data"]
    op["tx_id"] = tx(250)
    entries.append(_entry(250, "operating.declare", rkeys, commitments={
        "declaration": commit(op_salt, canonical(op["declaration"]))}))
    result["computed"] = {"tx_id": tx(260), "timestamp": ts(260),
                          "by": {"mspid": "RegulatorMSP", "kind": "client",
                                 "fingerprint": "11" * 32}}
    entries.append(_entry(260, "results.compute", {**rkeys, "version": 1,
                                                   "factor_set": fs["version"]},
                          commitments={"result": digest(result)}))
    att = _attestation(result, tx(270), ts(270))
    st = att["statement"]
    entries.append(_entry(270, "attestation.attest", {
        **rkeys, "version": 1, "assurance": st["assurance"], "opinion": st["opinion"]},
        {"attestation": digest(att), "statement": att["statement_digest"],
         "result": digest(result)}, mspid=attester,
        fingerprint=st["verifier"]["certificate_fingerprint"]))
    ratings = []
    for i, version in enumerate(rule_sets):
        rs = accounting.load_rule_set(version)
        entries.append(_entry(280 + i, "governance.activate", {"kind": "rule_set",
                                                               "version": version},
                              {"content": rs.digest, "proposal": "sha256:" + "bb" * 32}))
        r = records.rating_record(result, att, version, i)
        r["rule_set"]["activated_tx"] = tx(280 + i)
        r["rated"] = {"tx_id": tx(290 + i), "timestamp": ts(290 + i),
                      "by": {"mspid": "CertifierMSP", "kind": "client",
                             "fingerprint": st["verifier"]["certificate_fingerprint"]}}
        entries.append(_entry(290 + i, "rating.compute", {**rkeys, "version": 1,
                                                          "rule_set": version},
                              commitments={"rating": digest(r)}))
        ratings.append(r)
    entries.append(_noise(296))
    leaves = [audit_leaf(5 + k // 2, k % 2, e["tx_id"], e) for k, e in enumerate(entries)]
    size_a = len(leaves)
    tree_a = notary.MemoryTree.from_entries(leaves)
    root_a = base64.b64encode(tree_a.root(size_a)).decode()
    report = build_report({"result": {"digest": digest(result), "record": result},
                           "attestation": att, "ratings": ratings,
                           "report": {"version": 1, "supersedes": None, "status": "valid"},
                           "ledger": {"channel": CHANNEL, "checkpoint": {
                               "origin": ORIGIN, "size": size_a, "root": root_a}}})
    rd = report_digest(report)
    entries.append(_entry(400, "report.issue", {**rkeys, "version": 1,
                                                "report_id": report["report"]["id"],
                                                "status": "valid"}, {"report": rd}))
    entries.append(_noise(401))
    leaves.append(audit_leaf(60, 0, tx(400), entries[-2]))
    leaves.append(audit_leaf(60, 1, tx(401), entries[-1]))
    tree = notary.MemoryTree.from_entries(leaves)
    size = len(leaves)
    note = sign_checkpoint(tree, size, [signer(m) for m in signers])
    wanted = {e["tx_id"] for e in entries if not e["entry"].startswith("registry.")}
    relied = [(i, leaves[i], tree.inclusion_proof(i, size))
              for i, e in enumerate(entries) if e["tx_id"] in wanted]
    bindings = [_binding(m, 0) for m in MSPS]
    roots = roots_of(orgs())
    pems = {m: [c.public_bytes(serialization.Encoding.PEM).decode() for c in cs]
            for m, cs in roots.items()}
    bundle = make_bundle(
        channel=CHANNEL, report_id=report["report"]["id"], report_digest=rd,
        report_tx_id=tx(400), result=result, attestation=att, ratings=ratings,
        operating_salt=op_salt, batch_salts=batch_salt, entries=relied, checkpoint=note,
        report_checkpoint_proof=tree.consistency_proof(size_a, size), key_bindings=bindings,
        msp_roots=pems)
    bundle = json.loads(json.dumps(bundle))  # no object shared with the report or records
    report = json.loads(json.dumps(report))
    return Honest(report, canonical_bytes(report), bundle, leaves, tree, roots, entries,
                  size_a, signers)


def reissue(h: Honest, report: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """``report`` issued as the honest one was (a dishonest issuer): its own entry with its
    digest, a new checkpoint cosigned by the same organisations, new proofs."""
    data = canonical_bytes(report)
    rd = "sha256:" + hashlib.sha256(data).hexdigest()
    found = report.get("report")
    section: dict[str, Any] = found if isinstance(found, dict) else {}
    entry = copy.deepcopy(h.entries[h.size_a])
    entry["keys"].update(report_id=section.get("id"), version=section.get("version"))
    entry["digests"] = {"report": rd}
    previous = section.get("supersedes")
    if isinstance(previous, dict):
        entry["digests"]["supersedes"] = previous.get("digest")
    leaves = [*h.leaves[:h.size_a], audit_leaf(60, 0, entry["tx_id"], entry),
              *h.leaves[h.size_a + 1:]]
    tree = notary.MemoryTree.from_entries(leaves)
    size = len(leaves)
    bundle = copy.deepcopy(h.bundle)
    bundle["report"].update(id=section.get("id"), digest=rd)
    for e in bundle["entries"]:
        e["proof"] = [base64.b64encode(p).decode() for p in
                      tree.inclusion_proof(e["index"], size)]
        if e["index"] == h.size_a:
            e["leaf"] = leaves[h.size_a].decode("utf-8")
    bundle["checkpoint"] = sign_checkpoint(tree, size, [signer(m) for m in h.signers])
    bundle["report_checkpoint_proof"] = [base64.b64encode(p).decode() for p in
                                         tree.consistency_proof(h.size_a, size)]
    return data, bundle
