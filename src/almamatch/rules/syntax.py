"""The values a rule file parses into: frozen, compared by content, printed by ``format_rules``.

Theory of operation: one tree for the four kinds of Alma rule (normalization, merge, brief level,
indication), so that one parser, one formatter and one condition evaluator serve them all. A
``RuleFile`` is an ordered tuple of ``Rule``; a rule has a name, an optional priority, a ``when``
(a ``Condition``, or ``MERGE`` for ``when merge``) and ``then`` statements. Positions in the text
are kept for messages but never compared, so that ``parse(format(x)) == x``.
"""

from __future__ import annotations

import enum
from typing import TypeAlias

from attrs import field, frozen

from almamatch.core.errors import AlmamatchError
from almamatch.core.wildcard import Glob

__all__ = [
    "ANY",
    "AddToText",
    "And",
    "Condition",
    "ControlExists",
    "FieldExists",
    "Indicators",
    "InvalidRuleText",
    "MergeClause",
    "MergeStatement",
    "Not",
    "Or",
    "Preferred",
    "Rule",
    "RuleFile",
    "RuleKind",
    "SetStatement",
    "Statement",
    "TagGlob",
    "TrueCondition",
    "ValuePattern",
    "Verb",
    "When",
]

#: An indicator or subfield code written ``*``: any.
ANY = "*"


class InvalidRuleText(AlmamatchError):
    """Rule text that does not parse, or names an action with arguments it cannot take.

    ``line`` and ``column`` count from 1 (``offset`` from 0); ``rule`` is the name of the rule
    being read ("" before the first); ``hint`` says what would have been accepted; ``excerpt``
    is the line with a caret.
    """

    def __init__(
        self,
        text: object,
        reason: str,
        detail: str = "",
        *,
        line: int = 0,
        column: int = 0,
        rule: str = "",
        hint: str = "",
        excerpt: str = "",
        offset: int = 0,
    ) -> None:
        self.offset = offset  # characters from the start of the text
        self.line = line
        self.column = column
        self.rule = rule
        self.hint = hint
        self.excerpt = excerpt
        super().__init__(text, reason, detail)

    @property
    def report(self) -> str:
        """Several lines for a person: where, what, the line with a caret, and the hint."""
        where = f"line {self.line}, column {self.column}"
        if self.rule:
            where += f", in rule {self.rule!r}"
        lines = [f"{where}: {self.detail or self.reason}"]
        if self.excerpt:
            lines.append(self.excerpt)
        if self.hint:
            lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


class RuleKind(enum.StrEnum):
    NORMALIZATION = "normalization"
    MERGE = "merge"
    BRIEF_LEVEL = "brief_level"
    INDICATION = "indication"
    #: Authority heading display rules (``when preferred then add to text ...``): parsed, not run.
    DISPLAY = "display"


@frozen
class TagGlob:
    """A tag pattern: ``245``, ``2**``, ``9XX``, ``0*``; ``*`` is any run, ``X``/``x`` any one
    character (almamatch reads an ``X`` in a tag as the wildcard, as merge rules write it).

    The pattern's shape is worked out once, at construction: a literal tag compares with ``==``,
    a prefix (``89*``, ``2**``) with ``startswith``, three characters with ``X`` position by
    position; only other shapes take the general matcher.
    """

    text: str
    _shape: tuple[str, str] = field(init=False, eq=False, hash=False, repr=False, order=False)

    def __attrs_post_init__(self) -> None:
        text = self.text
        stem = text.rstrip("*")
        if not any(c in "*Xx" for c in text):
            shape = ("literal", text)
        elif stem != text and not any(c in "*Xx" for c in stem):
            shape = ("prefix", stem)
        elif len(text) == 3 and "*" not in text:
            shape = ("positions", text)
        else:
            shape = ("general", text)
        object.__setattr__(self, "_shape", shape)

    def matches(self, tag: str) -> bool:
        kind, text = self._shape
        if kind == "literal":
            return tag == text
        if kind == "prefix":
            return tag.startswith(text)
        if kind == "positions":
            return len(tag) == 3 and all(
                p in "Xx" or p == t for p, t in zip(text, tag, strict=True)
            )
        return _tag_matches(text, 0, tag, 0)

    @property
    def is_literal(self) -> bool:
        return self._shape[0] == "literal"


