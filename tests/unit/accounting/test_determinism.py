"""Byte-identical canonical output across processes with different hash seeds."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .util import ISSUE_EXAMPLE, REPO


def test_same_bytes_in_separate_processes(tmp_path):
    doc = dict(ISSUE_EXAMPLE, denominators={
        "value_added": {"quantity": "5200", "unit": "10^4 CNY"},
        "tax_paid": {"quantity": "800", "unit": "10^4 CNY"},
        "product_output": {"quantity": "12000", "unit": "unit"}})
    path = tmp_path / "period.json"
    # key order in the file must not matter either
    path.write_text(json.dumps(doc, sort_keys=False))
    reversed_path = tmp_path / "reversed.json"
    reversed_path.write_text(json.dumps(dict(reversed(list(doc.items())))))
    outputs = set()
    for seed, file in (("0", path), ("1", path), ("12345", reversed_path), ("random", path)):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run([sys.executable, "-m", "accounting", "rate", str(file)],
                              cwd=REPO, env=env, capture_output=True, check=True)
        outputs.add(proc.stdout)
    assert len(outputs) == 1
    data = json.loads(outputs.pop())
    assert data["total_tco2e"] == "942.262" and len(data["ratings"]) == 3
