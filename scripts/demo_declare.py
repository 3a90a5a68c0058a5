"""Demo step: each enterprise declares its operating data for the month, as itself.

No `carbontrust` command declares operating data yet, so this step uses the `gateway`
library the command line is built on: the enterprise signs the declaration's canonical bytes
with its own key (the signature the contract verifies against the certificate bound to its
record) and submits `operating:declare` with its own identity, through the regulator's peer,
endorsed by the two organisations that keep operating data (CertifierMSP, RegulatorMSP). The
declaration, signature and a random salt travel as transient data: only a commitment reaches
the block. A period is declared once: a re-run is answered 409 and goes on. When the
services run, the same declaration goes through the regulator's relay routes instead, the
enterprise signing the proposal and the transaction offline (demo_relay).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import demo_relay
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from demo_common import ENTERPRISES, PERIOD_END, PERIOD_START, Enterprise, say, section, state

import gateway as g
from chaincode.carbon._codec import canonical

KEEPERS = ("CertifierMSP", "RegulatorMSP")   # the operatingData collection's members


def declaration(ent: Enterprise) -> bytes:
    return bytes(canonical({"uscc": ent.uscc,
                      "period": {"start": PERIOD_START.isoformat(),
                                 "end": PERIOD_END.isoformat()},
                      "denominators": {"value_added": {"quantity": ent.value_added,
                                                       "unit": "10^4 CNY"}}}))


def declare(info: dict[str, Any], ent: Enterprise) -> str:
    assert ent.identity is not None
    cert, key_pem = ent.identity.cert_path.read_bytes(), ent.identity.key_path.read_bytes()
    raw = declaration(ent)
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    signature = key.sign(raw, ec.ECDSA(hashes.SHA256()))
    if state.services is not None:   # through the regulator's relay routes
        return demo_relay.declare(ent, raw, signature)
    peer = info["orgs"]["RegulatorMSP"]
    with g.connect(peer["peer_endpoint"], g.Identity("RegulatorMSP", cert),
                   g.new_private_key_signer(key_pem),
                   tls_root_certificates=Path(peer["tls_ca"]).read_bytes()) as gw:
        contract = gw.get_network(info["channel"]).get_contract(info["chaincode"])
        try:
            sub = contract.submit_async(
                "operating:declare", [],
                transient={"declaration": raw, "signature": signature,
                           "salt": os.urandom(32)},
                endorsing_organizations=KEEPERS)
        except g.EndorseError as exc:
            if "409" in str(exc) and "already declared" in str(exc):
                return "already declared by an earlier run (409): a period is declared once"
            raise SystemExit(f"operating:declare for {ent.uscc} refused: {exc}") from None
        status = sub.status()
        status.raise_for_status()
        answer = json.loads(sub.result)
        return (f"declared in block {status.block_number}, tx {sub.transaction_id[:12]}, "
                f"commitment {answer['commitment'][:23]}...")


def run(info: dict[str, Any]) -> None:
    section("enterprises: declare the month's operating data, signed with their own keys")
    for ent in ENTERPRISES:
        say(f"{ent.name}: value added {ent.value_added} x 10^4 CNY for "
            f"{PERIOD_START}..{PERIOD_END}")
        say(declare(info, ent))
