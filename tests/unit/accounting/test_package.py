"""The package surface: __all__, the usage example in its docstring, module sizes."""

from __future__ import annotations

import doctest
from pathlib import Path

import accounting


def test_docstring_usage_example_runs():
    failures, attempted = doctest.testmod(accounting, verbose=False)
    assert attempted >= 5 and failures == 0


def test_all_names_exist_and_machinery_is_private():
    for name in accounting.__all__:
        assert hasattr(accounting, name), name
    package = Path(accounting.__file__).parent
    # readings: the public reading encoding (issue 11), imported as accounting.readings
    modules = {p.stem for p in package.glob("*.py")} - {"__init__", "__main__", "readings"}
    assert modules and all(m.startswith("_") for m in modules)


def test_modules_stay_small():
    package = Path(accounting.__file__).parent
    for path in package.glob("*.py"):
        assert len(path.read_text().splitlines()) <= 400, path.name
