"""The blocking API is generated from the async one and stays in step with it."""

from __future__ import annotations

import inspect

import pytest

import gateway as g
from gateway import _codegen, aio


def test_generated_blocking_modules_are_up_to_date():
    """Fails when an async source changed and `python -m gateway._codegen` was not run."""
    stale = _codegen.stale()
    assert not stale, f"stale generated files, run `python -m gateway._codegen`: {stale}"


def test_check_mode_reports_a_stale_file(tmp_path, monkeypatch):
    target = tmp_path / "_sync"
    target.mkdir()
    for name in _codegen.SOURCES:
        (target / name).write_text(_codegen.generate(name))
    monkeypatch.setattr(_codegen, "TARGET", target)
    assert _codegen.main(["--check"]) == 0
    (target / "_proposal.py").write_text("# edited by hand\n")
    assert _codegen.main(["--check"]) == 1


CLASSES = ["Gateway", "Network", "Contract", "Proposal", "Transaction", "Commit",
           "SubmittedTransaction", "ChaincodeEventsRequest", "BlockEventsRequest"]


@pytest.mark.parametrize("name", CLASSES)
def test_both_apis_have_the_same_methods_and_parameters(name: str):
    sync_cls, async_cls = getattr(g, name), getattr(aio, name)
    public = {m for m in dir(async_cls) if not m.startswith("_")}
    assert public == {m for m in dir(sync_cls) if not m.startswith("_")}
    for method in public:
        a, s = getattr(async_cls, method), getattr(sync_cls, method)
        if callable(a):
            assert inspect.signature(a) == inspect.signature(s), f"{name}.{method}"


def test_connect_signatures_match():
    assert inspect.signature(g.connect) == inspect.signature(aio.connect)
    assert "tls_client_certificate_hash" in inspect.signature(g.connect).parameters
    assert "tls_cert_hash" in inspect.signature(g.Network.new_block_events_request).parameters


def test_py_typed_marker_is_shipped():
    import tomllib
    from pathlib import Path

    root = Path(g.__file__).resolve().parent
    assert (root / "py.typed").is_file()
    config = tomllib.loads((root.parent / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "py.typed" in config["package-data"]["gateway"]
    from setuptools import find_packages

    shipped = find_packages(str(root.parent), include=config["packages"]["find"]["include"])
    assert {"gateway", "gateway._sync", "gateway.audit", "gateway.cli"} <= set(shipped)
