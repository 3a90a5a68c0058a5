"""attestation:status: what a verifiable credential's status entry asks the ledger."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from accounting import readings as rd

from . import results_world as rw
from .conftest import E1, World


@pytest.fixture
def attested(world: World) -> tuple[World, dict[str, Any]]:
    rw.prepare(world)
    rec = rw.attest(world, rw.compute(world)).json()
    return world, rec


def test_active_then_withdrawn_with_the_changing_transaction(
        attested: tuple[World, dict[str, Any]]) -> None:
    w, rec = attested
    out = w.ok("bank-client", "attestation:status", E1, rw.START, rw.END, "1")
    assert out == {"v": 1, "kind": "carbontrust.attestation-status", "uscc": E1,
                   "period": {"start": rw.START, "end": rw.END}, "version": 1,
                   "status": "active", "statement_digest": rec["statement_digest"],
                   "changed": rec["attested"], "latest_version": 1}
    gone = w.ok("certifier-admin", "attestation:withdraw", E1, rw.START, rw.END, "1",
                "metering found faulty")
    out = w.ok("bank-client", "attestation:status", E1, rw.START, rw.END, "1")
    assert out["status"] == "withdrawn"
    assert out["changed"] == {k: gone["withdrawn"][k] for k in ("tx_id", "timestamp")}
    # public facts only: no statement, certificate, signature or withdrawal reason
    assert "metering" not in str(out) and "certificate" not in out and "statement" not in out


def test_latest_version_shows_a_later_attested_result(
        attested: tuple[World, dict[str, Any]]) -> None:
    w, _ = attested
    rw.submit(w, [rd.Reading("M-1", E1, rw._at("2023-03-21"), "electricity", Decimal("3"),
                             "kWh", "measured")])
    assert rw.attest(w, rw.compute(w)).status == 200
    first = w.ok("bank-client", "attestation:status", E1, rw.START, rw.END, "1")
    assert (first["status"], first["latest_version"]) == ("active", 2)


def test_unknown_version_is_not_found_and_the_version_is_required(
        attested: tuple[World, dict[str, Any]]) -> None:
    w, _ = attested
    assert w.call("bank-client", "attestation:status", E1, rw.START, rw.END, "7").status == 404
    res = w.call("bank-client", "attestation:status", E1, rw.START, rw.END, "")
    assert res.status == 400 and res.message.startswith("version"), res.message


def test_the_verifier_accepts_the_contracts_answer(
        attested: tuple[World, dict[str, Any]]) -> None:
    """The answer the contract gives is the one verifier.credentials checks."""
    from verifier.credentials import check_answer, status_entry

    w, rec = attested
    entry = status_entry("carbon", "carbon", E1, rw.START, rw.END, 1)
    answer = w.ok("bank-client", *([entry["function"]] + entry["arguments"]))
    assert check_answer(entry, answer, rec["statement_digest"])["status"] == "active"
