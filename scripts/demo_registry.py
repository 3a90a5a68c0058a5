"""Demo step: the regulator's registry (enterprises, meters, the enterprises' own identities).

All through `carbontrust enterprise|meter`: register (a re-run: "already registered"),
the power company refused the registry (naming the rule), each enterprise enrolled at the
regulator's Fabric CA and its certificate bound to its record, an enterprise reading its own
record and refused another's, and the registry seen alike from the regulator and the bank.
"""

from __future__ import annotations

import json
from typing import Any

from demo_common import (
    ENTERPRISES,
    Enterprise,
    _uscc,
    already,
    cli,
    enterprise_identity,
    say,
    section,
    signing,
    state,
)

from network import Network


def show(uscc: str, who: str, *extra: str, expect: tuple[int, ...] = (0,)) -> Any:
    res = cli("enterprise", "show", uscc, "--as", who, *extra, expect=expect)
    return json.loads(res.stdout) if res.returncode == 0 else None


def _register(ent: Enterprise) -> bool:
    """Register through the regulator's service when it runs, else `carbontrust`; True when
    the enterprise was registered before (409)."""
    if state.services is None:
        res = cli("enterprise", "register", "--uscc", ent.uscc, "--name", ent.name,
                  "--industry", ent.industry, "--region", ent.region, expect=(0, 1))
        return already(res, f"register {ent.uscc}")
    answer = state.services.call("regulator", "POST", "/v1/enterprises", ok=(201, 409), json={
        "uscc": ent.uscc, "name": ent.name, "industry": ent.industry, "region": ent.region})
    if answer.status_code == 409:
        say(f"409: {answer.json().get('detail')}")
        return True
    return False


def register(ent: Enterprise) -> None:
    if _register(ent):
        held = show(ent.uscc, "RegulatorMSP")
        if held["industry"] != ent.industry:   # registered by an older demo
            cli("enterprise", "update", ent.uscc, "--industry", ent.industry)
    for meter in ent.meters:
        if state.services is None:
            res = cli("meter", "add", "--uscc", ent.uscc, "--meter", meter, expect=(0, 1))
            already(res, f"meter add {meter}")
            continue
        answer = state.services.call("regulator", "POST", f"/v1/enterprises/{ent.uscc}/meters",
                                     ok=(201, 409), json={"meter_id": meter})
        if answer.status_code == 409:
            say(f"409: {answer.json().get('detail')}")


def run(net: Network) -> None:
    section("regulator: registers the enterprises and their meters")
    for ent in ENTERPRISES:
        register(ent)

    section("power company: may not write the registry")
    res = cli("enterprise", "register", "--uscc", _uscc("91330800MA2DEM99"), "--name", "Nope",
              "--industry", "C30", "--region", "east", "--as", "PowerMSP", expect=(1,))
    assert "refused by rule" in res.stderr, res.stderr

    section("enterprises: their own certificates, from the regulator's CA, bound to their records")
    for ent in ENTERPRISES:
        ent.identity = enterprise_identity(net, ent)
        res = cli("enterprise", "bind-certificate", ent.uscc, str(ent.identity.cert_path),
                  expect=(0, 1))
        already(res, f"bind-certificate {ent.uscc}")
    first, second = ENTERPRISES
    own = show(first.uscc, "RegulatorMSP", *signing(first))
    assert own is not None and own["uscc"] == first.uscc
    say(f"the enterprise reads its own record: {own['name']}, status {own['status']}")
    show(second.uscc, "RegulatorMSP", *signing(first), expect=(1,))
    say("... and is refused another enterprise's record (exit 1)")

    section("regulator and bank: the registry, each from its own peer")
    for ent in ENTERPRISES:
        reg, bank = show(ent.uscc, "RegulatorMSP"), show(ent.uscc, "BankMSP")
        assert reg == bank, f"views differ: {reg} vs {bank}"
        say(f"{ent.uscc}  {reg['name']:<31} industry {reg['industry']} grid {reg['grid']} "
            f"meters {reg['meters']} {reg['status']} (the same record from both)")
