"""Demo step helper: an enterprise's own transactions through the regulator's relay routes.

When the services run, the enterprise's consent grant and operating-data declaration go
through the regulator's service (`POST /v1/relay/...`, docs/services.md "Relay"): the
service prepares the proposal, the enterprise reads and signs it with `carbontrust offline
show` / `carbontrust offline sign --key` (its key file is read there and nowhere else), the
service endorses, the enterprise signs the endorsed transaction, the service submits and
waits for the commit. Without services the steps keep their `gateway` library path.
"""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

from demo_common import Enterprise, cli, say, state
from demo_services import ServiceError

RELAY = "/v1/relay"


def _signs(ent: Enterprise, document: dict[str, Any], function: str, step: str) -> Any:
    """The enterprise's side: it reads what it is asked to sign, then signs it."""
    assert ent.identity is not None
    text = json.dumps(document)
    shown = json.loads(cli("offline", "show", stdin=text).stdout)
    say(f"the enterprise reads the {step}: {shown.get('function')} "
        f"{str(shown.get('args'))[:100]}...")
    res = cli("offline", "sign", "--key", str(ent.identity.key_path), "--expect", function,
              stdin=text)
    return json.loads(res.stdout)


def _relay(ent: Enterprise, kind: str, body: dict[str, Any], function: str) -> Any:
    """prepare -> the enterprise signs -> endorse -> it signs -> submit; the committed
    answer, or the ServiceError the regulator's service answered."""
    assert ent.identity is not None
    svc = state.services
    body = {"certificate": ent.identity.cert_path.read_text(), **body}
    doc = svc.call("regulator", "POST", f"{RELAY}/{kind}/prepare", json=body).json()
    tx = svc.call("regulator", "POST", f"{RELAY}/endorse",
                  json=_signs(ent, doc, function, "proposal")).json()
    return svc.call("regulator", "POST", f"{RELAY}/submit",
                    json=_signs(ent, tx, function, "endorsed transaction")).json()


def grant(ent: Enterprise, *, consent_id: str, report_id: str, bank: str,
          expires: datetime.datetime) -> str:
    try:
        done = _relay(ent, "consent-grant", {"consent_id": consent_id, "report_id": report_id,
                                             "bank": bank, "expires": expires.isoformat()},
                      "consent:grant")
    except ServiceError as exc:
        if exc.status == 409:
            return f"already granted by an earlier run (409): {str(exc.problem)[:120]}"
        raise SystemExit(f"consent:grant refused: {exc}") from None
    return (f"granted through the regulator's service in block {done['block_number']}, "
            f"tx {done['transaction_id'][:12]}, until {expires.date().isoformat()}")


def declare(ent: Enterprise, raw: bytes, signature: bytes) -> str:
    try:
        done = _relay(ent, "operating-declaration",
                      {"declaration": base64.b64encode(raw).decode(),
                       "signature": base64.b64encode(signature).decode()},
                      "operating:declare")
    except ServiceError as exc:
        if exc.status == 409 and "already declared" in str(exc.problem):
            return "already declared by an earlier run (409): a period is declared once"
        raise SystemExit(f"operating:declare for {ent.uscc} refused: {exc}") from None
    return (f"declared through the regulator's service in block {done['block_number']}, "
            f"tx {done['transaction_id'][:12]}, commitment "
            f"{done['result']['commitment'][:23]}...")
