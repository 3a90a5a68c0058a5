"""Every term our credentials use is defined: by the VC 2.0 base context (which has no
@vocab, so an undefined term would be dropped by a JSON-LD processor, or an error in safe
mode) or by our inline context. The v2 term names below are those of
https://www.w3.org/ns/credentials/v2 (its top level, and the VerifiableCredential type's
scoped context, which applies to the credential object itself only)."""

from __future__ import annotations

from typing import Any

import pytest

from verifier.credentials import CONTEXT

from . import factory as f

V2_TOP = {"id", "type", "description", "name", "digestMultibase", "digestSRI", "mediaType"}
V2_CREDENTIAL = {"confidenceMethod", "credentialSchema", "credentialStatus",
                 "credentialSubject", "description", "evidence", "id", "issuer", "name",
                 "proof", "refreshService", "relatedResource", "renderMethod", "termsOfUse",
                 "type", "validFrom", "validUntil"}
JSON_LITERALS = {k for k, v in CONTEXT.items() if isinstance(v, dict) and v["@type"] == "@json"}


def _undefined(node: Any, top: bool) -> set[str]:
    if isinstance(node, list):
        return set().union(*(_undefined(n, False) for n in node)) if node else set()
    if not isinstance(node, dict):
        return set()
    known = (V2_CREDENTIAL if top else set()) | V2_TOP | set(CONTEXT) | {"@context"}
    missing = {k for k in node if k not in known}
    for k, v in node.items():
        if k not in JSON_LITERALS and k != "@context":
            missing |= _undefined(v, False)
    return missing


@pytest.mark.parametrize("kind", ["attestation", "report"])
def test_every_term_is_defined(kind: str) -> None:
    _, doc = f.issue() if kind == "attestation" else f.issue_report()
    assert _undefined(doc, True) == set()
    # and the check sees a term nobody defined
    doc["credentialSubject"]["undefinedTerm"] = 1
    assert _undefined(doc, True) == {"undefinedTerm"}


def test_our_terms_do_not_redefine_the_protected_v2_terms() -> None:
    assert not set(CONTEXT) & (V2_TOP | V2_CREDENTIAL)
    assert all(str(v if isinstance(v, str) else v["@id"]).startswith("urn:carbontrust:vocab:")
               for v in CONTEXT.values())
