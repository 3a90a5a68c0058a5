"""Generated hostile input: whatever the bytes, the answer is a value or a ProofError.

Valid notes, keys, bodies and bundles are mutated (inserted, deleted, replaced and repeated
spans, with surrogates, NULs, signs, huge numbers, JSON brackets) and fed to every parser,
signer and verifier, and to the CLI as files. Any other exception is a defect; for the CLI,
exit 2 ("usage error") on file contents is one too. The long runs recorded in
docs/notary.md used the same strategies with more examples.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notary import (
    COSIGNATURE_V1,
    Checkpoint,
    MemoryTree,
    Note,
    Policy,
    ProofBundle,
    ProofError,
    Signer,
    Verifier,
    Witness,
    sign_note,
    verify_bundle,
    verify_consistency,
    verify_inclusion,
    verify_note,
)
from notary._cli import main

ORIGIN = "carbontrust.example/audit"
LOG = Signer(ORIGIN, b"\x10" * 32)
ORG = Signer("power.example/witness", b"\x20" * 32, COSIGNATURE_V1)
POLICY = Policy(ORIGIN, (ORG.verifier,), 1, (LOG.verifier,))
TREE = MemoryTree.from_entries(b"e%d" % i for i in range(7))
NOTE = Witness(ORG, {ORIGIN: [LOG.verifier]}).cosign(
    sign_note(Checkpoint(ORIGIN, 7, TREE.root(), ("ext",)).body(), LOG), [], 100
)
BUNDLE = ProofBundle.build(3, TREE.inclusion_proof(3, 7), NOTE, extra=b"x")
SEEDS = [NOTE, BUNDLE.to_text(), BUNDLE.to_json(), LOG.to_text(), LOG.verifier.to_text(),
         Checkpoint(ORIGIN, 7, TREE.root()).body()]  # fmt: skip
SPECIAL = ["\n", "\n\n", "\u2014 ", " ", "+", "-", "0", "9" * 30, "\ud800", "\udcff", "\x00",
           "{", "[", '"', "=", "18446744073709551616", "1e400", "\u0665",
           '{"a": ' * 50]  # fmt: skip
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
FRAGMENT = st.one_of(st.text(ANY_CHAR, max_size=5), st.sampled_from(SPECIAL))
SETTINGS = settings(max_examples=300, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> str:
    s = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(s)))
        j = draw(st.integers(i, min(len(s), i + 20)))
        op, piece = draw(st.integers(0, 3)), draw(FRAGMENT)
        s = (s[:i] + piece + s[i:], s[:i] + s[j:], s[:i] + piece + s[j:],
             s[:i] + s[i:j] * draw(st.integers(0, 3)) + s[j:])[op]  # fmt: skip
    return s


def _raw(s: str) -> bytes:
    return s.encode("utf-8", "surrogatepass")  # surrogates become invalid UTF-8 bytes


def _witness() -> Witness:
    return Witness(ORG, {ORIGIN: [LOG.verifier]}, {ORIGIN: Checkpoint(ORIGIN, 5, TREE.root(5))})


ENTRY_POINTS: dict[str, Callable[[str], object]] = {
    "Note.parse": Note.parse,
    "Note.parse bytes": lambda s: Note.parse(_raw(s)),
    "verify_note": lambda s: verify_note(s, [LOG.verifier, ORG.verifier]),
    "Checkpoint.from_body": Checkpoint.from_body,
    "Verifier.from_text": Verifier.from_text,
    "Signer.from_text": Signer.from_text,
    "ProofBundle.parse": ProofBundle.parse,
    "ProofBundle.parse bytes": lambda s: ProofBundle.parse(_raw(s)),
    "Policy.verify": lambda s: POLICY.verify(s, 200),
    "Witness.cosign": lambda s: _witness().cosign(s, TREE.consistency_proof(5, 7), 100),
    "verify_bundle": lambda s: verify_bundle(ProofBundle.parse(s), b"e3", POLICY, 200),
    "sign_note": lambda s: sign_note(s, LOG),
    "Signer(name)": lambda s: Signer(s, b"\x01" * 32).to_text(),
    "Verifier(name)": lambda s: Verifier(s, b"\x01" * 32).to_text(),
    "Checkpoint(lines)": lambda s: Checkpoint(
        s.split("\n")[0] or "x", 1, TREE.root(1), tuple(x for x in s.split("\n")[1:] if x)
    ),
}


@SETTINGS
@given(mutated())
def test_parsers_signers_and_verifiers_raise_only_proof_errors(text: str) -> None:
    for name, call in ENTRY_POINTS.items():
        try:
            call(text)
        except ProofError:
            pass
        except Exception as exc:  # the defect this test exists to find
            pytest.fail(f"{name} raised {type(exc).__name__}: {exc!r} on {text!r}")


SIZES = st.one_of(st.integers(-3, 70), st.sampled_from([2**63, 2**64 - 1, 2**64, 10**30]))


@SETTINGS
@given(SIZES, SIZES, st.lists(st.binary(max_size=40), max_size=70), st.binary(max_size=40),
       st.binary(max_size=40))  # fmt: skip
def test_proof_checks_raise_only_proof_errors(
    a: int, b: int, proof: list[bytes], h1: bytes, h2: bytes
) -> None:
    for check in (lambda: verify_inclusion(h1, a, b, proof, h2),
                  lambda: verify_consistency(a, b, proof, h1, h2),
                  lambda: TREE.consistency_proof(a, b), lambda: TREE.inclusion_proof(a, b),
                  lambda: ProofBundle.build(a, proof, NOTE),
                  lambda: Checkpoint(ORIGIN, a, h1)):  # fmt: skip
        with contextlib.suppress(ProofError):  # anything else fails the test
            check()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("fuzz")
    for name, text in (("log.key", LOG.to_text()), ("log.vkey", LOG.verifier.to_text()),
                       ("org.key", ORG.to_text()), ("org.vkey", ORG.verifier.to_text()),
                       ("cp", NOTE)):  # fmt: skip
        (d / name).write_text(text)
    (d / "e").write_bytes(b"e3")
    (d / "entries").write_bytes(b"".join(b"e%d\n" % i for i in range(7)))
    assert main(["append", "--db", str(d / "log.db"), "--lines", str(d / "entries")]) == 0
    return d


def _commands(d: Path, f: Path) -> list[list[str]]:
    state = d / "w.state"
    state.unlink(missing_ok=True)
    cosign = ["cosign", "--db", str(d / "log.db"), "--key", str(d / "org.key"), "--log-key",
              str(d / "log.vkey"), "--time", "100", "--out", str(d / "out")]  # fmt: skip
    return [
        ["verify", "--bundle", str(f), "--entry", str(d / "e"), "--origin", ORIGIN,
         "--threshold", "1", "--witness", str(d / "org.vkey"), "--log-key", str(d / "log.vkey"),
         "--time", "200"],
        [*cosign, "--state", str(state), str(f)],
        [*cosign, "--state", str(f), str(d / "cp")],  # the file as the witness's state
        ["verify", "--bundle", str(f), "--entry", str(d / "e"), "--origin", ORIGIN,
         "--threshold", "1", "--witness", str(f), "--time", "200"],  # the file as a key
        ["checkpoint", "--db", str(d / "log.db"), "--origin", ORIGIN, "--key", str(f),
         "--out", str(d / "out")],
        ["prove", "--db", str(d / "log.db"), "--index", "3", "--checkpoint", str(f),
         "--out", str(d / "out")],
    ]  # fmt: skip


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(text=mutated(), surrogates_as_bytes=st.booleans())
def test_cli_answers_hostile_files_with_exit_0_or_1(
    files: Path, capsys: pytest.CaptureFixture[str], text: str, surrogates_as_bytes: bool
) -> None:
    f = files / "in"
    f.write_bytes(_raw(text) if surrogates_as_bytes else text.encode("utf-8", "replace"))
    if not surrogates_as_bytes:  # also as JSON, where a surrogate survives as \ud800
        f.write_text(json.dumps({"format": "c2sp.org/tlog-proof@v1", "index": 3, "proof": [
            base64.b64encode(h).decode() for h in BUNDLE.proof], "checkpoint": text}))
    for argv in _commands(files, f):
        rc = main(argv)
        err = capsys.readouterr().err
        assert rc in (0, 1), (argv[0], rc, err)
