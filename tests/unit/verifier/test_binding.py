"""Notary key bindings: signed by the org's admin, checked against the MSP's roots."""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

import notary
from verifier import (
    BindingError,
    RootsError,
    binding_statement,
    check_binding_chain,
    check_binding_signature,
    load_msp_roots,
    make_binding,
)

from .pki import Org, make_ca, orgs, roots_of

CHANNEL = "carbon"


def _binding(org: Org, who: str = "admin", mspid: str | None = None) -> tuple[dict[str, Any],
                                                                              notary.Signer]:
    mspid = mspid or org.mspid
    signer = notary.Signer(f"{mspid}/notary", bytes(range(32)))
    ident = org.identities[who]
    return make_binding(binding_statement(CHANNEL, mspid, signer.verifier), ident.cert_pem,
                        ident.key_pem), signer


def test_honest_binding_passes_both_checks() -> None:
    org = orgs()["PowerMSP"]
    b, signer = _binding(org)
    assert check_binding_signature(b) == signer.verifier
    assert check_binding_chain(b, roots_of(orgs())) == signer.verifier
    assert b["statement"]["origin"] == "carbontrust.audit/carbon"


def _mutated(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    b, _ = _binding(orgs()["PowerMSP"])
    b = copy.deepcopy(b)
    target = b
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = value
    return b


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("statement", "channel"), "other"),  # origin no longer matches
        (("statement", "v"), 2),
        (("statement", "v"), True),
        (("statement", "v"), 1.0),  # equal to 1, but not canonical JSON
        (("statement", "kind"), "something-else"),
        (("statement", "mspid"), "BankMSP"),  # key name no longer matches
        (("statement", "origin"), "carbontrust.audit/other"),
        (("statement", "verifier_key"), "garbage"),
        (("statement", "extra"), 1),
        (("certificate",), "not pem"),
        (("signature",), "!!"),
        (("extra",), 1),
    ],
)
def test_malformed_bindings_refused(path: tuple[str, ...], value: Any) -> None:
    with pytest.raises(BindingError) as info:
        check_binding_signature(_mutated(path, value))
    assert info.value.code == "format"


def test_verifier_key_must_be_named_for_the_msp_and_plain_ed25519() -> None:
    org = orgs()["PowerMSP"]
    admin = org.identities["admin"]
    for signer in (notary.Signer("PowerMSP/witness", bytes(32)),
                   notary.Signer("PowerMSP/notary", bytes(32), notary.COSIGNATURE_V1)):
        statement = binding_statement(CHANNEL, "PowerMSP", signer.verifier)
        with pytest.raises(BindingError, match="expected"):
            make_binding(statement, admin.cert_pem, admin.key_pem)


def test_changed_statement_fails_the_signature() -> None:
    b, _ = _binding(orgs()["PowerMSP"])
    other = notary.Signer("PowerMSP/notary", bytes([9]) * 32)
    b["statement"]["verifier_key"] = other.verifier.to_text()
    with pytest.raises(BindingError) as info:
        check_binding_signature(b)
    assert info.value.code == "signature" and info.value.mspid == "PowerMSP"


def test_signature_by_another_certificate_fails() -> None:
    b, _ = _binding(orgs()["PowerMSP"])
    b["certificate"] = orgs()["PowerMSP"].identities["client"].cert_pem.decode()
    with pytest.raises(BindingError) as info:
        check_binding_signature(b)
    assert info.value.code == "signature"
    flipped = base64.b64decode(_binding(orgs()["PowerMSP"])[0]["signature"])
    b2, _ = _binding(orgs()["PowerMSP"])
    b2["signature"] = base64.b64encode(flipped[:-1] + bytes([flipped[-1] ^ 1])).decode()
    with pytest.raises(BindingError):
        check_binding_signature(b2)


def test_make_binding_refuses_a_key_that_is_not_the_certificates() -> None:
    org = orgs()["PowerMSP"]
    signer = notary.Signer("PowerMSP/notary", bytes(32))
    with pytest.raises(BindingError, match="not the key"):
        make_binding(binding_statement(CHANNEL, "PowerMSP", signer.verifier),
                     org.identities["admin"].cert_pem, org.identities["client"].key_pem)


def test_client_certificate_is_not_an_admin() -> None:
    b, _ = _binding(orgs()["PowerMSP"], who="client")
    check_binding_signature(b)  # signed correctly ...
    with pytest.raises(BindingError, match="not an admin") as info:
        check_binding_chain(b, roots_of(orgs()))  # ... but not by an admin
    assert info.value.code == "untrusted"


