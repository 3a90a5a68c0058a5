"""Industry codes of GB/T 4754-2017 (national economic industry classification).

A code is a section letter A-T, optionally followed by the 2-digit division, the
3rd digit (group) and the 4th digit (class): "C", "C38", "C381", "C3811".  We check
the shape and that the division lies in its section's range below; we do not ship the
full list of groups and classes, so "C3819" passes if it is well formed (a digit 1-9
or 0 for group/class as the standard writes them).  Division ranges from the standard's
table of sections.
"""

from __future__ import annotations

import re

#: section -> (first division, last division), GB/T 4754-2017
SECTIONS: dict[str, tuple[int, int]] = {
    "A": (1, 5), "B": (6, 12), "C": (13, 43), "D": (44, 46), "E": (47, 50), "F": (51, 52),
    "G": (53, 60), "H": (61, 62), "I": (63, 65), "J": (66, 69), "K": (70, 70),
    "L": (71, 72), "M": (73, 75), "N": (76, 79), "O": (80, 82), "P": (83, 83),
    "Q": (84, 85), "R": (86, 90), "S": (91, 96), "T": (97, 97),
}
_SHAPE = re.compile(r"([A-T])(?:([0-9]{2})([0-9]{0,2}))?")


class IndustryError(ValueError):
    pass


def validate_industry(code: object) -> str:
    """Return code if it is a well-formed GB/T 4754-2017 code, else raise IndustryError."""
    if not isinstance(code, str):
        raise IndustryError(f"expected a GB/T 4754 code such as 'C38', found {code!r}")
    m = _SHAPE.fullmatch(code)
    if m is None:
        raise IndustryError(f"{code!r} is not a GB/T 4754 code: a section letter A-T, "
                            "optionally 2 division digits and up to 2 more (e.g. C, C38, C3811)")
    section, division = m.group(1), m.group(2)
    if division is not None:
        lo, hi = SECTIONS[section]
        if not lo <= int(division) <= hi:
            raise IndustryError(f"{code!r}: division {division} is not in section {section} "
                                f"(divisions {lo:02d}-{hi:02d})")
    return code
