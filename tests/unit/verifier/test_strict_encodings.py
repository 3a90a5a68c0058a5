"""One value, one text: inputs whose text differs from the canonical encoding of the value
they decode to are refused (found by the report mutation corpus: a changed last base64
character or text appended after a certificate was accepted as the same value)."""

from __future__ import annotations

import base64
import json

import pytest

from verifier import AuditCheckError, BindingError, check_binding_signature, check_export

from .export_factory import build_export, make_world, timestamp


def _padding_twin(text: str) -> str:
    """The same bytes with an unused bit of the last base64 character set."""
    pad = len(text) - len(text.rstrip("="))
    assert pad, "needs a padded base64 text"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    i = len(text) - pad - 1
    twin = text[:i] + alphabet[alphabet.index(text[i]) ^ 1] + text[i + 1:]
    assert base64.b64decode(twin) == base64.b64decode(text) and twin != text
    return twin


def test_binding_signature_with_unused_bits_refused() -> None:
    world = make_world()
    binding = dict(next(b for b in world.bindings if b["signature"].endswith("=")))
    check_binding_signature(binding)
    binding["signature"] = _padding_twin(binding["signature"])
    with pytest.raises(BindingError, match="not canonical"):
        check_binding_signature(binding)


@pytest.mark.parametrize("extra", ["0", "-----END CERTIFICATE-----\n", "garbage\n"])
def test_binding_certificate_with_text_around_it_refused(extra: str) -> None:
    binding = dict(make_world().bindings[0])
    binding["certificate"] = binding["certificate"] + extra
    with pytest.raises(BindingError, match="other text around it"):
        check_binding_signature(binding)


def test_binding_certificate_with_crlf_line_ends_accepted() -> None:
    binding = dict(make_world().bindings[0])
    binding["certificate"] = binding["certificate"].replace("\n", "\r\n")
    check_binding_signature(binding)


def test_binding_certificate_with_a_broken_name_refused_not_crashed() -> None:
    binding = dict(make_world().bindings[0])
    pem = binding["certificate"]
    body = "".join(pem.splitlines()[1:-1])
    der = bytearray(base64.b64decode(body))
    at = der.find(b"PowerMSP")  # inside the subject or issuer name: break its string type
    der[at - 2] = 0x05
    text = base64.b64encode(bytes(der)).decode()
    binding["certificate"] = ("-----BEGIN CERTIFICATE-----\n" + "\n".join(
        text[i:i + 64] for i in range(0, len(text), 64)) + "\n-----END CERTIFICATE-----\n")
    with pytest.raises(BindingError):
        check_binding_signature(binding)


def test_export_proof_hash_with_unused_bits_refused() -> None:
    world = make_world()
    x = build_export(world, timestamp(10), timestamp(20))
    check_export(json.dumps(x).encode(), world.roots)
    x["entries"][0]["proof"][0] = _padding_twin(x["entries"][0]["proof"][0])
    with pytest.raises(AuditCheckError, match="FORMAT .*canonical base64"):
        check_export(json.dumps(x).encode(), world.roots)
