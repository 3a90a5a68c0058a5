"""A fast client-side check of a USCC's shape, strictly weaker than the contract's.

The contract (``registry``) is authoritative: it validates both check digits per GB
32100-2015. Here only what no valid code can have is refused before dialling, so the CLI
never refuses a code the contract would take: 18 characters, each a digit or an upper-case
letter of the standard's alphabet (no I, O, Z, S, V). A code of that shape with a wrong
check digit still goes to the ledger, whose refusal (exit 1) names the rule.
"""

from __future__ import annotations

from gateway.cli._exit import InputError

__all__ = ["ALPHABET", "check_uscc_shape"]

ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")
LENGTH = 18


def check_uscc_shape(value: str, option: str = "--uscc") -> str:
    if len(value) != LENGTH:
        raise InputError(f"{option}: a USCC has {LENGTH} characters, got {len(value)}")
    for i, ch in enumerate(value):
        if ch not in ALPHABET:
            raise InputError(
                f"{option}: character {i + 1} of the USCC is {ch!r}: expected a digit or an "
                "upper-case letter other than I, O, Z, S, V (GB 32100-2015)")
    return value
