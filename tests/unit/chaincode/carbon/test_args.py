"""Every bad argument of every transaction is a 400 whose message starts with the field."""

from __future__ import annotations

import json

import pytest

from .conftest import E1, World, record
from .test_consent import RID

GOOD_POLICY = json.dumps({"orgs": ["BankMSP"], "required": 1})
FS = "sha256:" + "0" * 64

BAD = [
    ("registry:register_enterprise", ("not json",), "record"),
    ("registry:register_enterprise", ("[1]",), "record"),
    ("registry:register_enterprise", (record("914403001922038217"),), "record.uscc"),
    ("registry:register_enterprise", (record("91440300192203821"),), "record.uscc"),
    ("registry:register_enterprise", (record(E1, name=""),), "record.name"),
    ("registry:register_enterprise", (record(E1, name="a\u0000b"),), "record.name"),
    ("registry:register_enterprise", (record(E1, name="x" * 201),), "record.name"),
    ("registry:register_enterprise", (record(E1, industry="C12"),), "record.industry"),
    ("registry:register_enterprise", (record(E1, region="mars"),), "record.region"),
    ("registry:register_enterprise", (record(E1, region="national_residual"),),
     "record.region"),
    ("registry:register_enterprise", (record(E1, areas=[]),), "record.areas"),
    ("registry:register_enterprise", (record(E1, areas=["mining"]),), "record.areas[0]"),
    ("registry:register_enterprise", (record(E1, areas=["energy", "energy"]),),
     "record.areas"),
    ("registry:register_enterprise", (record(E1, colour="red"),), "record.colour"),
    ("registry:register_enterprise", (json.dumps({"uscc": E1}),), "record.industry"),
    ("registry:register_enterprise", (record(E1, name=1.5),), "record"),
    ("registry:get_enterprise", ("x",), "uscc"),
    ("registry:list_enterprises", ("0", ""), "page_size"),
    ("registry:list_enterprises", ("abc", ""), "page_size"),
    ("registry:list_enterprises", ("201", ""), "page_size"),
    ("registry:list_enterprises", ("\u00b2", ""), "page_size"),   # str.isdigit() but not int()
    ("registry:list_enterprises", ("2", "b" * 1025), "bookmark"),
    ("registry:update_enterprise", ("x", "{}"), "uscc"),
    ("registry:update_enterprise", (E1, "{}"), "changes"),
    ("registry:update_enterprise", (E1, '{"uscc":"x"}'), "changes.uscc"),
    ("registry:update_enterprise", (E1, '{"region":"mars"}'), "changes.region"),
    ("registry:update_enterprise", (E1, "nope"), "changes"),
    ("registry:set_status", (E1, "gone", "r"), "status"),
    ("registry:set_status", (E1, "closed", ""), "reason"),
    ("registry:set_status", ("x", "closed", "r"), "uscc"),
    ("registry:bind_certificate", (E1, "not a pem"), "cert_pem"),
    ("registry:bind_certificate", ("x", "not a pem"), "uscc"),
    ("registry:add_meter", (E1, ""), "meter_id"),
    ("registry:add_meter", (E1, "m/1"), "meter_id"),
    ("registry:add_meter", (E1, "m" * 65), "meter_id"),
    ("registry:get_meter", ("a b",), "meter_id"),
    ("registry:history", ("x",), "uscc"),
    ("registry:revoke_certificate", ("ABC", "r"), "cert_pem_or_fingerprint"),
    ("registry:revoke_certificate", ("-----BEGIN CERTIFICATE-----\nxx", "r"),
     "cert_pem_or_fingerprint"),
    ("registry:revoke_certificate", ("a" * 64, ""), "reason"),
    ("governance:propose", ("table", "cn-2023", FS, GOOD_POLICY), "kind"),
    ("governance:propose", ("factor_set", "CN 2023", FS, GOOD_POLICY), "version"),
    ("governance:propose", ("factor_set", "cn-2023", "abc", GOOD_POLICY), "digest"),
    ("governance:propose", ("factor_set", "cn-2023", FS, "{}"), "policy.orgs"),
    ("governance:propose", ("factor_set", "cn-2023", FS, '{"orgs":[],"required":1}'),
     "policy.orgs"),
    ("governance:propose", ("factor_set", "cn-2023", FS, '{"orgs":["X"],"required":1}'),
     "policy.orgs[0]"),
    ("governance:propose", ("factor_set", "cn-2023", FS,
                            '{"orgs":["BankMSP","BankMSP"],"required":1}'), "policy.orgs"),
    ("governance:propose", ("factor_set", "cn-2023", FS, '{"orgs":["BankMSP"],"required":2}'),
     "policy.required"),
    ("governance:propose", ("factor_set", "cn-2023", FS,
                            '{"orgs":["BankMSP"],"required":true}'), "policy.required"),
    ("governance:propose", ("factor_set", "cn-2023", FS,
                            '{"orgs":["BankMSP"],"required":1,"x":1}'), "policy.x"),
    ("governance:approve", ("factor_set", "cn-2023", "sha1:00"), "digest"),
    ("governance:activate", ("x", "cn-2023"), "kind"),
    ("governance:get", ("factor_set", ""), "version"),
    ("governance:list", ("x",), "kind"),
    ("governance:in_force", ("x",), "kind"),
    ("operating:get", ("x", "2025-01-01", "2025-12-31"), "uscc"),
    ("operating:get", (E1, "2025-02-30", "2025-12-31"), "period_start"),
    ("operating:get", (E1, "2025-01-01", "20251231"), "period_end"),
    ("readings:locate", ("m/1", "2023-11-13T00:00+08:00"), "meter_id"),
    ("readings:locate", ("M-1", "2023-11-13T00:00"), "interval_start"),
    ("readings:get_batch", ("a b",), "batch_id"),
    ("account:totals", ("x", "2023-11-01", "2023-11-30"), "uscc"),
    ("account:totals", (E1, "2023-11-31", "2023-11-30"), "from_date"),
    ("account:totals", (E1, "2023-11-02", "2023-11-01"), "to_date"),
    ("audit:register_key", ("nope",), "binding"),
    ("audit:register_key", ('{"statement":{}}',), "binding"),
    ("audit:sign", ("not a note",), "note"),
    ("audit:signatures", ("x",), "size"),
    ("audit:anchor", ("not a note", "[]"), "note"),
    ("audit:anchors", ("-1",), "after_size"),
    ("audit:alarm", ("{}",), "evidence"),
    ("audit:history", ("batch", "x"), "record_type"),
    ("audit:history", ("enterprise", "x"), "key"),
    ("results:compute", ("x", "2023-01-01", "2023-03-31", ""), "uscc"),
    ("results:compute", (E1, "2023-01-01", "2024-03-31", ""), "to_date"),
    ("results:compute", (E1, "2023-01-01", "2023-03-31", "CN 2023"), "factor_set"),
    ("results:preview", (E1, "2023-13-01", "2023-03-31", ""), "from_date"),
    ("results:get", (E1, "2023-01-01", "2023-03-31", "v1"), "version"),
    ("attestation:attest", ("{}", ""), "statement.assurance"),
    ("attestation:attest", ("nope", ""), "statement"),
    ("attestation:withdraw", (E1, "2023-01-01", "2023-03-31", "", "r"), "version"),
    ("attestation:withdraw", (E1, "2023-01-01", "2023-03-31", "1", ""), "reason"),
    ("attestation:get", (E1, "2023-01-01", "2023-03-31", "0"), "version"),
    ("attestation:status", (E1, "2023-01-01", "2023-03-31", ""), "version"),
    ("rating:compute", (E1, "2023-01-01", "2023-03-31", "-1"), "version"),
    ("rating:get", ("x", "2023-01-01", "2023-03-31", ""), "uscc"),
    ("report:issue", ("x", "2023-01-01", "2023-03-31"), "uscc"),
    ("report:issue", (E1, "2023-01-01", "2023-03-31"), "transient.report"),
    ("report:withdraw", (E1, "2023-01-01", "2023-03-31", "", "r"), "version"),
    ("report:withdraw", (E1, "2023-01-01", "2023-03-31", "1", ""), "reason"),
    ("report:status", (E1, "2023-01-01", "2023-03-31", "v1"), "version"),
    ("report:openings", (E1, "2023-01-01", "2023-03-31", "0"), "version"),
    ("report:get", (E1, "2023-01-01", "2024-03-31", ""), "to_date"),
    # consent (more in test_consent.py)
    ("consent:grant", ("nope",), "grant"),
    ("consent:grant", ('{"consent_id":"c"}',), "grant.bank"),
    ("consent:revoke", (E1, "CCR-x", "BankMSP", "c-1"), "report_id"),
    ("consent:revoke", (E1, RID, "PowerMSP", "c-1"), "bank"),
    ("consent:revoke", (E1, RID, "BankMSP", "c 1"), "consent_id"),
    ("consent:access", ("x", RID), "uscc"),
    ("consent:access", (E1, f"CCR-{E1}-20250101-20251231-v0"), "report_id"),
    ("consent:get", (E1, RID, "BankMSP", ""), "consent_id"),
    ("consent:list", (E1, "0", ""), "page_size"),
    ("loan:record", ("L 1", RID, FS, FS), "loan_id"),
    ("loan:record", ("L-1", "CCR-x", FS, FS), "report_id"),
    ("loan:record", ("L-1", RID, "sha256:00", FS), "report_digest"),
    ("loan:record", ("L-1", RID, FS, "0" * 64), "terms_commitment"),
    ("loan:get", (E1, RID, ""), "loan_id"),
    ("loan:get", ("91440300708461136T", RID, "L-1"), "report_id"),
]


