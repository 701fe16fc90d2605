"""Merge rules from their text: compiled into the core's ``MergeMethod``, the one merge engine.

Theory of operation: a merge rule file (``rule "..." when merge then ... end``) becomes one
``MergeMethod`` whose ``MergeRule`` values the core runs (``core.merge``); the named presets are
rule text too (``PRESET_TEXT``) and compile to exactly the core's preset values, so there is one
engine and one meaning. What each clause becomes:

* ``add|remove|replace MARC."245"`` -> that action over the tag pattern (``"0"XX``, ``MARC.XXX``,
  ``MARC.control."LDR"``, ``"541,561"`` one rule per tag);
* ``MARC."650"(" ","0")`` -> only fields with those indicators;
* ``excluding "001,035"`` -> those tags are left alone; ``excluding second indicator "8"`` and
  ``excluding MARC."035"("9","9")`` or ``excluding MARC."035"."a" contains "x"`` -> fields that
  satisfy them are left alone; ``when ...`` -> only fields that satisfy it;
* ``if exists subfield "5"`` / ``if not exists subfield "5"`` -> only fields with / without $5;
* ``if exists`` / ``if does not exist`` -> only when the primary (existing) record has / lacks a
  selected field (``MergeRule.primary``).

A four-character tag such as Harvard's ``"580"X`` names no MARC tag: the statement is kept in the
text but selects nothing, and ``notes`` says so (almamatch's reading; Alma accepted the file).
"""

from __future__ import annotations

from typing import Final

from attrs import frozen

from almamatch.core.merge import (
    Condition,
    HasSubfield,
    Indicators,
    InvalidMergeRule,
    LocalExtension,
    MergeAction,
    MergeMethod,
    MergeRule,
    TagPattern,
)
from almamatch.rules.formatter import format_rules
from almamatch.rules.parser import parse
from almamatch.rules.syntax import (
    InvalidRuleText,
    MergeClause,
    MergeCondition,
    MergeStatement,
    Rule,
    RuleFile,
    Statement,
    When,
)

__all__ = ["PRESET_TEXT", "CompiledMerge", "compile_merge", "format_merge_rule",
           "parse_merge_rule"]

#: The named merge methods as rule text. "Overlay all fields but local" keeps 001, 9XX, the
#: 035s with indicators 9 and blank (PALS, S36) and local extensions, written with
#: ``$9 LOCAL`` conditions on the four local groups (Ex Libris KB, S21).
PRESET_TEXT: Final = {
    "Overlay all fields but local": """\
rule "Overlay all fields but local"
when
    merge
then
    replace MARC."LDR"
    remove MARC."*" excluding "001,9XX" excluding local extension excluding MARC."035"("9"," ")
    add MARC."*" excluding "001,9XX" excluding local extension excluding MARC."035"("9"," ")
end
""",
    "Keep only old value": """\
rule "Keep only old value"
when
    merge
then
end
""",
    "Replace 245 and 035": """\
rule "Replace 245 and 035"
when
    merge
then
    replace MARC."245"
    replace MARC."035"
end
""",
}


@frozen
class CompiledMerge:
    """The merge method a rule file describes, and what almamatch noticed compiling it."""

    method: MergeMethod
    notes: tuple[str, ...]
    unused: tuple[MergeStatement, ...] = ()  # the statements the notes are about


def _condition(condition: MergeCondition) -> Condition:
    tag = TagPattern(condition.tag)
    if condition.indicators is not None:
        first, second = condition.indicators
        return Indicators(tag=tag, first=first, second=second)
    return HasSubfield(tag=tag, code=condition.code or "", contains=condition.contains or "")


def _statement_rules(statement: MergeStatement, rule: Rule) -> tuple[list[MergeRule], str]:
    action = MergeAction(statement.action)
    when: list[Condition] = []
    unless: list[Condition] = []
    excluding: list[TagPattern] = []
    primary: bool | None = None
    for clause in statement.clauses:
        match clause.kind:
            case "excluding_tags":
                excluding.extend(TagPattern(t.strip().upper()) for t in clause.text.split(",")
                                 if t.strip())
            case "excluding_first":
                unless.append(Indicators(first=clause.text))
            case "excluding_second":
                unless.append(Indicators(second=clause.text))
            case "excluding_local":
                unless.append(LocalExtension())
            case "excluding" | "when":
                assert clause.condition is not None
                (unless if clause.kind == "excluding" else when).append(
                    _condition(clause.condition))
            case "if_subfield":
                when.append(HasSubfield(code=clause.text, contains=""))
            case "if_not_subfield":
                unless.append(HasSubfield(code=clause.text, contains=""))
            case "if_exists":
                primary = True
            case "if_not_exists":
                primary = False
            case other:
                raise InvalidRuleText(other, "bad_clause", rule=rule.name)
    rules: list[MergeRule] = []
    for text in statement.tag.split(","):
        tag = text.strip().upper()
        if tag in {"*", "LDR"} or (len(tag) == 3 and set(tag) <= set("0123456789X")):
            scoped = list(when)
            if statement.indicators is not None:
                first, second = statement.indicators
                scoped.insert(0, Indicators(tag=tag, first=first, second=second))
            rules.append(MergeRule(action=action, pattern=tag, excluding=excluding, when=scoped,
                                   unless=unless, primary=primary))
        else:
            return [], f"{statement.action} {text!r}: no MARC tag has this form; selects nothing"
    return rules, ""