def _tag_matches(pattern: str, p: int, tag: str, t: int) -> bool:
    # Tags are three characters: the recursion is bounded by the tag's length, not the pattern's.
    while p < len(pattern):
        char = pattern[p]
        if char == "*":
            rest = pattern[p + 1 :].lstrip("*")
            if not rest:
                return True
            return any(_tag_matches(rest, 0, tag, start) for start in range(t, len(tag) + 1))
        if t >= len(tag) or (char not in "Xx" and char != tag[t]):
            return False
        p += 1
        t += 1
    return t == len(tag)


def _globs(values: tuple[Glob, ...] | list[Glob]) -> tuple[Glob, ...]:
    return tuple(values)


@frozen
class ValuePattern:
    """``a|b*|c``: one or more globs; matches when any alternative matches the whole value."""

    alternatives: tuple[Glob, ...] = field(converter=_globs)

    def matches(self, text: str) -> bool:
        return any(glob.matches(text) for glob in self.alternatives)


@frozen
class Indicators:
    """``{ind1,ind2}``: each one character, ``*`` for any; blank is a space."""

    first: str
    second: str

    def matches(self, first: str, second: str) -> bool:
        return (self.first in (ANY, first)) and (self.second in (ANY, second))


# -- conditions ---------------------------------------------------------------------------------
@frozen
class TrueCondition:
    """``TRUE``: always holds."""


@frozen
class FieldExists:
    """``exists "tag.{i1,i2}.code.value"``: a data field with that tag (and indicators) that has
    that subfield (with a value the pattern matches); a bare tag asks for the field alone."""

    tag: TagGlob
    indicators: Indicators | None = None
    code: str | None = None
    value: ValuePattern | None = None


@frozen
class ControlExists:
    """``existsControl "LDR.{pos,len}.value"``: the leader or a control field whose characters at
    ``pos`` (``len`` of them) match the value; without a position the whole value is compared."""

    tag: TagGlob
    position: int | None = None
    length: int | None = None
    value: ValuePattern | None = None


@frozen
class Preferred:
    """``preferred``: a heading display rule's test that the heading is the preferred form."""


@frozen
class Not:
    operand: Condition


def _conditions(values: tuple[Condition, ...] | list[Condition]) -> tuple[Condition, ...]:
    return tuple(values)


@frozen
class And:
    operands: tuple[Condition, ...] = field(converter=_conditions)


@frozen
class Or:
    operands: tuple[Condition, ...] = field(converter=_conditions)


Condition: TypeAlias = TrueCondition | Preferred | FieldExists | ControlExists | Not | And | Or


# -- statements ---------------------------------------------------------------------------------
class When(enum.Enum):
    """``when merge``: the trigger of a merge rule, which has no record condition."""

    MERGE = "merge"


@frozen
class Verb:
    """A normalization action: ``removeField "035" if (exists "035.a.(OCoLC)o*")``.

    ``subject`` is the first string; ``connector`` the word between the two strings (``to``,
    ``with``, ``excluding``, or ``""`` when two strings follow each other); ``object`` the second
    string; ``guard`` the ``if`` condition. Meaning is given by ``rules.normalize``.
    """

    name: str
    subject: str
    connector: str | None = None
    object: str | None = None
    guard: Condition | None = None
    position: int = field(default=0, eq=False, repr=False)


@frozen
class SetStatement:
    """``set brief_level."07"`` or ``set indication."true"``."""

    target: str  # "brief_level" or "indication"
    value: str
    position: int = field(default=0, eq=False, repr=False)