@pytest.mark.parametrize(("fn", "args", "field"), BAD,
                         ids=[f"{f}:{fld}:{i}" for i, (f, _a, fld) in enumerate(BAD)])
def test_bad_argument_is_400_naming_the_field(world: World, fn: str, args: tuple,
                                              field: str) -> None:
    who = "ent1" if fn.startswith("operating") else "regulator-admin"
    res = world.call(who, fn, *args)
    assert res.status == 400, (res.status, res.message)
    assert res.message.startswith(field + ":") or res.message.startswith(field + "."), \
        res.message


def test_every_transaction_has_a_bad_argument_case() -> None:
    from chaincode.carbon import contracts
    from chaincode.shim import Dispatcher
    covered = {fn for fn, _a, _f in BAD}
    no_args = {"operating:declare", "identity:whoami",   # transient cases: test_operating
               "readings:submit_batch", "readings:correct",   # and test_readings
               "audit:keys", "audit:head"}                    # no arguments
    assert covered | no_args == set(Dispatcher(*contracts(test_contracts=False)).table)


@pytest.mark.parametrize("fn", ["registry:get_enterprise", "governance:propose",
                                "identity:whoami"])
def test_wrong_argument_count_is_400(world: World, fn: str) -> None:
    res = world.call("regulator-admin", fn, "a", "b", "c", "d", "e")
    assert res.status == 400 and "argument" in res.message


