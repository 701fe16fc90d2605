"""The zone's OCLC Connexion integration profile: every option that shapes the decision.

Theory of operation: one frozen value per profile. Options that Alma documents keep Alma's labels
(``reference/alma-behaviour.md`` section 1, CARLI IZ/NZ and CSU NZ profiles, S3, S4, S10). Where
Alma's documentation is silent, the choice is an explicit option with a stated default, so that a
spec can argue for the other value:

* ``match_method``: whether ``ocm``/``ocn``/``on`` prefixes and leading zeros are ignored (default:
  ``OCLC_NUMBER``, by value) or must agree (``LITERAL``). "Prefixes: [?] in Ex Libris material";
  TCNJ keeps both forms in every record, which suggests a literal match (S40).
* ``match_019_without_normalization``: whether 019 $a counts when no normalization step copies it
  to 035 $z (default: no; CARLI runs "Copy 019a to 035z" for it, S3, S5).
* ``block_equal_brief_levels``: a merge is blocked when "the Alma record has a higher Brief Record
  Level than the OCLC record" (S29): equal levels merge by default.
* ``missing_version_blocks``: with no usable 005 on either side the older-version guard does not
  block by default, "what happened with empty Originating System Version values" (S22).
* ``guard_order``: the order of the lock, brief and older-version guards (stages 8-10).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Final

from attrs import field, frozen

from almamatch.core.brief import BriefLevelRules, RecordBriefLevels
from almamatch.core.errors import InvalidProfile
from almamatch.core.merge import MergeMethod
from almamatch.core.normalization import (
    CopyCancelledTo035z,
    NormalizationStep,
    RemoveFields,
    RuleNormalization,
)

__all__ = [
    "DEFAULT_GUARD_ORDER",
    "Guard",
    "IntegrationProfile",
    "MatchMethod",
    "OlderVersionGuard",
]


class MatchMethod(enum.StrEnum):
    """How incoming OCLC numbers are compared with the zone's 035 $a/$z."""

    OCLC_NUMBER = "Unique OCLC Identifier"  # by value: prefixes, qualifier case, zeros ignored
    LITERAL = "Literal 035"  # value, prefix and digit count must all agree


class OlderVersionGuard(enum.StrEnum):
    """"Do not override/merge record with an older version": the values seen in profiles."""

    DISABLED = "Disabled"
    CONSIDER_ORIGINATING_SYSTEM = "Consider Originating System"


class Guard(enum.StrEnum):
    """The guards of stages 8-10, whose order a profile may change."""

    LOCK = "lock"
    BRIEF = "brief"
    OLDER_VERSION = "older_version"


DEFAULT_GUARD_ORDER: Final = (Guard.LOCK, Guard.BRIEF, Guard.OLDER_VERSION)


def _steps(values: Iterable[NormalizationStep]) -> tuple[NormalizationStep, ...]:
    return tuple(values)


def _guard_order(values: Iterable[Guard | str]) -> tuple[Guard, ...]:
    given = tuple(values)
    known = {guard.value: guard for guard in Guard}
    order = tuple(known.get(str(value)) for value in given)
    if sorted(str(guard) for guard in order) != sorted(DEFAULT_GUARD_ORDER):
        raise InvalidProfile(", ".join(str(value) for value in given), "bad_guard_order",
                             "the guard order names lock, brief and older_version once each")
    return tuple(guard for guard in order if guard is not None)


def _default_merge() -> MergeMethod:
    return MergeMethod.preset("Overlay all fields but local")


def _default_rules() -> BriefLevelRules:
    return BriefLevelRules.preset("carli")


@frozen(kw_only=True)
class IntegrationProfile:
    """An OCLC Connexion integration profile. Defaults follow CARLI's IZ profile."""

    name: str = "OCLC Connexion"
    password: str = field(repr=False)  # a secret: never in a repr or an error message
    normalization: tuple[NormalizationStep, ...] = field(
        converter=_steps, factory=lambda: (CopyCancelledTo035z(),)
    )
    validate_marcxml: bool = True  # "Check the data using: MarcXML Bib Import"
    match_method: MatchMethod = MatchMethod.OCLC_NUMBER
    match_019_without_normalization: bool = False
    brief_guard: bool = True  # "Do not override/merge a record with lower brief version"
    brief_rules: BriefLevelRules = field(factory=_default_rules)
    block_equal_brief_levels: bool = False
    older_version_guard: OlderVersionGuard = OlderVersionGuard.CONSIDER_ORIGINATING_SYSTEM
    missing_version_blocks: bool = False
    guard_order: tuple[Guard, ...] = field(converter=_guard_order, default=DEFAULT_GUARD_ORDER)
    merge_method: MergeMethod = field(factory=_default_merge)
    # Rules from Alma rule text (``almamatch.rules``, compiled once per profile): normalization
    # rules run after ``normalization`` at stage 4; merge rules are used instead of
    # ``merge_method``; brief-level rules rate both sides instead of ``brief_rules``.
    normalization_rules: RuleNormalization | None = None
    merge_rules: MergeMethod | None = None
    brief_level_rules: RecordBriefLevels | None = None

    @property
    def normalization_steps(self) -> tuple[NormalizationStep, ...]:
        """What stage 4 runs, in order: the named steps, then the normalization rules."""
        rules = self.normalization_rules
        return self.normalization if rules is None else (*self.normalization, rules)

    @property
    def levels(self) -> BriefLevelRules | RecordBriefLevels:
        """What rates a record's brief level, the incoming and the zone's bibs alike: the
        brief-level rules when given, else ``brief_rules``."""
        return self.brief_rules if self.brief_level_rules is None else self.brief_level_rules

    @property
    def merge(self) -> MergeMethod:
        """The merge a Merge decision applies: the merge rules when given, else the method."""
        return self.merge_method if self.merge_rules is None else self.merge_rules

    @classmethod
    def carli(cls, password: str) -> IntegrationProfile:
        """CARLI I-Share IZ/NZ (S3, S4): 019 copied to 035 $z, both guards on, overlay."""
        return cls(password=password)

    @classmethod
    def csu(cls, password: str) -> IntegrationProfile:
        """CSU NZ: remove 029,936,938,948,984; guards not documented, so left off."""
        return cls(
            name="CSU OCLC Connexion",
            password=password,
            normalization=(RemoveFields(("029", "936", "938", "948", "984")),),
            brief_guard=False,
            brief_rules=BriefLevelRules.preset("csu"),
            older_version_guard=OlderVersionGuard.DISABLED,
        )