def test_admin_of_another_msp_cannot_bind_for_this_one() -> None:
    b, _ = _binding(orgs()["BankMSP"], mspid="PowerMSP")  # Bank's admin claims Power's key
    check_binding_signature(b)
    with pytest.raises(BindingError, match="not issued by a root of PowerMSP") as info:
        check_binding_chain(b, roots_of(orgs()))
    assert info.value.code == "untrusted"


def test_self_made_ca_is_not_trusted() -> None:
    rogue = Org("PowerMSP", make_ca("PowerMSP", "rogue"))
    rogue.identities["admin"] = rogue.issue("Admin@PowerMSP", ("admin",))
    b, _ = _binding(rogue)
    with pytest.raises(BindingError, match="not issued by a root") as info:
        check_binding_chain(b, roots_of(orgs()))
    assert info.value.code == "untrusted"
    # an intermediate issued by the real root is not a root: only direct issuance counts
    org = orgs()["PowerMSP"]
    inter = org.issue("intermediate", ())
    indirect = org.issue("Admin2@PowerMSP", ("admin",), issuer=inter)
    statement = binding_statement(CHANNEL, "PowerMSP", notary.Signer("PowerMSP/notary",
                                                                     bytes(32)).verifier)
    with pytest.raises(BindingError, match="not issued by a root"):
        check_binding_chain(make_binding(statement, indirect.cert_pem, indirect.key_pem),
                            roots_of(orgs()))


def test_unknown_msp_is_untrusted() -> None:
    b, _ = _binding(orgs()["PowerMSP"])
    roots = {m: r for m, r in roots_of(orgs()).items() if m != "PowerMSP"}
    with pytest.raises(BindingError, match="no trusted roots for MSP PowerMSP"):
        check_binding_chain(b, roots)


def test_second_root_of_an_msp_counts() -> None:
    b, _ = _binding(orgs()["PowerMSP"])
    roots = roots_of(orgs())
    roots["PowerMSP"] = [make_ca("PowerMSP", "other").cert, *roots["PowerMSP"]]
    check_binding_chain(b, roots)


def test_non_p256_certificate_refused() -> None:
    org = orgs()["PowerMSP"]
    for key in (ec.generate_private_key(ec.SECP384R1()), ed25519.Ed25519PrivateKey.generate()):
        ident = org.issue("Admin3@PowerMSP", ("admin",), key=key)
        statement = binding_statement(CHANNEL, "PowerMSP",
                                      notary.Signer("PowerMSP/notary", bytes(32)).verifier)
        with pytest.raises(BindingError, match="P-256"):
            make_binding(statement, ident.cert_pem, ident.key_pem)


def test_load_msp_roots(tmp_path: Path) -> None:
    for mspid, org in orgs().items():
        (tmp_path / f"{mspid}.pem").write_bytes(org.ca.cert_pem + make_ca(mspid, "2").cert_pem)
    (tmp_path / "README.txt").write_text("ignored")
    roots = load_msp_roots(tmp_path)
    assert sorted(roots) == sorted(orgs())
    assert all(len(r) == 2 for r in roots.values())
    b, _ = _binding(orgs()["BankMSP"])
    check_binding_chain(b, roots)


def test_load_msp_roots_errors(tmp_path: Path) -> None:
    with pytest.raises(RootsError, match="does not exist"):
        load_msp_roots(tmp_path / "missing")
    with pytest.raises(RootsError, match="no <MSP id>.pem"):
        load_msp_roots(tmp_path)
    (tmp_path / "PowerMSP.pem").write_text("not a certificate")
    with pytest.raises(RootsError, match="PowerMSP.pem"):
        load_msp_roots(tmp_path)


def test_certificate_with_an_unknown_key_algorithm_is_a_binding_error() -> None:
    """The public key is parsed lazily: a certificate whose key algorithm OID is unknown
    (one character of the PEM changed, found by the report mutation corpus) must be refused
    as a BindingError, not escape as cryptography's UnsupportedAlgorithm."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    b, _ = _binding(orgs()["PowerMSP"])
    der = x509.load_pem_x509_certificate(b["certificate"].encode()).public_bytes(
        serialization.Encoding.DER)
    ec_public_key = bytes.fromhex("06072a8648ce3d0201")        # OID 1.2.840.10045.2.1
    assert der.count(ec_public_key) == 1
    odd = der.replace(ec_public_key, bytes.fromhex("06072a9648ce3d0201"))  # 1.2.2888.10045.2.1
    pem = x509.load_der_x509_certificate(odd).public_bytes(serialization.Encoding.PEM)
    b["certificate"] = pem.decode()
    with pytest.raises(BindingError, match="unreadable public key"):
        check_binding_signature(b)