def test_invalid_utf8_argument_is_400(world: World) -> None:
    res = world.call("regulator-admin", "registry:get_enterprise", b"\xff\xfe")
    assert res.status == 400 and res.message.startswith("argument 1:")


def test_deeply_nested_json_is_400_not_500(world: World) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    res = world.call("regulator-admin", "registry:register_enterprise", deep)
    assert res.status == 400 and res.message.startswith("record:"), res.message
    res = world.call("ent1", "operating:declare",
                     transient={"declaration": deep.encode(), "signature": b"s",
                                "salt": bytes(16)})
    assert res.status == 400 and res.message.startswith("transient.declaration:")


def test_lone_surrogate_escape_in_a_declaration_is_400(world: World) -> None:
    """b'\\ud800' is valid UTF-8 JSON that parses to a lone surrogate, which has no
    canonical UTF-8 form: a 400 naming the declaration, not a 500 UnicodeEncodeError."""
    raw = ('{"denominators":{"output_value":{"quantity":"1","unit":"10^4 CNY\\ud800"}},'
           '"period":{"end":"2025-12-31","start":"2025-01-01"},"uscc":"' + E1 + '"}').encode()
    res = world.call("ent1", "operating:declare",
                     transient={"declaration": raw, "signature": world["ent1"].sign(raw),
                                "salt": bytes(range(16))})
    assert res.status == 400 and res.message.startswith("transient.declaration:"), \
        (res.status, res.message)


def _certificate_with_attribute_extension(value: bytes) -> str:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from .identities import ATTR_OID, T0

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "odd")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(4243).not_valid_before(T0)
            .not_valid_after(T0 + datetime.timedelta(days=1))
            .add_extension(x509.UnrecognizedExtension(ATTR_OID, value), critical=False)
            .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())


def test_certificate_with_a_lone_surrogate_attribute_is_refused_not_500(world: World) -> None:
    """An attribute JSON escape "\\ud800" (valid UTF-8 in the extension) cannot be stored in
    canonical JSON: the attributes are unreadable, so the certificate has no role the regulator
    may revoke (a 403 naming the rule; it used to fail with a 500 UnicodeEncodeError) and
    bind_certificate is a 400."""
    pem = _certificate_with_attribute_extension(b'{"attrs": {"role": "\\ud800"}}')
    res = world.call("regulator-admin", "registry:revoke_certificate", pem, "test")
    assert res.status == 403 and "registry.revoke" in res.message and "role=None" \
        in res.message, res.message
    res = world.call("regulator-admin", "registry:bind_certificate", E1, pem)
    assert res.status == 400 and "role=None" in res.message, res.message


def test_certificate_with_absurdly_deep_attribute_json_is_400(world: World) -> None:
    """A certificate's Fabric CA attribute extension holding JSON nested 100000 deep (anyone
    can make such a certificate) is a certificate without readable attributes: a 400 on
    bind_certificate, and no RecursionError (500) on revoke_certificate either."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from .identities import ATTR_OID, T0

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "deep")])
    pem = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
           .public_key(key.public_key()).serial_number(4242).not_valid_before(T0)
           .not_valid_after(T0 + datetime.timedelta(days=1))
           .add_extension(x509.UnrecognizedExtension(
               ATTR_OID, b"[" * 100_000 + b"]" * 100_000), critical=False)
           .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM).decode())
    res = world.call("regulator-admin", "registry:bind_certificate", E1, pem)
    assert res.status == 400 and res.message.startswith("cert_pem:"), res.message
    assert "role=None" in res.message
    res = world.call("power-admin", "registry:revoke_certificate", pem, "test")
    assert res.status == 403 and "role=None" in res.message, res.message
