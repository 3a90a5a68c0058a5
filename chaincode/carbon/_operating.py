"""operating:* operating data an enterprise declares for a period: the intensity denominators.

``declare()`` takes everything from transient data, never from proposal arguments (which
are written into the block):

* ``declaration``: canonical JSON (sorted keys, no whitespace, UTF-8)::

      {"uscc": ..., "period": {"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"},
       "denominators": {"output_value" | "value_added" | "tax_paid" | "product_output":
                        {"quantity": "<decimal string>", "unit": ...}}}

  the denominators in exactly the shape ``accounting`` takes (money in one of its money
  units, e.g. "10^4 CNY"; product output with its own unit), validated by ``accounting``
  itself: the contract runs ``accounting.compute`` on the declaration with no activity
  lines, which checks the period and every denominator and names the field; a
  FactorYearError (no factor set for that year) comes after those checks and is ignored.
* ``signature``: the enterprise's detached ECDSA (SHA-256, DER) signature over the
  declaration bytes, verified against the certificate bound to the enterprise on the
  ledger, so anyone can verify it offline later with the registry's history.
* ``salt``: 16-64 random bytes chosen by the client, for the audit commitment.

The caller must be the enterprise itself (rule operating.declare: registered, active, its
bound certificate, the declaration's uscc its own).  The record goes ONLY to the private
data collection ``operatingData`` (members CertifierMSP and RegulatorMSP): the transaction
writes nothing public, so only the collection's endorsement policy applies and the bank
never endorses it.  The public event carries a salted commitment SHA-256(salt ||
declaration) and the keys (uscc, period), never a figure.  The private value includes the
signature, whose randomness also keeps the ledger's unsalted hash of the private value from
being guessable.  A period is declared once (409); corrections are not part of this issue.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

import accounting
from chaincode.shim import Contract, ContractError, Stub, transaction

from . import _args, _enterprise
from ._audit import commitment, emit
from ._codec import canonical, load, tx_time
from ._identity import cert_facts
from ._records import OPERATING_COLLECTION, load_enterprise, operating_key
from ._rules import require

DECLARATION_KEYS = frozenset({"uscc", "period", "denominators"})


def _transient(stub: Stub, name: str) -> bytes:
    value = stub.transient.get(name)
    if not value:
        raise _args.bad(f"transient.{name}", "a value in the proposal's transient data", None)
    return value


def parse_declaration(raw: bytes) -> dict[str, Any]:
    """The declaration, checked for canonical form and by accounting's denominator rules."""
    field = "transient.declaration"
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _args.bad(field, "canonical JSON", f"unreadable ({exc})") from None
    if not isinstance(doc, dict):
        raise _args.bad(field, "a JSON object", type(doc).__name__)
    _args.only_keys("declaration", doc, DECLARATION_KEYS, DECLARATION_KEYS)
    _enterprise.uscc("declaration.uscc", doc["uscc"])
    if not isinstance(doc["denominators"], dict) or not doc["denominators"]:
        raise _args.bad("declaration.denominators", "at least one denominator",
                        doc["denominators"])
    period = doc["period"]
    if not isinstance(period, dict):
        raise _args.bad("declaration.period", "an object {start, end}", period)
    _args.only_keys("declaration.period", period, {"start", "end"}, {"start", "end"})
    try:
        again = canonical(doc)
    except TypeError as exc:
        raise _args.bad(field, "decimal strings, not JSON numbers", str(exc)) from None
    except UnicodeEncodeError:  # a "\\ud800" escape: a lone surrogate has no UTF-8 form
        raise _args.bad(field, "canonical JSON of UTF-8 text", "a lone surrogate escape "
                        "(\\ud800-\\udfff)") from None
    if again != raw:
        raise _args.bad(field, "canonical JSON (sorted keys, no whitespace, UTF-8): the "
                        "signature is over these exact bytes", "another encoding")
    probe = {"enterprise": {"id": doc["uscc"]}, "period": period,
             "factor_set": accounting.factor_set_versions()[-1], "activity": [],
             "denominators": doc["denominators"]}
    try:
        accounting.compute(probe)
    except accounting.FactorYearError:
        pass  # raised after the period and denominators passed
    except accounting.AccountingError as exc:
        where = getattr(exc, "field", "") or "?"
        raise ContractError(f"declaration.{where}: {exc}", 400) from None
    return doc


def verify_signature(cert_pem: str, data: bytes, signature: bytes) -> None:
    cert, _ = cert_facts(cert_pem.encode("ascii"))
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise _args.bad("transient.signature", "an ECDSA signature (EC certificate)",
                        type(key).__name__)
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise _args.bad("transient.signature", "the enterprise's ECDSA-SHA256 signature "
                        "over the declaration bytes, verifying with its bound certificate",
                        "a signature that does not verify") from None


class Operating(Contract):
    name = "operating"

    @transaction
    async def declare(self, stub: Stub) -> dict[str, Any]:
        raw = _transient(stub, "declaration")
        signature = _transient(stub, "signature")
        salt = _transient(stub, "salt")
        if not 16 <= len(salt) <= 64:
            raise _args.bad("transient.salt", "16-64 random bytes", f"{len(salt)} bytes")
        doc = parse_declaration(raw)
        uscc, period = doc["uscc"], doc["period"]
        c = await require(stub, "operating.declare", uscc=uscc)
        record = await load_enterprise(stub, uscc)
        if record is None or not record["certificate"]:  # require() has checked both
            raise RuntimeError(f"enterprise {uscc} passed operating.declare unbound")
        verify_signature(record["certificate"]["pem"], raw, signature)
        key = operating_key(uscc, period["start"], period["end"])
        if await stub.get_private_data(OPERATING_COLLECTION, key):
            raise _args.conflict(f"operating data of {uscc} for {period['start']}.."
                                 f"{period['end']} is already declared")
        stored = {"declaration": doc, "signature": base64.b64encode(signature).decode(),
                  "salt": salt.hex(), "certificate_fingerprint": c.fingerprint,
                  "tx_id": stub.tx_id, "timestamp": tx_time(stub)}
        await stub.put_private_data(OPERATING_COLLECTION, key, canonical(stored))
        emit(stub, "operating.declare", {"uscc": uscc, "period_start": period["start"],
                                         "period_end": period["end"]},
             commitments={"declaration": commitment(salt, raw)})
        return {"uscc": uscc, "period": period, "commitment": commitment(salt, raw),
                "tx_id": stub.tx_id}

    @transaction
    async def get(self, stub: Stub, uscc: str, period_start: str,
                  period_end: str) -> dict[str, Any]:
        _enterprise.uscc("uscc", uscc)
        _args.date("period_start", period_start)
        _args.date("period_end", period_end)
        await require(stub, "operating.read", uscc=uscc)
        raw = await stub.get_private_data(OPERATING_COLLECTION,
                                          operating_key(uscc, period_start, period_end))
        if not raw:
            raise _args.not_found("operating data", f"{uscc} {period_start}..{period_end}")
        return load(raw)
