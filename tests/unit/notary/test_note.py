"""Signed notes: known answers from golang.org/x/mod/sumdb/note and C2SP, exact round
trips, unknown keys ignored, malformed notes named by line, cosignature layout."""

from __future__ import annotations

import base64
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from notary import (
    COSIGNATURE_V1,
    ED25519,
    FormatError,
    Note,
    SignatureError,
    Signer,
    Verifier,
    key_id,
    sign_note,
    verify_note,
)

DASH = "\u2014"
# Public known-answer vectors (golang.org/x/mod/sumdb/note tests; C2SP signed-note example).
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"  # noqa: E501
PETER_SIG = f"{DASH} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"  # noqa: E501
ENOCH_SIG = f"{DASH} EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"  # noqa: E501
SPEC_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
SPEC_NOTE = f"This is an example message.\n\n{DASH} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"  # noqa: E501


def test_go_signing_vector_is_byte_exact() -> None:
    signer = Signer.from_text(GO_SKEY)
    assert signer.to_text() == GO_SKEY
    assert signer.verifier.to_text() == GO_VKEY
    assert signer.key_id == 0xC74F20A3
    assert sign_note(GO_TEXT, signer) == GO_TEXT + "\n" + PETER_SIG


def test_spec_example_verifies_and_round_trips() -> None:
    v = Verifier.from_text(SPEC_VKEY)
    assert v.to_text() == SPEC_VKEY and v.alg == ED25519
    note = verify_note(SPEC_NOTE, [v])
    assert note.text == "This is an example message.\n"
    assert note.format() == SPEC_NOTE


def test_unknown_key_is_ignored_not_trusted_not_an_error() -> None:
    peter, enoch = Verifier.from_text(GO_VKEY), Verifier.from_text(ENOCH_VKEY)
    text = GO_TEXT + "\n" + PETER_SIG + ENOCH_SIG
    note = Note.parse(text)
    assert note.format() == text
    assert note.verified_by([peter]) == [peter]  # EnochRoot unknown: skipped
    assert note.verified_by([peter, enoch]) == [peter, enoch]
    with pytest.raises(SignatureError, match="no signature by a trusted key"):
        verify_note(text, [])
    # same name, other key id: unknown too (not an error)
    stranger = Signer("PeterNeumann", b"\x07" * 32).verifier
    assert note.verified_by([stranger]) == []


def test_bad_signature_by_known_key_is_an_error() -> None:
    peter = Verifier.from_text(GO_VKEY)
    forged = GO_TEXT.replace("cryptography", "blockchain") + "\n" + PETER_SIG
    with pytest.raises(SignatureError) as err:
        verify_note(forged, [peter])
    assert err.value.key_name == "PeterNeumann"


@pytest.mark.parametrize(
    ("note", "line", "reason"),
    [
        (GO_TEXT + PETER_SIG, 0, "no blank line"),
        (GO_TEXT + "\n" + PETER_SIG.replace(DASH, "-"), 4, "must start with"),
        (GO_TEXT + "\n" + PETER_SIG + "- extra\n", 5, "must start with"),
        (GO_TEXT + "\n" + PETER_SIG[:-1], 4, "missing final newline"),
        (GO_TEXT + "\n" + f"{DASH} PeterNeumann not*base64\n", 4, "bad base64"),
        (GO_TEXT + "\n" + f"{DASH} PeterNeumann AAAA\n", 4, "shorter"),
        (GO_TEXT + "\n" + f"{DASH} Peter Neumann AAAAAAA=\n", 4, "expected"),
        (GO_TEXT + "\n" + f"{DASH} Peter+Neumann AAAAAAA=\n", 4, "without spaces or '+'"),
        ("tab\there\n\n" + PETER_SIG, 1, "control character"),
        (GO_TEXT + "\n" + PETER_SIG.replace("x08go", "x08go\r"), 4, "control character"),
    ],
)
def test_malformed_note_names_the_line(note: str, line: int, reason: str) -> None:
    with pytest.raises(FormatError) as err:
        Note.parse(note)
    assert err.value.line == line
    assert reason in err.value.reason
    if line:
        assert f"line {line}" in str(err.value)


def test_not_utf8_and_too_many_signatures() -> None:
    with pytest.raises(FormatError, match="UTF-8"):
        Note.parse(b"\xff\n\n" + PETER_SIG.encode())
    with pytest.raises(FormatError, match="more than 100"):
        Note.parse(GO_TEXT + "\n" + PETER_SIG * 101)
    assert len(Note.parse(GO_TEXT + "\n" + PETER_SIG * 16).signatures) == 16


def test_key_text_checks() -> None:
    good = Verifier.from_text(GO_VKEY)
    for bad in (
        GO_VKEY.replace("c74f20a3", "c74f20a4"),  # id does not match the key
        GO_VKEY[:-4],
        "PeterNeumann+c74f20a3",
        GO_VKEY.replace("+ARpc", "+AhRpc"),
    ):
        with pytest.raises(FormatError):
            Verifier.from_text(bad)
    assert good.key_id == key_id("PeterNeumann", ED25519, good.public)
    with pytest.raises(FormatError):
        Signer.from_text(GO_VKEY)
    signer = Signer.from_text(GO_SKEY)
    hex8 = f"{signer.key_id:08x}"
    for bad, why in (
        (GO_SKEY.replace(hex8, f"{signer.key_id ^ 1:08x}"), "does not match the key"),
        (GO_SKEY.replace(hex8, hex8[:7]), "expected PRIVATE"),
        (GO_SKEY[:-8], "1 \\+ 32 bytes|base64"),
    ):
        with pytest.raises(FormatError, match=why):
            Signer.from_text(bad)
    with pytest.raises(FormatError):
        Signer("has space", b"\x01" * 32)


def test_base64_with_plus_round_trips() -> None:
    for seed in range(256):
        v = Signer("plus.example/k", bytes([seed]) * 32).verifier
        if "+" in v.to_text().split("+", 2)[2]:
            assert Verifier.from_text(v.to_text()) == v
            return
    pytest.fail("no key with '+' in its base64")  # pragma: no cover


def test_cosignature_layout_and_type_separation() -> None:
    w = Signer("witness.example/w1", b"\x22" * 32, COSIGNATURE_V1)
    body = "log.example\n5\n" + base64.b64encode(b"\x01" * 32).decode() + "\n"
    sig = w.sign(body, 1_700_000_123)
    assert len(sig.signature) == 72
    assert struct.unpack(">Q", sig.signature[:8])[0] == 1_700_000_123
    message = b"cosignature/v1\ntime 1700000123\n" + body.encode()
    Ed25519PublicKey.from_public_bytes(w.verifier.public).verify(sig.signature[8:], message)
    assert w.verifier.timestamp(sig.signature) == 1_700_000_123
    # the same key as a plain Ed25519 signer has another key id: never confused
    plain = Signer("witness.example/w1", b"\x22" * 32)
    assert plain.key_id != w.key_id
    assert w.key_id == key_id("witness.example/w1", COSIGNATURE_V1, w.verifier.public)
    note = Note.parse(body + "\n" + sig.line())
    assert note.verified_by([w.verifier]) == [w.verifier]
    assert note.verified_by([plain.verifier]) == []
    with pytest.raises(ValueError):
        w.sign(body)  # a cosignature needs a time


def test_signing_needs_a_final_newline() -> None:
    with pytest.raises(FormatError):
        sign_note("no newline", Signer("a.example", b"\x01" * 32))
