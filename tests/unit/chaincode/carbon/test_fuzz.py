"""Hostile input never becomes a 500: every transaction, any argument strings (and any
transient bytes for operating:declare), from a regulator admin and an enterprise, answers
200 or a 4xx."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaincode.carbon import contracts
from chaincode.shim import Dispatcher

from .conftest import E1, build_world

WORLD = build_world()
FUNCTIONS = sorted(Dispatcher(*contracts(test_contracts=False)).table)
ARITY = {fn: len([p for p in __import__("inspect").signature(f).parameters if p != "stub"])
         for fn, f in Dispatcher(*contracts(test_contracts=False)).table.items()}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=10)
argument = st.one_of(
    st.text(max_size=40),
    json_values.map(json.dumps),
    st.sampled_from([E1, "M-1", "factor_set", "cn-2023", "2025-01-01", "\x00enterprise\x00",
                     "", " ", "\ud800".encode("utf-8", "surrogatepass").decode("utf-8",
                                                                              "replace"),
                     # JSON escapes of lone surrogates (valid UTF-8 on the wire), digits
                     # that str.isdigit() takes and int() refuses
                     '{"\\ud800": 1}', '{"uscc": "\\udfff"}', '"\\ud800"', "\u00b2",
                     "1\u00b2"]),
    st.fixed_dictionaries({"uscc": st.sampled_from([E1, "x"]), "name": st.text(max_size=5),
                           "industry": st.text(max_size=5), "region": st.text(max_size=5)}
                          ).map(json.dumps),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fn=st.sampled_from(FUNCTIONS), data=st.data(),
       who=st.sampled_from(["regulator-admin", "ent1", "bank-client"]))
def test_no_argument_gives_a_500(fn: str, data: st.DataObject, who: str) -> None:
    n = ARITY[fn] if data.draw(st.booleans()) else data.draw(st.integers(0, 5))
    args = [data.draw(argument) for _ in range(n)]
    res = WORLD.call(who, fn, *args)
    assert res.status == 200 or 400 <= res.status < 500, (fn, args, res.message)


@settings(max_examples=200, deadline=None)
@given(transient=st.dictionaries(st.sampled_from(["declaration", "signature", "salt", "x"]),
                                 st.binary(max_size=80) | json_values.map(
                                     lambda v: json.dumps(v).encode()), max_size=4))
def test_no_transient_gives_a_500(transient: dict[str, bytes]) -> None:
    res = WORLD.call("ent1", "operating:declare", transient=transient)
    assert 400 <= res.status < 500, res.message


@settings(max_examples=300, deadline=None)
@given(period=json_values | st.fixed_dictionaries(
           {"start": st.text(max_size=12) | st.sampled_from(["2025-01-01", "2025-02-29"]),
            "end": json_values | st.sampled_from(["2025-12-31"])}),
       denominators=json_values | st.dictionaries(
           st.sampled_from(["value_added", "output_value", "tax_paid", "product_output", "x"]),
           json_values | st.fixed_dictionaries(
               {"quantity": json_values | st.from_regex(r"-?[0-9]{0,25}(\.[0-9]{0,14})?",
                                                         fullmatch=True),
                "unit": json_values | st.sampled_from(["10^4 CNY", "t", "CNY", "a/b", ""])}),
           max_size=4),
       uscc=st.sampled_from([E1, "914403001922038217", 7]))
def test_signed_declarations_never_give_a_500(period: object, denominators: object,
                                              uscc: object) -> None:
    from chaincode.carbon._codec import canonical
    doc = {"uscc": uscc, "period": period, "denominators": denominators}
    try:
        raw = canonical(doc)
    except TypeError:   # a float: send it non-canonically, it must still be a 400
        raw = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
    t = {"declaration": raw, "signature": WORLD["ent1"].sign(raw), "salt": bytes(16)}
    res = WORLD.call("ent1", "operating:declare", transient=t)
    assert res.status in (200, 400, 403, 409), res.message
