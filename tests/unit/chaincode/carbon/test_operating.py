"""operating:declare / operating:get: signed, private, validated by accounting."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest

from chaincode.carbon._codec import canonical

from .conftest import E1, E2, World
from .identities import Ident, enterprise

SALT = bytes(range(32))
FIGURES = {"value_added": {"quantity": "5200", "unit": "10^4 CNY"},
           "output_value": {"quantity": "18000.5", "unit": "10^4 CNY"},
           "product_output": {"quantity": "730", "unit": "t"},
           "tax_paid": {"quantity": "96.25", "unit": "10^4 CNY"}}


def declaration(uscc: str, start: str = "2025-01-01", end: str = "2025-12-31",
                denominators: Any = None) -> dict[str, Any]:
    return {"uscc": uscc, "period": {"start": start, "end": end},
            "denominators": FIGURES if denominators is None else denominators}


def declaration_transient(signer: Ident, uscc: str, doc: dict[str, Any] | None = None,
                          salt: bytes = SALT) -> dict[str, bytes]:
    raw = canonical(doc or declaration(uscc))
    return {"declaration": raw, "signature": signer.sign(raw), "salt": salt}


def test_declare_stores_only_private_data_and_commits_in_the_event(world: World) -> None:
    t = declaration_transient(world["ent1"], E1)
    res = world.call("ent1", "operating:declare", transient=t)
    assert res.status == 200, res.message
    assert {c for c, _ in res.writes} == {"operatingData"}  # nothing public written
    assert res.event is not None
    name, payload = res.event
    assert name == "carbon.audit"
    entry = json.loads(payload)
    want = "sha256:" + hashlib.sha256(SALT + t["declaration"]).hexdigest()
    assert entry["commitments"] == {"declaration": want}
    assert entry["keys"] == {"uscc": E1, "period_start": "2025-01-01",
                             "period_end": "2025-12-31"}
    for fig in FIGURES.values():   # no figure in clear anywhere public
        assert fig["quantity"].encode() not in payload
    public = b"".join(v for (c, _k), v in world.ledger.state.items() if c == "")
    assert b"5200" not in public and b"18000.5" not in public


def test_get_returns_what_verifies_offline(world: World) -> None:
    t = declaration_transient(world["ent1"], E1)
    world.ok("ent1", "operating:declare", transient=t)
    got = world.ok("certifier-client", "operating:get", E1, "2025-01-01", "2025-12-31")
    assert got == world.ok("ent1", "operating:get", E1, "2025-01-01", "2025-12-31")
    assert canonical(got["declaration"]) == t["declaration"]
    cert_pem = world.ok("regulator-admin", "registry:get_enterprise", E1)["certificate"]["pem"]
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    key = x509.load_pem_x509_certificate(cert_pem.encode()).public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(base64.b64decode(got["signature"]), canonical(got["declaration"]),
               ec.ECDSA(hashes.SHA256()))   # raises if it does not verify
    assert bytes.fromhex(got["salt"]) == SALT


def test_signature_by_another_key_is_refused(world: World) -> None:
    t = declaration_transient(enterprise(E1), E1)   # right attributes, unbound key
    t["signature"] = enterprise(E1).sign(t["declaration"])
    res = world.call("ent1", "operating:declare", transient=t)
    assert res.status == 400 and res.message.startswith("transient.signature:")


def test_signature_over_other_bytes_is_refused(world: World) -> None:
    t = declaration_transient(world["ent1"], E1)
    t["signature"] = world["ent1"].sign(t["declaration"] + b" ")
    res = world.call("ent1", "operating:declare", transient=t)
    assert res.status == 400 and "does not verify" in res.message


def test_declaring_for_another_enterprise_is_refused(world: World) -> None:
    t = declaration_transient(world["ent1"], E2)
    res = world.call("ent1", "operating:declare", transient=t)
    assert res.status == 403 and res.message.startswith("refused by rule operating.declare:")
    assert "acting on " + E2 in res.message


def test_regulator_cannot_declare_for_an_enterprise(world: World) -> None:
    t = declaration_transient(world["ent1"], E1)
    res = world.call("regulator-admin", "operating:declare", transient=t)
    assert res.status == 403 and "operating.declare" in res.message


def test_a_period_is_declared_once(world: World) -> None:
    world.ok("ent1", "operating:declare", transient=declaration_transient(world["ent1"], E1))
    res = world.call("ent1", "operating:declare",
                     transient=declaration_transient(world["ent1"], E1))
    assert res.status == 409 and "already declared" in res.message


def test_bank_cannot_read_operating_data(world: World) -> None:
    world.ok("ent1", "operating:declare", transient=declaration_transient(world["ent1"], E1))
    res = world.call("bank-admin", "operating:get", E1, "2025-01-01", "2025-12-31")
    assert res.status == 403 and "operating.read" in res.message


def _raw_transient(world: World, raw: bytes) -> dict[str, bytes]:
    return {"declaration": raw, "signature": world["ent1"].sign(raw), "salt": SALT}


@pytest.mark.parametrize(("doc", "field"), [
    (declaration(E1, denominators={}), "declaration.denominators"),
    (declaration(E1, denominators={"value_added": {"quantity": "-1", "unit": "10^4 CNY"}}),
     "declaration.denominators.value_added.quantity"),
    (declaration(E1, denominators={"value_added": {"quantity": "0", "unit": "10^4 CNY"}}),
     "declaration.denominators.value_added.quantity"),
    (declaration(E1, denominators={"value_added": {"quantity": "5", "unit": "USD"}}),
     "declaration.denominators.value_added.unit"),
    (declaration(E1, denominators={"profit": {"quantity": "5", "unit": "10^4 CNY"}}),
     "declaration.denominators"),
    (declaration(E1, start="2025-13-01"), "declaration.period.start"),
    (declaration(E1, start="2025-12-31", end="2025-01-01"), "declaration.period"),
    ({**declaration(E1), "extra": 1}, "declaration.extra"),
    ({**declaration(E1), "uscc": "914403001922038217"}, "declaration.uscc"),
])
def test_bad_declarations_are_400_naming_the_field(world: World, doc: Any, field: str) -> None:
    res = world.call("ent1", "operating:declare", transient=_raw_transient(world, canonical(doc)))
    assert res.status == 400, res.message
    assert res.message.startswith(field), res.message


@pytest.mark.parametrize(("transient", "field"), [
    ({"signature": b"s", "salt": SALT}, "transient.declaration"),
    ({"declaration": b"{}", "salt": SALT}, "transient.signature"),
    ({"declaration": b"{}", "signature": b"s"}, "transient.salt"),
    ({"declaration": b"{}", "signature": b"s", "salt": b"short"}, "transient.salt"),
    ({"declaration": b"\xff", "signature": b"s", "salt": SALT}, "transient.declaration"),
    ({"declaration": b"[1]", "signature": b"s", "salt": SALT}, "transient.declaration"),
])
def test_bad_transient_is_400_naming_the_field(world: World, transient: dict[str, bytes],
                                               field: str) -> None:
    res = world.call("ent1", "operating:declare", transient=transient)
    assert res.status == 400 and res.message.startswith(field), res.message


def test_non_canonical_declaration_is_refused(world: World) -> None:
    raw = json.dumps(declaration(E1), indent=1).encode()
    res = world.call("ent1", "operating:declare", transient=_raw_transient(world, raw))
    assert res.status == 400 and "canonical JSON" in res.message


def test_numbers_instead_of_decimal_strings_are_refused(world: World) -> None:
    doc = declaration(E1, denominators={"value_added": {"quantity": 5200, "unit": "10^4 CNY"}})
    res = world.call("ent1", "operating:declare", transient=_raw_transient(world, canonical(doc)))
    assert res.status == 400 and "value_added.quantity" in res.message
