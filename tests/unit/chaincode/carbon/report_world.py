"""A report of the results world (results_world.py) built from the ledger's own records
with :func:`verifier.report.build_report`, as ``carbontrust report issue`` builds it."""

from __future__ import annotations

from typing import Any

from verifier.report import build_report, canonical_bytes

from . import results_world as rw
from .conftest import E1, World

PERIOD = (E1, rw.START, rw.END)


def records(w: World, who: str = "regulator-client") -> dict[str, Any]:
    return {"result": w.ok(who, "results:get", *PERIOD, ""),
            "attestation": w.ok(who, "attestation:get", *PERIOD, ""),
            "ratings": w.ok(who, "rating:get", *PERIOD, "")["ratings"]}


def report(w: World, version: int = 1, supersedes: dict[str, Any] | None = None,
           **over: Any) -> dict[str, Any]:
    inputs = {**records(w), "report": {"version": version, "supersedes": supersedes,
                                      "status": "valid"},
              "ledger": {"channel": "carbon", "checkpoint": None}, **over}
    return build_report(inputs)


def issue(w: World, doc: dict[str, Any], who: str = "regulator-client") -> Any:
    return w.call(who, "report:issue", *PERIOD,
                  transient={"report": canonical_bytes(doc)})
