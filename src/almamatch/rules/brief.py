"""Brief-level rules from their text: which level a record gets, and which rule gave it.

Theory of operation: a brief-level rule file is a list of ``rule "..." when <condition> then
set brief_level."NN" end``. Rules are tried in run order (higher ``priority`` first, then file
order) and the first whose condition holds gives the level; a record no rule matches gets
``default``.

Which rule wins is not stated in Ex Libris' pages that almamatch found; the order is what the
published rule sets rely on: Princeton's definition (adopted from Harvard's) says of level 01
"The rule is processed first, and no further tests are made if the record meets the criteria"
(https://pul-confluence.atlassian.net/wiki/spaces/ALMA/pages/1769801/Alma+Brief+Record+Levels),
and Harvard's file puts "Brief 09" (blank or 7 with 010 and 042) before "Brief 07" and "Brief 08",
which also match such records, and calls "Brief 03" a "precedence over other rules except
sparse" rule: the first matching rule in file order wins, not the highest level. The default for
a record no rule matches is 01, CARLI's "any value not defined below" (S9); a profile can give
another.
"""

from __future__ import annotations

from attrs import field, frozen

from almamatch.core.brief import BriefLevel
from almamatch.core.errors import InvalidBriefLevel
from almamatch.core.record import Bib
from almamatch.rules.conditions import holds
from almamatch.rules.syntax import Condition, InvalidRuleText, RuleFile, SetStatement, When

__all__ = ["BriefLevelRuleSet", "LevelMatch", "compile_brief_levels"]


@frozen
class LevelMatch:
    """The level a record gets, and the rule that gave it (None: no rule matched, default)."""

    level: BriefLevel
    rule: str | None


@frozen(eq=False)
class BriefLevelRuleSet:
    """Compiled brief-level rules; ``level_of`` is what ``decide()`` asks (both sides)."""

    name: str
    rules: tuple[tuple[str, Condition, BriefLevel], ...] = field(repr=False)
    default: BriefLevel

    def explain(self, record: Bib) -> LevelMatch:
        leader, fields = record.leader, record.fields
        for name, condition, level in self.rules:
            if holds(condition, leader, fields):
                return LevelMatch(level, name)
        return LevelMatch(self.default, None)

    def level_of(self, record: Bib) -> BriefLevel:
        return self.explain(record).level


def compile_brief_levels(
    file: RuleFile, *, name: str = "brief-level rules", default: BriefLevel | None = None
) -> BriefLevelRuleSet:
    """The file's brief-level rules; ``InvalidRuleText`` names a rule that sets no level."""
    compiled: list[tuple[str, Condition, BriefLevel]] = []
    for rule in file.in_run_order():
        sets = [s for s in rule.then if isinstance(s, SetStatement) and s.target == "brief_level"]
        if rule.when is When.MERGE or len(sets) != 1 or len(rule.then) != 1:
            raise InvalidRuleText(
                rule.name, "not_brief_level", "a brief-level rule sets one brief level",
                rule=rule.name, hint='rule "name" when <condition> then set brief_level."07" end',
            )
        try:
            level = BriefLevel.parse(sets[0].value)
        except InvalidBriefLevel as error:
            raise InvalidRuleText(
                sets[0].value, "bad_brief_level", str(error), rule=rule.name,
                hint="a level from 01 to 10",
            ) from None
        compiled.append((rule.name, rule.when, level))
    return BriefLevelRuleSet(name=name, rules=tuple(compiled), default=default or BriefLevel(1))
