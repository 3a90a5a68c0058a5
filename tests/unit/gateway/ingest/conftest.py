"""The readings codec for these tests: the real ``accounting.readings`` once it exists,
else the clearly named stand-in (``standin_readings``), installed under that name."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

import pytest


def install_codec() -> ModuleType:
    try:
        return importlib.import_module("accounting.readings")
    except ModuleNotFoundError:
        from tests.unit.gateway.ingest import standin_readings

        sys.modules["accounting.readings"] = standin_readings
        return standin_readings


@pytest.fixture()
def readings_codec() -> ModuleType:
    real = "accounting.readings" in sys.modules and \
        sys.modules["accounting.readings"].__name__ == "accounting.readings"
    codec = install_codec()
    yield codec
    if not real and codec.__name__ != "accounting.readings":
        sys.modules.pop("accounting.readings", None)
