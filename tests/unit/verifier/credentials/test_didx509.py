"""did:x509 (method version 0, subject predicate): built from and resolved with a chain."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import hashes

from verifier.credentials import DidError, did_for, resolve

from ..pki import make_org
from . import factory as f


def test_the_did_pins_the_root_and_names_the_identity() -> None:
    org = f.certifier()
    leaf, ca = org.identities["client"].cert, org.ca.cert
    did = did_for(leaf, ca)
    fp = base64.urlsafe_b64encode(ca.fingerprint(hashes.SHA256())).rstrip(b"=").decode()
    assert did == f"did:x509:0:sha256:{fp}::subject:CN:User1%40CertifierMSP"
    assert resolve(did, [leaf, ca]) is leaf


@pytest.mark.parametrize(("mutate", "match"), [
    (lambda d: d.replace("User1", "User2"), "subject CN"),
    (lambda d: d.replace("::subject:CN:", "::san:email:"), "not supported"),
    (lambda d: d + ":OU:client:OU:admin", "repeated"),
    (lambda d: d.replace("did:x509:0:", "did:x509:1:"), "method version 0"),
    (lambda d: d.split("::")[0], "no predicate"),
    (lambda d: d.replace("sha256:", "md5:"), "CA fingerprint"),
    (lambda d: d + ":ZZ:x", "neither a label nor an OID"),
    (lambda d: d.replace("%40", "%FF"), "not UTF-8"),
])
def test_a_did_that_does_not_resolve(mutate, match) -> None:  # type: ignore[no-untyped-def]
    org = f.certifier()
    leaf, ca = org.identities["client"].cert, org.ca.cert
    with pytest.raises(DidError, match=match):
        resolve(mutate(did_for(leaf, ca)), [leaf, ca])


def test_another_root_does_not_resolve_and_a_leaf_alone_is_not_enough() -> None:
    org, other = f.certifier(), make_org("CertifierMSP")
    leaf = org.identities["client"].cert
    did = did_for(leaf, org.ca.cert)
    with pytest.raises(DidError, match="no CA certificate"):
        resolve(did, [leaf, other.ca.cert])
    with pytest.raises(DidError, match="at least 2"):
        resolve(did, [leaf])
    # the fingerprint must be of a CA in the chain, never the leaf's own
    self_pinned = did_for(leaf, leaf)
    with pytest.raises(DidError, match="no CA certificate"):
        resolve(self_pinned, [leaf, org.ca.cert])
