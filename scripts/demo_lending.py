"""Demo step, through the bank's service: the report the enterprise handed over, verified,
and a green loan decided on it (docs/services.md, "The bank: reports under consent, loans").

The bank cannot read the report on any peer (memberOnlyRead), so the enterprise hands its
report.json and bundle.json over; the bank submits them to its own service
(`POST /v1/reports`), which records the access under the consent first, then checks the
report's digest and status on the bank's peer, verifies it against the MSP roots `make up`
wrote for it, and checks the bundle's checkpoint against the bank's own notary log. The
bank then records its decision (`POST /v1/loans`): the terms stay in its store, their salted
commitment goes on the ledger (`loan:record`). What it prints is what the bank sees: the
verification, the report's public status, its own loan terms; no figure of the enterprise
beyond the report it was given.

The terms are embedded defaults of a green loan: a credit line of `BASE_LINE` scaled by a
credit multiplier, at a rate, both set by the report's rating (`GREEN_TERMS`).
"""

from __future__ import annotations

import json
import time
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from demo_common import RULE_SET, say, state

BASE_LINE = Decimal("10000000.00")  # CNY: the green credit line at multiplier 1
#: rating label -> (decision, annual rate in percent, credit multiplier)
GREEN_TERMS: dict[str, tuple[str, str, str]] = {
    "A": ("approved", "3.10", "1.50"),
    "B": ("approved", "3.35", "1.25"),
    "C": ("approved", "3.65", "1.00"),
    "D": ("approved", "4.15", "0.60"),
    "E": ("declined", "4.75", "0"),
}
OWN_LOG_WAIT = 90.0  # s: the bank's follower catching up with the bundle's checkpoint


def handed_over(report_dir: Path) -> dict[str, Any]:
    """What the enterprise hands the bank: its report.json and bundle.json, as issued."""
    return {"report": json.loads((report_dir / "report.json").read_text()),
            "bundle": json.loads((report_dir / "bundle.json").read_text())}


def submit(files: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST /v1/reports; a 503 `own-log-behind` is waited out (Retry-After). The status and
    the answer (a problem's body when refused)."""
    deadline = time.monotonic() + OWN_LOG_WAIT
    while True:
        res = state.services.call("bank", "POST", "/v1/reports", ok=(200, 403, 409, 422, 503),
                                  json=files)
        body: dict[str, Any] = res.json()
        if res.status_code == 503 and body.get("type", "").endswith("own-log-behind") \
                and time.monotonic() < deadline:
            say(f"503: {body.get('detail')}; retrying")
            time.sleep(float(res.headers.get("retry-after", "2")))
            continue
        return res.status_code, body


def show_verified(got: dict[str, Any]) -> None:
    v, st = got["verification"], got["ledger_status"]
    say(f"verified: {v['line']}")
    say(f"the bundle's checkpoint (size {v['checkpoint_size']}) is a state of the bank's own "
        f"notary log: {v['own_log']}")
    say(f"the bank's peer: {st.get('id')} is {st.get('status')} with digest "
        f"{str(st.get('digest'))[:23]}..., the report's digest {got['digest'][:23]}...")
    say(f"access recorded under consent {got['consent_id']} in tx {got['access_tx_id'][:12]}")


def rating_label(report: dict[str, Any]) -> str:
    """The label under the demo's rule set in the verified report (else its first rating)."""
    ratings = report["rating"]["ratings"]
    chosen = next((r for r in ratings if r["rule_set"]["version"] == RULE_SET), ratings[0])
    return str(chosen["label"])


def decide(report_id: str, label: str) -> dict[str, Any] | None:
    """Record the green loan decision on the verified report; None when an earlier run did."""
    decision, rate, multiplier = GREEN_TERMS[label]
    amount = (BASE_LINE * Decimal(multiplier)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    loan = {"loan_id": f"GREEN-{report_id}", "report_id": report_id, "amount": str(amount),
            "currency": "CNY", "rate": rate, "credit_multiplier": multiplier,
            "decision": decision}
    say(f"rating {label}: green loan terms {decision}, {amount} CNY at {rate}% "
        f"(credit multiplier {multiplier})")
    res = state.services.call("bank", "POST", "/v1/loans", ok=(200, 409), json=loan)
    if res.status_code == 409:
        say(f"{loan['loan_id']}: already recorded by an earlier run (409)")
        return None
    got: dict[str, Any] = res.json()
    say(f"{got['loan_id']}: {got['state']} in tx {str(got['tx_id'])[:12]}; the ledger holds "
        f"only the terms' commitment {got['commitment'][:23]}... (the terms and salt stay "
        "in the bank's store)")
    return got


def list_loans() -> None:
    page = state.services.call("bank", "GET", "/v1/loans", params={"limit": 20}).json()
    for loan in page["items"]:
        t = loan["terms"]
        say(f"{loan['loan_id']}: {t['decision']} {t['amount']} {t['currency']} at "
            f"{t['rate']}% x{t['credit_multiplier']}, {loan['state']}"
            f"{' tx ' + loan['tx_id'][:12] if loan.get('tx_id') else ''}")
    if page.get("next_cursor"):
        say("... (more on the next page)")
