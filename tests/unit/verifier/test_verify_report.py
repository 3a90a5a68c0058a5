"""``verify_report`` on what no single-field mutation of an honest bundle reaches: a
dishonest ledger whose result sums other deltas than it cites (TOTALS), an entry nothing
relies on (ENTRY_UNUSED), and the reasons' wording."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import pytest

import accounting
from verifier import ReportCheckError, verify_report

from .bundle_factory import digest, make_honest


def _refused(h: Any, bundle: dict[str, Any] | None = None) -> ReportCheckError:
    data = json.dumps(bundle if bundle is not None else h.bundle).encode()
    with pytest.raises(ReportCheckError) as info:
        verify_report(h.report_bytes, data, h.roots)
    return info.value


def test_totals_that_are_not_the_sum_of_the_cited_deltas() -> None:
    def lie(result: dict[str, Any]) -> None:
        gas = result["inputs"]["deltas"][-1]["sources"]["natural_gas"]
        gas["quantity"] = str(int(gas["quantity"]) + 1)

    err = _refused(make_honest(3, ("gz-ae-d1",), ledger_lies=lie))
    assert err.code == "TOTALS", err
    assert "natural_gas" in err.detail and "sum to" in err.detail


def test_a_delta_outside_the_period() -> None:
    def lie(result: dict[str, Any]) -> None:
        result["inputs"]["deltas"][0]["day"] = "2022-12-31"

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


def _recomputed(result: dict[str, Any]) -> None:
    """The dishonest ledger recomputes what it changed, so the records agree."""
    r = accounting.compute(result["accounting_input"]).to_dict()
    result["result"] = r
    result["result_digest"] = digest(r)


def test_emissions_computed_from_other_activity_than_the_totals() -> None:
    def lie(result: dict[str, Any]) -> None:
        line = result["accounting_input"]["activity"][0]
        line["quantity"] = str(Decimal(line["quantity"]) / 2)
        _recomputed(result)

    err = _refused(make_honest(3, ("gz-ae-d1",), ledger_lies=lie))
    assert err.code == "TOTALS" and "accounting_input.activity" in err.detail


def test_intensities_computed_with_other_denominators_than_declared() -> None:
    def lie(result: dict[str, Any]) -> None:
        denominators = json.loads(json.dumps(result["accounting_input"]["denominators"]))
        denominators["value_added"]["quantity"] = "99999"
        result["accounting_input"]["denominators"] = denominators
        _recomputed(result)

    err = _refused(make_honest(3, ("gz-ae-d1",), ledger_lies=lie))
    assert err.code == "RECOMPUTE" and "denominators" in err.detail


def test_attestation_submitted_by_another_organisation() -> None:
    err = _refused(make_honest(3, ("gz-ae-d1",), attester="RegulatorMSP"))
    assert err.code == "ENTRY_MISMATCH" and "RegulatorMSP" in err.detail
