"""USCC (GB 32100-2015) and industry code (GB/T 4754-2017) validation.

Known-valid vectors are real, published codes:

* 914403001922038216  Huawei Technologies Co., Ltd. (Wikipedia's infobox "機構代碼",
  zh.wikipedia.org/zh-hk/華為)
* 91440300708461136T  Shenzhen Tencent Computer Systems Co., Ltd. (business licence data,
  check-china.com example report 8)
* 91110000600037341L  python-stdnum's cn.uscc test vector (also used by other validators)

What the checks guarantee (derived in chaincode/carbon/_uscc.py): every single-character
substitution is refused: out-of-charset ones by the shape check, in-charset ones by the
final mod-31 check at the latest (31 is prime and every weight 3**i mod 31 is non-zero).
The organisation code's own mod-11 check misses substitutions whose value difference is a
multiple of 11; the tests show such collisions exist and are still refused.
"""

from __future__ import annotations

import itertools

import pytest

from chaincode.carbon._industry import IndustryError, validate_industry
from chaincode.carbon._uscc import (
    CHARSET,
    VALUE,
    UsccError,
    check_char,
    org_check_char,
    validate_uscc,
)

VALID = ("914403001922038216", "91440300708461136T", "91110000600037341L")
REPLACEMENTS = CHARSET + "IOSVZia-# "   # every charset character and some outside it


@pytest.mark.parametrize("code", VALID)
def test_real_codes_are_valid(code: str) -> None:
    assert validate_uscc(code) == code


def test_weights_are_powers_of_three_mod_31() -> None:
    from chaincode.carbon._uscc import WEIGHTS
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_org_check_of_a_real_code_by_hand() -> None:
    # Tencent's organisation code 70846113-6: 7*3+0*7+8*9+4*10+6*5+1*8+1*4+3*2 = 181,
    # 181 mod 11 = 5, 11 - 5 = 6
    assert org_check_char("70846113") == "6"


@pytest.mark.parametrize("code", VALID)
def test_every_single_character_corruption_is_refused(code: str) -> None:
    refused = 0
    for pos, ch in itertools.product(range(18), REPLACEMENTS):
        if ch == code[pos]:
            continue
        bad = code[:pos] + ch + code[pos + 1:]
        with pytest.raises(UsccError) as info:
            validate_uscc(bad)
        # the refusal names a position at or before the final check, never a later one
        assert info.value.position is None or info.value.position <= 18
        refused += 1
    assert refused == 18 * (len(REPLACEMENTS) - 1)


@pytest.mark.parametrize("code", VALID)
def test_in_charset_corruptions_always_break_the_final_check(code: str) -> None:
    """The guarantee itself: any in-charset substitution changes the mod-31 check value."""
    for pos, ch in itertools.product(range(17), CHARSET):
        if ch != code[pos]:
            bad = code[:pos] + ch + code[pos + 1:]
            assert check_char(bad[:17]) != code[17], (pos, ch)


def test_org_check_alone_has_collisions_the_final_check_catches() -> None:
    code = VALID[0]
    collisions = []
    for pos, ch in itertools.product(range(8, 16), CHARSET):
        if ch == code[pos]:
            continue
        bad = code[:pos] + ch + code[pos + 1:]
        if org_check_char(bad[8:16]) == bad[16]:
            collisions.append(bad)
            assert (int(ch, 36) - int(code[pos], 36)) % 11 == 0
            with pytest.raises(UsccError) as info:
                validate_uscc(bad)
            assert info.value.position == 18
    assert collisions, "expected some mod-11 collisions (value differences of 11, 22, ...)"


@pytest.mark.parametrize(("code", "position"), [
    ("91440300192203821", None),            # 17 characters
    ("9144030019220382166", None),          # 19
    ("91440300708461136t", 18),             # lower case is outside the charset
    ("B14403001922038216", 1),              # unknown authority
    ("94440300192203821" + "6", 2),         # category 4 is not one of authority 9's
    ("9109030019220382" + "16", 3),         # province part 09
])
def test_shape_errors_name_the_position(code: str, position: int | None) -> None:
    with pytest.raises(UsccError) as info:
        validate_uscc(code)
    if position is not None:
        assert info.value.position == position, str(info.value)


def test_a_code_built_with_both_checks_is_valid() -> None:
    body = "91110108" + "MA01ABCD"
    first17 = body + org_check_char(body[8:])
    code = first17 + check_char(first17)
    assert validate_uscc(code) == code
    assert all(c in VALUE for c in code)


@pytest.mark.parametrize("code", ["A", "C", "C38", "C381", "C3811", "A01", "T97", "K70"])
def test_industry_codes(code: str) -> None:
    assert validate_industry(code) == code


@pytest.mark.parametrize("code", ["", "c38", "U01", "C12", "C44", "A06", "C3", "C38111",
                                  "K71", "38", "C38A", 38])
def test_bad_industry_codes(code: object) -> None:
    with pytest.raises(IndustryError):
        validate_industry(code)
