"""Alma brief levels and the rules that compute them from a record.

Theory of operation: Alma rates a bib's completeness on "Ten levels ... from 01 through 10, where
01 represents the most brief record and 10 represents a full record" (Ex Libris, Working with Brief
Record Levels, S17). The mapping from Leader/17 to a level is each consortium's own; a
``BriefLevelRules`` is that table plus a default for codes it does not list. The two presets are
copied from the consortia's published rules (``reference/alma-behaviour.md`` section 3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Protocol

from attrs import field, frozen

from almamatch.core.digits import digits_value
from almamatch.core.encoding import EncodingLevel
from almamatch.core.errors import InvalidBriefLevel, InvalidProfile
from almamatch.core.record import Bib  # which imports nothing of this module

__all__ = ["BriefLevel", "BriefLevelRules", "HasEncodingLevel", "RecordBriefLevels"]


def _level_value(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
        raise InvalidBriefLevel(value, "out_of_range", "Alma brief levels run from 01 to 10")
    return value


@frozen(order=True)
class BriefLevel:
    """A level on Alma's 01-10 scale; ordered, printed ``"05"``, never added to."""

    value: int = field(converter=_level_value)

    @classmethod
    def parse(cls, text: str | int) -> BriefLevel:
        """``"05"``, ``"5"`` or ``5``; anything else raises ``InvalidBriefLevel``."""
        if isinstance(text, int):
            return cls(text)
        stripped = text.strip()
        if not stripped.isdigit() or not stripped.isascii():
            raise InvalidBriefLevel(text, "not_a_number")
        value = digits_value(stripped, max_digits=2)  # any zero padding, past int()'s limit
        if value is None:
            raise InvalidBriefLevel(text, "out_of_range", "Alma brief levels run from 01 to 10")
        return cls(value)

    @property
    def is_full(self) -> bool:
        return self.value == 10

    def __str__(self) -> str:
        return f"{self.value:02d}"

    def __repr__(self) -> str:
        return f"<BriefLevel({self.value:02d})>"


class HasEncodingLevel(Protocol):
    """Anything with a Leader/17, such as a ``Bib``."""

    @property
    def encoding_level(self) -> EncodingLevel: ...


class RecordBriefLevels(Protocol):
    """Brief levels computed from the whole record, as brief-level rule text does
    (``almamatch.rules.BriefLevelRuleSet``): the core asks without knowing the language."""

    @property
    def name(self) -> str: ...

    def level_of(self, record: Bib) -> BriefLevel: ...


def _table(mapping: Mapping[str, BriefLevel]) -> tuple[tuple[str, BriefLevel], ...]:
    return tuple(sorted(mapping.items()))


@frozen(kw_only=True)
class BriefLevelRules:
    """Leader/17 to brief level, by table, with a default for codes the table does not list."""

    name: str
    table: tuple[tuple[str, BriefLevel], ...]
    default: BriefLevel

    @classmethod
    def from_table(
        cls,
        table: Mapping[str, int | str | BriefLevel],
        *,
        default: int | str | BriefLevel = 1,
        name: str = "custom",
    ) -> BriefLevelRules:
        """Rules from ``{Leader/17 code: level}``; ``"#"`` may stand for blank.

        >>> BriefLevelRules.from_table({"#": 10, "7": 5}, default=1).level_of("7")
        <BriefLevel(05)>
        """
        parsed: dict[str, BriefLevel] = {}
        for code, level in table.items():
            key = " " if code in ("#", "blank", "") else EncodingLevel(code).code
            parsed[key] = level if isinstance(level, BriefLevel) else BriefLevel.parse(level)
        fallback = default if isinstance(default, BriefLevel) else BriefLevel.parse(default)
        return cls(name=name, table=_table(parsed), default=fallback)

    @classmethod
    def from_levels(
        cls, levels: Mapping[int, str], *, default: int = 1, name: str = "custom"
    ) -> BriefLevelRules:
        """Rules written level first, as consortia publish them: ``{10: "#1IL", 7: "24M"}``."""
        table: dict[str, int | str | BriefLevel] = {}
        for level, codes in levels.items():
            for code in codes:
                table[code] = level
        return cls.from_table(table, default=default, name=name)

    @classmethod
    def preset(cls, name: str) -> BriefLevelRules:
        """``"carli"`` or ``"csu"``; otherwise ``InvalidProfile`` names the known presets."""
        try:
            return _PRESETS[name.lower()]
        except KeyError:
            known = ", ".join(sorted(_PRESETS))
            raise InvalidProfile(name, "unknown_preset",
                                 f"no brief-level preset of that name; known: {known}") from None

    @classmethod
    def preset_names(cls) -> tuple[str, ...]:
        return tuple(sorted(_PRESETS))

    def level_of(self, record: HasEncodingLevel | EncodingLevel | str) -> BriefLevel:
        """The brief level of a record, an ``EncodingLevel`` or a Leader/17 character."""
        if record.__class__ is Bib:  # its Leader/17, as ``Bib.encoding_level`` reads it
            code = record.leader[17]
        elif isinstance(record, str):
            code = " " if record == "#" else EncodingLevel(record).code
        elif isinstance(record, EncodingLevel):
            code = record.code
        else:
            code = record.encoding_level.code
        for listed, level in self.table:
            if listed == code:
                return level
        return self.default


_PRESETS: Final = {
    # CARLI I-Share brief levels (rev. 2021-06-14), S9: "01 = u, z, any value not defined below;
    # 02 = 5; 03 = 3; 04 = 8; 05 = 7, K; 07 = 2, 4, M; 10 = blank, 1, I, L (06, 08, 09 unused)".
    "carli": BriefLevelRules.from_levels(
        {10: " 1IL", 7: "24M", 5: "7K", 4: "8", 3: "3", 2: "5", 1: "uz"}, default=1, name="carli"
    ),
    # CSU/Orbis NZ rule, S11: "10 = blank; 09 = I, L; 08 = 1; 07 = 4; 06 = K, M; 05 = 2, 7;
    # 04 = 8; 03 = 3; 02 = 5 (also u, z); 01 = J", other codes fall to 02.
    "csu": BriefLevelRules.from_levels(
        {10: " ", 9: "IL", 8: "1", 7: "4", 6: "KM", 5: "27", 4: "8", 3: "3", 2: "5uz", 1: "J"},
        default=2,
        name="csu",
    ),
}
