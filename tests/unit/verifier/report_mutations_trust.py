"""Mutation kinds of the trust chain: cosignatures, the attestation's certificate and
signature, key bindings and the trusted roots (see :mod:`.report_mutations`)."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

import notary
from verifier import THRESHOLD, binding_statement, canonical, make_binding

from .bundle_factory import Honest, sign_checkpoint, signer
from .export_factory import CHANNEL
from .pki import MSPS, make_ca, make_org, orgs

Yield = Iterator[tuple[Any, ...]]


def dumps(v: Any) -> bytes:
    return json.dumps(v, ensure_ascii=False).encode("utf-8")


def _lines(note: str) -> tuple[str, list[str]]:
    body, _, sigs = note.partition("\n\n")
    return body, [s for s in sigs.split("\n") if s]


def _join(body: str, sigs: list[str]) -> str:
    return body + "\n\n" + "".join(s + "\n" for s in sigs)


def cosignature(h: Honest) -> Yield:
    b = h.bundle
    note = b["checkpoint"]
    body, sigs = _lines(note)
    for i, line in enumerate(sigs):
        if len(sigs) == THRESHOLD:  # with a fourth signature, one fewer still proves it
            b["checkpoint"] = _join(body, sigs[:i] + sigs[i + 1:])
            yield (f"checkpoint signature {i} dropped", frozenset({"THRESHOLD"}),
                   h.report_bytes, dumps(b))
        prefix, _, sig = line.rpartition(" ")
        raw = bytearray(base64.b64decode(sig))
        for at in (4, len(raw) - 1):  # the signature itself; (0..3 is the key id)
            raw[at] ^= 0x01
            b["checkpoint"] = _join(body, sigs[:i] + [f"{prefix} {base64.b64encode(raw).decode()}"]
                                    + sigs[i + 1:])
            yield (f"checkpoint signature {i}: byte {at} changed",
                   frozenset({"COSIGNATURE_UNKNOWN_KEY"}), h.report_bytes, dumps(b))
            raw[at] ^= 0x01
        raw[0] ^= 0x01
        b["checkpoint"] = _join(body, sigs[:i] + [f"{prefix} {base64.b64encode(raw).decode()}"]
                                + sigs[i + 1:])
        yield (f"checkpoint signature {i}: key id changed",
               frozenset({"COSIGNATURE_UNKNOWN_KEY"}), h.report_bytes, dumps(b))
    stranger = notary.Signer("BankMSP/notary", b"\x77" * 32)
    b["checkpoint"] = _join(body, sigs + _lines(notary.sign_note(body + "\n", stranger))[1])
    yield ("checkpoint: a line by an unbound key added", frozenset({"COSIGNATURE_UNKNOWN_KEY"}),
           h.report_bytes, dumps(b))
    # the same three organisations sign another log of the same size (a split view)
    leaves = list(h.leaves)
    leaves[0] = leaves[1]
    tree = notary.MemoryTree.from_entries(leaves)
    b["checkpoint"] = sign_checkpoint(tree, len(leaves), [signer(m) for m in h.signers])
    yield ("checkpoint re-signed over another log",
           frozenset({"ENTRY_PROOF", "CHECKPOINT_INCONSISTENT"}),
           h.report_bytes, dumps(b))
    b["checkpoint"] = sign_checkpoint(h.tree, len(h.leaves), [signer(m) for m in
                                                              h.signers[:THRESHOLD - 1]])
    yield ("checkpoint signed by two organisations", frozenset({"THRESHOLD"}),
           h.report_bytes, dumps(b))
    b["checkpoint"] = note


def _reattest(att: dict[str, Any], cert_pem: bytes, key: Any) -> None:
    st = att["statement"]
    st["verifier"]["certificate_fingerprint"] = __import__(
        "cryptography.x509", fromlist=["x"]).load_pem_x509_certificate(cert_pem).fingerprint(
        hashes.SHA256()).hex()
    att["certificate"] = cert_pem.decode("ascii")
    att["signature"] = base64.b64encode(key.sign(canonical(st), ec.ECDSA(hashes.SHA256()))
                                        ).decode()


def attestation(h: Honest) -> Yield:
    b = h.bundle
    att = b["records"]["attestation"]
    saved = copy.deepcopy(att)
    certifier = orgs()["CertifierMSP"]
    peer = certifier.issue("peer0.certifier", ("peer",))
    foreign = orgs()["BankMSP"].identities["client"]
    rogue = make_org("CertifierMSP").identities["client"]  # another CA calling itself so
    for what, ident in (("a BankMSP client", foreign), ("a CertifierMSP peer", peer),
                        ("a rogue CA's CertifierMSP client", rogue)):
        _reattest(att, ident.cert_pem, ident.key)
        yield (f"attestation re-signed by {what}", frozenset({"ATTESTATION_UNTRUSTED"}),
               h.report_bytes, dumps(b))
        att.clear()
        att.update(copy.deepcopy(saved))
    other = certifier.issue("User2@CertifierMSP", ("client",))
    att["signature"] = base64.b64encode(other.key.sign(   # type: ignore[union-attr]
        canonical(att["statement"]), ec.ECDSA(hashes.SHA256()))).decode()
    yield ("attestation signed by another CertifierMSP key", frozenset(
        {"ATTESTATION_SIGNATURE"}), h.report_bytes, dumps(b))
    att.clear()
    att.update(saved)


def binding(h: Honest) -> Yield:
    b = h.bundle
    bindings = b["key_bindings"]
    saved = copy.deepcopy(bindings)
    for i, bd in enumerate(saved):
        mspid = bd["statement"]["mspid"]
        verifier = notary.Verifier.from_text(bd["statement"]["verifier_key"])
        client = orgs()[mspid].identities["client"]
        other = orgs()[MSPS[(MSPS.index(mspid) + 1) % 4]].identities["admin"]
        stmt = binding_statement(CHANNEL, mspid, verifier)
        for what, ident in (("its client", client), ("another organisation's admin", other)):
            bindings[i] = make_binding(stmt, ident.cert_pem, ident.key_pem)
            yield (f"key_bindings[{i}] ({mspid}) signed by {what}",
                   frozenset({"BINDING_UNTRUSTED"}), h.report_bytes, dumps(b))
        bindings[i] = make_binding(binding_statement("other", mspid, verifier),
                                   orgs()[mspid].identities["admin"].cert_pem,
                                   orgs()[mspid].identities["admin"].key_pem)
        yield (f"key_bindings[{i}] ({mspid}) for another channel",
               frozenset({"BINDING_UNTRUSTED"}), h.report_bytes, dumps(b))
        bindings[i] = saved[i]
        del bindings[i]
        yield (f"key_bindings[{i}] ({mspid}) dropped", frozenset({"COSIGNATURE_UNKNOWN_KEY"}),
               h.report_bytes, dumps(b))
        bindings.insert(i, saved[i])


def roots(h: Honest) -> Yield:
    for mspid in MSPS:
        for what, certs in (("replaced by another CA", [make_ca(mspid).cert]),
                            ("missing", None)):
            trusted = {m: list(c) for m, c in h.roots.items()}
            if certs is None:
                del trusted[mspid]
            else:
                trusted[mspid] = certs
            yield (f"trusted roots of {mspid} {what}", frozenset({"ROOTS_UNTRUSTED"}),
                   h.report_bytes, h.bundle_bytes, trusted)
