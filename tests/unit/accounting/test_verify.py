"""verify_result: recompute a claimed result, raise at the first differing field."""

from __future__ import annotations

import json

import pytest

import accounting
from accounting import ResultMismatchError
from accounting._cli import main

from .util import ISSUE_EXAMPLE


def tampered(raw: bytes, change) -> bytes:
    data = json.loads(raw)
    change(data)
    return accounting.canonical_json(data)


def test_matching_result_verifies():
    claimed = accounting.compute(ISSUE_EXAMPLE).to_json()
    assert accounting.verify_result(ISSUE_EXAMPLE, claimed) == claimed
    rated = accounting.rate(ISSUE_EXAMPLE).to_json()
    assert accounting.verify_result(ISSUE_EXAMPLE, rated) == rated


def test_changed_total_names_the_field():
    claimed = tampered(accounting.compute(ISSUE_EXAMPLE).to_json(),
                       lambda d: d.update(total_tco2e="900.000"))
    with pytest.raises(ResultMismatchError) as caught:
        accounting.verify_result(ISSUE_EXAMPLE, claimed)
    assert (caught.value.field, caught.value.value) == ("total_tco2e", "900.000")
    assert "942.262" in caught.value.expected


def test_changed_rating_and_factor_digest_are_found():
    rated = accounting.rate(ISSUE_EXAMPLE).to_json()
    claimed = tampered(rated, lambda d: d["ratings"][0].update(label="5"))
    with pytest.raises(ResultMismatchError) as caught:
        accounting.verify_result(ISSUE_EXAMPLE, claimed)
    assert caught.value.field == "ratings[0].label"
    claimed = tampered(rated, lambda d: d["factor_set"].update(digest="sha256:00"))
    with pytest.raises(ResultMismatchError) as caught:
        accounting.verify_result(ISSUE_EXAMPLE, claimed)
    assert caught.value.field == "factor_set.digest"


def test_non_canonical_bytes_are_refused():
    claimed = accounting.compute(ISSUE_EXAMPLE).to_json()
    pretty = json.dumps(json.loads(claimed), indent=1, sort_keys=True).encode()
    with pytest.raises(ResultMismatchError) as caught:
        accounting.verify_result(ISSUE_EXAMPLE, pretty)
    assert caught.value.field == "result"
    with pytest.raises(accounting.InputError):
        accounting.verify_result(ISSUE_EXAMPLE, b"not json")


def test_cli_verify_exit_codes(tmp_path, capsys):
    inputs = tmp_path / "in.json"
    inputs.write_text(json.dumps(ISSUE_EXAMPLE))
    good = tmp_path / "good.json"
    good.write_bytes(accounting.compute(ISSUE_EXAMPLE).to_json() + b"\n")
    assert main(["verify", str(inputs), str(good)]) == 0
    bad = tmp_path / "bad.json"
    bad.write_bytes(tampered(good.read_bytes(), lambda d: d.update(scope1_tco2e="1.000")))
    assert main(["verify", str(inputs), str(bad)]) == 1
    assert "mismatch: scope1_tco2e" in capsys.readouterr().err