@frozen
class AddToText:
    """``add to text displayValue`` / ``add to text " | "`` / ``add to text from "372.a"``.

    ``kind`` is ``"word"`` (a named value), ``"literal"`` (a quoted string) or ``"from"`` (the
    values of a field selector).
    """

    kind: str
    value: str
    position: int = field(default=0, eq=False, repr=False)


@frozen(kw_only=True)
class MergeClause:
    """One clause after a merge selector, as written.

    ``kind`` is one of ``excluding_tags`` (``text``: "001,035"), ``excluding_first`` /
    ``excluding_second`` (``text``: the indicator), ``excluding_local`` (local extensions),
    ``excluding`` / ``when`` (``condition``),
    ``if_exists`` / ``if_not_exists`` (the primary record has / lacks a selected field),
    ``if_subfield`` / ``if_not_subfield`` (``text``: the subfield code).
    """

    kind: str
    text: str = ""
    condition: MergeCondition | None = None


@frozen(kw_only=True)
class MergeCondition:
    """``MARC."035"."a" contains "OCoLC"`` (``code``, ``contains``) or ``MARC."035"("9","9")``
    (``indicators``)."""

    tag: str
    code: str | None = None
    contains: str | None = None
    indicators: tuple[str, str] | None = None


def _clauses(values: tuple[MergeClause, ...] | list[MergeClause]) -> tuple[MergeClause, ...]:
    return tuple(values)


@frozen(kw_only=True)
class MergeStatement:
    """``add|remove|replace MARC[.control]."tag"[XX][(i1,i2)] clause*``.

    ``tag`` is the tag text as written, digits and ``X`` joined (``"0XX"``, ``"580X"``, ``"LDR"``,
    ``"541,561"``); ``control`` records ``MARC.control."..."``.
    """

    action: str
    tag: str
    control: bool = False
    indicators: tuple[str, str] | None = None
    clauses: tuple[MergeClause, ...] = field(converter=_clauses, factory=tuple)
    position: int = field(default=0, eq=False, repr=False)


Statement: TypeAlias = Verb | SetStatement | MergeStatement | AddToText


def _statements(values: tuple[Statement, ...] | list[Statement]) -> tuple[Statement, ...]:
    return tuple(values)


@frozen(kw_only=True)
class Rule:
    """``rule "name" [priority N] when ... then ... end``."""

    name: str
    priority: int | None = None
    when: Condition | When
    then: tuple[Statement, ...] = field(converter=_statements, factory=tuple)
    position: int = field(default=0, eq=False, repr=False)

    @property
    def kind(self) -> RuleKind:
        if self.when is When.MERGE:
            return RuleKind.MERGE
        for statement in self.then:
            if isinstance(statement, AddToText):
                return RuleKind.DISPLAY
            if isinstance(statement, SetStatement):
                return (
                    RuleKind.BRIEF_LEVEL
                    if statement.target == "brief_level"
                    else RuleKind.INDICATION
                )
        return RuleKind.NORMALIZATION


def _rules(values: tuple[Rule, ...] | list[Rule]) -> tuple[Rule, ...]:
    return tuple(values)


@frozen
class RuleFile:
    """The rules of one file, in file order."""

    rules: tuple[Rule, ...] = field(converter=_rules)

    @property
    def kinds(self) -> frozenset[RuleKind]:
        return frozenset(rule.kind for rule in self.rules)

    def in_run_order(self) -> tuple[Rule, ...]:
        """Higher ``priority`` (or ``salience``) first; equal priorities keep file order.

        "When there is a priority or a salience the higher priority or salience occurs first"
        (https://developers.exlibrisgroup.com/blog/alma-normalization-rule-examples/); a rule
        without one counts as priority 0 (almamatch's choice, as Drools' default salience).
        """
        return tuple(sorted(self.rules, key=lambda rule: -(rule.priority or 0)))
