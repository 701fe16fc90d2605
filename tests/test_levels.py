"""EncodingLevel (Leader/17), BriefLevel and the brief-level presets of alma-behaviour.md §3."""

from __future__ import annotations

import itertools

import pytest

from almamatch import BriefLevelRules
from almamatch.core.brief import BriefLevel
from almamatch.core.encoding import EncodingLevel, EncodingScheme
from almamatch.core.errors import InvalidBriefLevel, InvalidEncodingLevel, InvalidProfile

# (Leader/17, scheme): MARC 21 (ITS MARC Leader/17) and OCLC's codes (CONSER, OhioLINK).
SCHEMES: list[tuple[str, EncodingScheme]] = [
    *((code, EncodingScheme.MARC21) for code in " 1234578uz"),
    *((code, EncodingScheme.OCLC) for code in "IKLMJEW"),
    # pride-and-prejudice and hathitrust hold these: they load, as invalid codes
    *((code, EncodingScheme.INVALID) for code in "bmg0a9lZ6#"),
]


@pytest.mark.parametrize(("code", "scheme"), SCHEMES)
def test_encoding_scheme(code: str, scheme: EncodingScheme) -> None:
    level = EncodingLevel(code)
    assert level.scheme is scheme
    assert level.is_valid is (scheme is not EncodingScheme.INVALID)
    assert (level.meaning == "Invalid code") is (scheme is EncodingScheme.INVALID)


@pytest.mark.parametrize("bad", ["", "  ", "17", "IK"])
def test_encoding_level_is_one_character(bad: str) -> None:
    with pytest.raises(InvalidEncodingLevel):
        EncodingLevel(bad)


def test_blank_displays_as_hash() -> None:
    assert str(EncodingLevel(" ")) == "#"
    assert str(EncodingLevel("I")) == "I"


# CARLI I-Share (S9): "01 = u, z, any value not defined below; 02 = 5; 03 = 3; 04 = 8; 05 = 7, K;
# 07 = 2, 4, M; 10 = blank, 1, I, L (06, 08, 09 unused)".
CARLI: dict[str, int] = {
    " ": 10, "1": 10, "I": 10, "L": 10,
    "2": 7, "4": 7, "M": 7,
    "7": 5, "K": 5,
    "8": 4, "3": 3, "5": 2,
    "u": 1, "z": 1,
    # any value not defined
    "J": 1, "E": 1, "W": 1, "b": 1, "m": 1, "0": 1, "9": 1,
}
# CSU/Orbis (S11): "10 = blank; 09 = I, L; 08 = 1; 07 = 4; 06 = K, M; 05 = 2, 7; 04 = 8; 03 = 3;
# 02 = 5 (also u, z); 01 = J".
CSU: dict[str, int] = {
    " ": 10, "I": 9, "L": 9, "1": 8, "4": 7, "K": 6, "M": 6, "2": 5, "7": 5,
    "8": 4, "3": 3, "5": 2, "u": 2, "z": 2, "J": 1,
    # others fall to 02 with u and z
    "E": 2, "W": 2, "b": 2, "m": 2,
}


@pytest.mark.parametrize(
    ("preset", "code", "level"),
    [("carli", code, level) for code, level in CARLI.items()]
    + [("csu", code, level) for code, level in CSU.items()],
)
def test_presets(preset: str, code: str, level: int) -> None:
    rules = BriefLevelRules.preset(preset)
    assert rules.level_of(code) == BriefLevel(level)
    assert rules.level_of(EncodingLevel(code)) == BriefLevel(level)


def test_carli_leaves_06_08_09_unused() -> None:
    rules = BriefLevelRules.preset("carli")
    used = {rules.level_of(chr(code)).value for code in range(32, 127)}
    assert used == {1, 2, 3, 4, 5, 7, 10}


def test_preset_names_and_unknown() -> None:
    assert BriefLevelRules.preset_names() == ("carli", "csu")
    assert BriefLevelRules.preset("CARLI").name == "carli"
    with pytest.raises(InvalidProfile, match="carli, csu"):
        BriefLevelRules.preset("harvard")


def test_hash_means_blank_in_tables_and_lookups() -> None:
    rules = BriefLevelRules.from_table({"#": 10, "7": 5, "K": "05"}, default=1, name="ours")
    assert rules.level_of("#") == rules.level_of(" ") == BriefLevel(10)
    assert rules.level_of("K") == BriefLevel(5)
    assert rules.level_of("z") == BriefLevel(1)
    assert rules.name == "ours"


def test_from_table_rejects_bad_levels() -> None:
    with pytest.raises(InvalidBriefLevel):
        BriefLevelRules.from_table({"#": 11})
    with pytest.raises(InvalidEncodingLevel):
        BriefLevelRules.from_table({"IK": 5})


@pytest.mark.parametrize(("text", "value"), [("05", 5), ("5", 5), (10, 10), (" 01 ", 1)])
def test_brief_level_parse(text: str | int, value: int) -> None:
    assert BriefLevel.parse(text) == BriefLevel(value)


@pytest.mark.parametrize("bad", ["0", "11", "", "five", "\u0665", -1, 0, 11])
def test_brief_level_invalid(bad: str | int) -> None:
    with pytest.raises(InvalidBriefLevel):
        BriefLevel.parse(bad)


def test_brief_level_order_and_print() -> None:
    levels = [BriefLevel(value) for value in range(1, 11)]
    for (i, a), (j, b) in itertools.product(enumerate(levels), repeat=2):
        assert (a < b) is (i < j)
    assert str(BriefLevel(5)) == "05"
    assert BriefLevel(10).is_full
    assert not BriefLevel(9).is_full
