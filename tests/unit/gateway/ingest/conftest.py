"""The readings codec of these tests: the real ``accounting.readings`` (issue 11)."""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest


def install_codec() -> ModuleType:
    return importlib.import_module("accounting.readings")


@pytest.fixture()
def readings_codec() -> ModuleType:
    return install_codec()
