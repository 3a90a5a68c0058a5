"""``verify_report`` accepts honest reports with their bundles and refuses every
single-field mutation of them (tests/unit/verifier/report_mutations.py) with a named
reason: at least 10,000 mutations, each kind reaching some field."""

from __future__ import annotations

import copy
from collections import Counter
from functools import cache

import pytest

from verifier import REPORT_CODES, ReportCheckError, verify_report

from .bundle_factory import Honest
from .report_mutations import KINDS, Mutation, NoFieldReached, base_bundles, generate


@cache
def bases() -> dict[str, Honest]:
    return base_bundles()


@pytest.mark.parametrize("name", ["twelve", "three"])
def test_honest_bundle_accepted(name: str) -> None:
    h = bases()[name]
    summary = verify_report(h.report_bytes, h.bundle_bytes, h.roots)
    assert summary.report_id == h.report["report"]["id"]
    assert summary.total_tco2e == h.report["emissions"]["total_tco2e"]
    assert summary.checkpoint_size == len(h.leaves)
    assert len(summary.cosigners) == len(h.signers)
    assert summary.line().startswith(f"VALID {summary.report_id} sha256:")


def test_every_mutation_refused_with_a_named_reason() -> None:
    wrong: list[str] = []
    kinds: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    m: Mutation
    for m in generate(bases()):
        kinds[m.kind] += 1
        try:
            verify_report(m.report, m.bundle, m.roots)
        except ReportCheckError as exc:
            codes[exc.code] += 1
            if exc.code not in REPORT_CODES or (m.codes is not None and
                                                exc.code not in m.codes):
                wrong.append(f"{m.kind} / {m.what}: expected {sorted(m.codes or ())}, "
                             f"got {exc}")
        except Exception as exc:  # noqa: BLE001 - any other outcome is a failure
            wrong.append(f"{m.kind} / {m.what}: {type(exc).__name__}: {exc}")
        else:
            wrong.append(f"{m.kind} / {m.what}: ACCEPTED")
    total = sum(kinds.values())
    assert not wrong, f"{len(wrong)} of {total}:\n" + "\n".join(wrong[:40])
    assert total >= 10_000, kinds
    assert set(kinds) == set(KINDS)
    # the corpus reaches the checks, not one early refusal: every code but the ones only
    # a broken file or a withdrawn report gives
    assert set(REPORT_CODES) - set(codes) <= {"ENTRY_UNUSED", "TOTALS", "PDF"}, codes


def test_generator_fails_when_a_kind_reaches_no_field() -> None:
    h = copy.copy(bases()["three"])
    h.report = {}
    with pytest.raises(NoFieldReached, match="report_field"):
        list(generate({"empty": h}, {"report_field": KINDS["report_field"]}))
