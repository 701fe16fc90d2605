"""Leader/17, the encoding level, as a typed code.

Theory of operation: every one-character value loads, because real files carry invalid codes
(``b``, ``m``, ``0``, ``9`` in marc4j's pride-and-prejudice). A code is MARC 21, OCLC-defined
or invalid; the brief-level rules decide what each is worth.

MARC 21 (ITS MARC Leader/17): blank full, 1 full not examined, 2 less-than-full not examined,
3 abbreviated, 4 core, 5 partial (preliminary), 7 minimal, 8 prepublication (CIP), u unknown,
z not applicable. OCLC (CONSER Editing Guide, OhioLINK): I full by an OCLC participant, K minimal
by a participant, L full batch-loaded, M less-than-full batch-loaded, J deleted, E and W batchload
error and warning. See ``reference/oclc-numbers-and-levels.md`` section 4.
"""

from __future__ import annotations

import enum
from typing import Final

from attrs import field, frozen

from almamatch.core.errors import InvalidEncodingLevel

__all__ = ["EncodingLevel", "EncodingScheme"]


class EncodingScheme(enum.Enum):
    """Who defines a Leader/17 code."""

    MARC21 = "MARC 21"
    OCLC = "OCLC"
    INVALID = "invalid"


MARC21_LEVELS: Final = {
    " ": "Full level",
    "1": "Full level, material not examined",
    "2": "Less-than-full level, material not examined",
    "3": "Abbreviated level",
    "4": "Core level",
    "5": "Partial (preliminary) level",
    "7": "Minimal level",
    "8": "Prepublication level",
    "u": "Unknown",
    "z": "Not applicable",
}
OCLC_LEVELS: Final = {
    "I": "Full level, input by OCLC participant",
    "K": "Less-than-full level, input by OCLC participant",
    "L": "Full level, added from a batch process",
    "M": "Less-than-full level, added from a batch process",
    "J": "Deleted record",
    "E": "System-identified MARC error in a batchloaded record",
    "W": "Minimal level, batchloaded record with a warning",
}


def _one_character(code: str) -> str:
    if not isinstance(code, str) or len(code) != 1:
        raise InvalidEncodingLevel(code, "not_one_character", "Leader/17 is one character")
    return code


@frozen(order=True)
class EncodingLevel:
    """One Leader/17 character; ``EncodingLevel(" ")`` is full level."""

    code: str = field(converter=_one_character)

    @property
    def scheme(self) -> EncodingScheme:
        if self.code in MARC21_LEVELS:
            return EncodingScheme.MARC21
        if self.code in OCLC_LEVELS:
            return EncodingScheme.OCLC
        return EncodingScheme.INVALID

    @property
    def is_valid(self) -> bool:
        return self.scheme is not EncodingScheme.INVALID

    @property
    def meaning(self) -> str:
        return MARC21_LEVELS.get(self.code) or OCLC_LEVELS.get(self.code) or "Invalid code"

    @property
    def display(self) -> str:
        """The code as catalogers write it: ``#`` for blank."""
        return "#" if self.code == " " else self.code

    def __str__(self) -> str:
        return self.display

    def __repr__(self) -> str:
        return f"<EncodingLevel({self.code!r})>"
