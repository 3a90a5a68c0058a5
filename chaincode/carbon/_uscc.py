"""Unified social credit codes (USCC), validated as GB 32100-2015 defines them.

Layout (18 characters from the charset 0-9 A-H J-N P-R T-U W-Y, i.e. without I O S V Z):

=========  ====================================================================
position   meaning
=========  ====================================================================
1          registration authority code (9 = market regulation, 5 = civil affairs, ...)
2          category code, meaningful only together with the authority code
3-8        administrative division code of the registering authority (6 digits,
           GB/T 2260)
9-17       organisation code (GB 11714): 8 body characters + its own check
           character (weights 3,7,9,10,5,8,4,2; C = 11 - sum mod 11; 10 -> 'X',
           11 -> '0')
18         check character over positions 1-17: weights 3**(i-1) mod 31, value
           31 - sum mod 31 (31 -> '0'), written with the charset's 31 characters
=========  ====================================================================

Hand-written: the rule is a few lines and the chaincode must not depend on a
general identifier library for it; python-stdnum's ``cn.uscc`` checks only the
final character, not the organisation code's.

What the checks guarantee (derived, and asserted by tests/unit/chaincode/carbon/test_uscc.py):
every single-character substitution is refused.  A substitution by a character outside the
charset fails the shape check.  Inside the charset every character has a distinct value 0..30,
so a substitution at position i (1..17) changes the weighted sum by w_i * d with
w_i = 3**(i-1) mod 31 != 0 and 0 < |d| < 31; 31 is prime, so the sum mod 31 changes and the
final check fails (a substitution at 18 changes the final character itself).  The
organisation code's mod-11 check alone is weaker: it misses a substitution whose value
difference is a multiple of 11 (e.g. '1' -> 'C', 12 - 1 = 11), which the final check still
refuses; so which check names the fault depends on the substitution, not whether it is found.

Known limits: codes assigned in a few pilot areas before the standard (some Fujian codes
whose organisation part starts with 'M') do not satisfy the check characters and are
refused; the division code is checked for shape (6 digits, province part 11-82, or 100000 for
registration at national level), not looked
up in GB/T 2260.
"""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {c: i for i, c in enumerate(CHARSET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

#: registration authority -> its category codes (GB 32100-2015 Table 1 and the
#: authority codes assigned since: 1 organisation staffing, 2 foreign affairs, 3 justice,
#: 4 culture, 5 civil affairs, 6 tourism, 7 religious affairs, 8 trade unions,
#: 9 market regulation (1 enterprise, 2 individual business, 3 farmers' cooperative),
#: A military staffing, N agriculture, Y others)
CATEGORIES: dict[str, str] = {
    "1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129",
    "7": "129", "8": "19", "9": "123", "A": "19", "N": "1239", "Y": "1",
}


class UsccError(ValueError):
    """Why a string is not a USCC: the position (1-based) and what was found and expected."""

    def __init__(self, code: str, position: int | None, problem: str) -> None:
        where = f" at position {position}" if position else ""
        super().__init__(f"{code!r} is not a valid USCC{where}: {problem}")
        self.code, self.position, self.problem = code, position, problem


def org_check_char(body: str) -> str:
    """The GB 11714 check character of an 8-character organisation code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters."""
    total = sum(VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def validate_uscc(code: object) -> str:
    """Return code if it is a valid USCC, else raise UsccError naming the position."""
    if not isinstance(code, str):
        raise UsccError(str(code), None, f"expected a string, found {type(code).__name__}")
    if len(code) != 18:
        raise UsccError(code, None, f"expected 18 characters, found {len(code)}")
    for i, c in enumerate(code, 1):
        if c not in VALUE:
            raise UsccError(code, i, f"{c!r} is outside the charset {CHARSET} "
                            "(upper case, without I O S V Z)")
    cats = CATEGORIES.get(code[0])
    if cats is None:
        raise UsccError(code, 1, f"unknown registration authority code {code[0]!r}; "
                        f"known: {''.join(CATEGORIES)}")
    if code[1] not in cats:
        raise UsccError(code, 2, f"category {code[1]!r} is not one of authority "
                        f"{code[0]!r}'s categories {cats}")
    division = code[2:8]
    if not division.isdigit() or not (division == "100000" or "11" <= division[:2] <= "82"):
        raise UsccError(code, 3, f"division code {division!r} is not 6 digits with a "
                        "province part 11-82 (GB/T 2260), nor 100000 (national level)")
    want = org_check_char(code[8:16])
    if code[16] != want:
        raise UsccError(code, 17, f"organisation code check character is {code[16]!r}, "
                        f"expected {want!r} (GB 11714)")
    want = check_char(code[:17])
    if code[17] != want:
        raise UsccError(code, 18, f"check character is {code[17]!r}, expected {want!r}")
    return code
