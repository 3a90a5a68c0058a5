"""``verify_report`` on what no single-field mutation of an honest bundle reaches: a
dishonest ledger whose result sums other deltas than it cites (TOTALS), an entry nothing
relies on (ENTRY_UNUSED), and the reasons' wording."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from verifier import ReportCheckError, verify_report

from .bundle_factory import make_honest


def _refused(h: Any, bundle: dict[str, Any] | None = None) -> ReportCheckError:
    data = json.dumps(bundle if bundle is not None else h.bundle).encode()
    with pytest.raises(ReportCheckError) as info:
        verify_report(h.report_bytes, data, h.roots)
    return info.value


def test_totals_that_are_not_the_sum_of_the_cited_deltas() -> None:
    def lie(deltas: list[dict[str, Any]]) -> None:
        gas = deltas[-1]["sources"]["natural_gas"]
        gas["quantity"] = str(int(gas["quantity"]) + 1)

    err = _refused(make_honest(3, ("gz-ae-d1",), ledger_lies=lie))
    assert err.code == "TOTALS", err
    assert "natural_gas" in err.detail and "sum to" in err.detail


def test_a_delta_outside_the_period() -> None:
    def lie(deltas: list[dict[str, Any]]) -> None:
        deltas[0]["day"] = "2022-12-31"

    err = _refused(make_honest(3, ("gz-ae-d1",), ledger_lies=lie))
    assert err.code == "TOTALS" and "2022-12-31" in err.detail


def test_an_entry_nothing_relies_on() -> None:
    h = make_honest(3, ("gz-ae-d1",))
    bundle = json.loads(h.bundle_bytes)
    size = len(h.leaves)
    bundle["entries"].insert(0, {"index": 0, "leaf": h.leaves[0].decode(), "proof": [
        base64.b64encode(p).decode() for p in h.tree.inclusion_proof(0, size)]})
    err = _refused(h, bundle)
    assert err.code == "ENTRY_UNUSED" and "entry 0" in err.detail


def test_an_entry_left_out() -> None:
    h = make_honest(3, ("gz-ae-d1",))
    bundle = json.loads(h.bundle_bytes)
    dropped = bundle["entries"].pop(3)
    err = _refused(h, bundle)
    assert err.code == "ENTRY_MISSING"
    assert json.loads(dropped["leaf"])["tx_id"] in err.detail
