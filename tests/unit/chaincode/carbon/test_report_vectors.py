"""The sample records in tests/vectors/report are what the contract produces today."""

from __future__ import annotations

import json

from tests.vectors.report import generate


def test_samples_are_current() -> None:
    made = generate.samples()
    for name in generate.NAMES:
        stored = json.loads((generate.HERE / name).read_text("utf-8"))
        assert generate.form(stored) == generate.form(made[name]), name


def test_the_check_sees_a_changed_figure() -> None:
    made = generate.samples()
    changed = json.loads(json.dumps(made["result.json"]))
    changed["record"]["result"]["total_tco2e"] = "0.001"
    assert generate.form(changed) != generate.form(made["result.json"])