def compile_merge(file: RuleFile) -> CompiledMerge:
    """The one merge rule in ``file`` as a ``MergeMethod``; ``InvalidRuleText`` otherwise."""
    merges = [rule for rule in file.rules if rule.when is When.MERGE]
    if len(merges) != 1 or len(file.rules) != 1:
        raise InvalidRuleText(
            len(file.rules), "not_one_merge_rule",
            f"a merge rule file holds one merge rule, found {len(merges)} of {len(file.rules)}",
            hint='rule "name" when merge then ... end',
        )
    rule = merges[0]
    rules: list[MergeRule] = []
    notes: list[str] = []
    unused: list[MergeStatement] = []
    for statement in rule.then:
        if not isinstance(statement, MergeStatement):
            raise InvalidRuleText(rule.name, "not_merge", rule=rule.name)
        found, note = _statement_rules(statement, rule)
        rules.extend(found)
        if note:
            notes.append(note)
            unused.append(statement)
    return CompiledMerge(MergeMethod(name=rule.name, rules=rules), tuple(notes), tuple(unused))


def parse_merge_rule(text: str) -> MergeMethod:
    """The ``MergeMethod`` one Alma merge rule describes; ``InvalidMergeRule`` otherwise, with
    the line, column and offset of the first token that does not fit."""
    if not isinstance(text, str):
        raise InvalidMergeRule(text, "not_text", "a merge rule is text")
    try:
        compiled = compile_merge(parse(text))
    except InvalidRuleText as error:
        detail = error.detail
        if error.line:
            message = detail.split(": ", 1)[-1]
            detail = f"line {error.line}, column {error.column} (offset {error.offset}): {message}"
        raise InvalidMergeRule(error.text, error.reason, detail, position=error.offset) from None
    # A statement that selects no tag is a note in a rule file (Harvard's "580"X); a rule given
    # to this function is refused for it.
    for statement in compiled.unused:
        raise InvalidMergeRule(statement.tag, "bad_tag_pattern",
                               'a tag such as "245", "0"XX, "LDR" or "*"',
                               position=statement.position)
    return compiled.method


def _clauses_of(rule: MergeRule) -> list[MergeClause]:
    clauses: list[MergeClause] = []
    if rule.excluding:
        clauses.append(MergeClause(kind="excluding_tags",
                                   text=",".join(p.text for p in rule.excluding)))
    for kind, conditions in (("when", rule.when), ("excluding", rule.unless)):
        for condition in conditions:
            clauses.append(_clause_of(kind, condition))
    if rule.primary is not None:
        clauses.append(MergeClause(kind="if_exists" if rule.primary else "if_not_exists"))
    return clauses


def _clause_of(kind: str, condition: Condition) -> MergeClause:
    match condition:
        case LocalExtension():
            if kind == "excluding":
                return MergeClause(kind="excluding_local")
        case HasSubfield(tag=None, contains="") if kind == "when":
            return MergeClause(kind="if_subfield", text=condition.code)
        case HasSubfield(tag=None, contains="") if kind == "excluding":
            return MergeClause(kind="if_not_subfield", text=condition.code)
        case HasSubfield(tag=TagPattern() as tag):
            return MergeClause(kind=kind, condition=MergeCondition(
                tag=tag.text, code=condition.code, contains=condition.contains))
        case Indicators(tag=None, first=str() as first, second=None) if kind == "excluding":
            return MergeClause(kind="excluding_first", text=first)
        case Indicators(tag=None, first=None, second=str() as second) if kind == "excluding":
            return MergeClause(kind="excluding_second", text=second)
        case Indicators(tag=TagPattern() as tag, first=str() as first, second=str() as second):
            return MergeClause(kind=kind, condition=MergeCondition(
                tag=tag.text, indicators=(first, second)))
    raise InvalidMergeRule(condition, "no_rule_syntax",
                           "Alma's rule text has no form for this condition")


def format_merge_rule(method: MergeMethod) -> str:
    """``method`` as Alma rule text, one action a line; ``parse_merge_rule`` reads it back."""
    statements: list[Statement] = [
        MergeStatement(action=rule.action.value, tag=rule.pattern.text,
                       clauses=_clauses_of(rule))
        for rule in method.rules
    ]
    return format_rules(RuleFile([Rule(name=method.name, when=When.MERGE, then=statements)]))
