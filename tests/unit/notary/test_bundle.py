"""Proof bundles (C2SP tlog-proof text and JSON): exact round trips and offline checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from notary import (
    COSIGNATURE_V1,
    Checkpoint,
    FormatError,
    IndexOutOfRangeError,
    Log,
    Policy,
    PolicyError,
    ProofBundle,
    RootMismatchError,
    Signer,
    Witness,
    sign_note,
    verify_bundle,
)

ORIGIN = "carbontrust.example/audit"
LOG_KEY = Signer(ORIGIN, b"\x10" * 32)
ORGS = [Signer(f"org{i}.example/w", bytes([0x30 + i]) * 32, COSIGNATURE_V1) for i in range(4)]
POLICY = Policy(ORIGIN, tuple(o.verifier for o in ORGS), 3, (LOG_KEY.verifier,))
ENTRIES = [b"reading-batch-root-%d" % i for i in range(21)]


@pytest.fixture()
def bundle(tmp_path: Path) -> ProofBundle:
    with Log.open(tmp_path / "log.db") as log:
        log.append(ENTRIES)
        note = sign_note(Checkpoint(ORIGIN, log.size, log.root()).body(), LOG_KEY)
        for org in ORGS[:3]:
            note = Witness(org, {ORIGIN: [LOG_KEY.verifier]}).cosign(note, [], 1_800_000_000)
        return ProofBundle.build(13, log.inclusion_proof(13, log.size), note, extra=b"ctx")


def test_text_and_json_round_trip_exactly(bundle: ProofBundle) -> None:
    text = bundle.to_text()
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra Y3R4\nindex 13\n")
    assert ProofBundle.from_text(text) == bundle == ProofBundle.parse(text)
    assert ProofBundle.from_text(text).to_text() == text
    js = bundle.to_json()
    assert ProofBundle.from_json(js) == bundle == ProofBundle.parse(js.encode())
    assert ProofBundle.from_json(js).to_json() == js
    plain = ProofBundle.build(13, bundle.proof, bundle.checkpoint)
    assert "extra" not in plain.to_text() and ProofBundle.from_text(plain.to_text()) == plain


def test_bundle_verifies_offline_with_entry_and_keys_only(bundle: ProofBundle) -> None:
    got = verify_bundle(ProofBundle.parse(bundle.to_text()), ENTRIES[13], POLICY)
    assert got.checkpoint.size == len(ENTRIES) and len(got.cosigners) == 3


def test_bundle_refusals(bundle: ProofBundle) -> None:
    with pytest.raises(RootMismatchError):
        verify_bundle(bundle, ENTRIES[12], POLICY)  # another entry
    with pytest.raises(RootMismatchError):
        verify_bundle(ProofBundle.build(12, bundle.proof, bundle.checkpoint), ENTRIES[13], POLICY)
    with pytest.raises(IndexOutOfRangeError):
        verify_bundle(ProofBundle.build(21, bundle.proof, bundle.checkpoint), ENTRIES[13], POLICY)
    strict = Policy(ORIGIN, POLICY.witnesses, 4, POLICY.log_keys)
    with pytest.raises(PolicyError):
        verify_bundle(bundle, ENTRIES[13], strict)


@pytest.mark.parametrize(
    ("mutate", "line"),
    [
        (lambda t: t.replace("c2sp.org/tlog-proof@v1", "tlog-proof", 1), 1),
        (lambda t: t.replace("index 13", "index 013", 1), 3),
        (lambda t: t.replace("index 13", "idx 13", 1), 3),
        (lambda t: t.replace("\nindex 13\n", "\nindex 13\nAAAA\n", 1), 4),
        (lambda t: t.replace("extra Y3R4", "extra Y3R", 1), 2),
    ],
)
def test_malformed_bundle_names_the_line(
    bundle: ProofBundle, mutate: Callable[[str], str], line: int
) -> None:
    with pytest.raises(FormatError) as err:
        ProofBundle.from_text(mutate(bundle.to_text()))
    assert err.value.line == line


def test_malformed_checkpoint_inside_bundle_is_reported_at_bundle_line(bundle: ProofBundle) -> None:
    text = bundle.to_text()
    broken = text.replace("\u2014 org0", "- org0", 1)
    with pytest.raises(FormatError) as err:
        ProofBundle.from_text(broken)
    assert broken.split("\n")[err.value.line - 1].startswith("- org0")


def test_malformed_json(bundle: ProofBundle) -> None:
    for bad in ("{", '{"format": "x"}', bundle.to_json().replace('"index": 13', '"index": "13"')):
        with pytest.raises(FormatError):
            ProofBundle.from_json(bad)
