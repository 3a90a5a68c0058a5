"""The CLI's USCC shape check never refuses a code the contract would take.

The contract (chaincode/carbon/_uscc.py) is authoritative; the CLI refuses early only what
no valid code has (length, characters). Checked over the contract tests' valid codes and
every single-character substitution and deletion of them, with characters inside and
outside the GB 32100 alphabet: whenever the CLI refuses, the contract refuses too, and
every code the contract accepts passes the CLI.
"""

from __future__ import annotations

import string

import pytest

from chaincode.carbon._uscc import UsccError, validate_uscc
from gateway.cli._exit import InputError
from gateway.cli._uscc import ALPHABET, check_uscc_shape

VALID = ("914403001922038216", "91440300708461136T", "91110000600037341L",
         "91350100M000100Y43")
PROBES = sorted(set(string.printable) | set(ALPHABET) | {"\x00", "Ｏ", "名", "\udcff", "i", "o"})


def contract_accepts(code: str) -> bool:
    try:
        validate_uscc(code)
    except UsccError:
        return False
    return True


def cli_accepts(code: str) -> bool:
    try:
        check_uscc_shape(code)
    except InputError:
        return False
    return True


def variants(code: str):
    for i in range(len(code)):
        yield code[:i] + code[i + 1:]
        for ch in PROBES:
            yield code[:i] + ch + code[i + 1:]
    yield code + "0"
    yield code.lower()
    yield " " + code


@pytest.mark.parametrize("code", VALID)
def test_cli_refusals_are_a_subset_of_the_contracts(code: str):
    assert contract_accepts(code) and cli_accepts(code)
    checked = refused_early = 0
    for v in variants(code):
        checked += 1
        if not cli_accepts(v):
            refused_early += 1
            assert not contract_accepts(v), v
        elif contract_accepts(v):
            assert v == code or len(v) == 18
    assert refused_early > checked // 2  # the check does refuse most corruptions early
