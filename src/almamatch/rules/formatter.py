"""Rule values written back as Alma rule text: ``parse(format_rules(x)) == x``.

Theory of operation: one canonical layout (``rule``, ``priority``, ``when``, ``then``, one
statement a line, ``end``); compound operands of ``AND``/``OR``/``NOT`` are always parenthesized,
so that the tree read back is the tree written. Strings get Java's escapes; inside a condition's
selector a backslash protects ``*``, ``|`` and ``\\`` that are meant literally.
"""

from __future__ import annotations

from typing import assert_never

from almamatch.core.wildcard import Glob
from almamatch.rules.syntax import (
    AddToText,
    And,
    Condition,
    ControlExists,
    FieldExists,
    MergeClause,
    MergeCondition,
    MergeStatement,
    Not,
    Or,
    Preferred,
    Rule,
    RuleFile,
    SetStatement,
    Statement,
    TrueCondition,
    ValuePattern,
    Verb,
    When,
)

__all__ = ["format_condition", "format_rule", "format_rules", "quote"]


def quote(text: str) -> str:
    """``text`` as a double-quoted Java string literal."""
    out: list[str] = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif ord(char) < 32 or char in "\u201c\u201d\u201e\u2033\u2028\u2029\x85":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _glob(glob: Glob) -> str:
    return "*".join(
        "".join("\\" + c if c in "\\*|" else c for c in piece) for piece in glob.pieces
    )


def _value(value: ValuePattern) -> str:
    text = "|".join(_glob(glob) for glob in value.alternatives)
    return "\\" + text if text.startswith("{") else text


def _field_selector(condition: FieldExists) -> str:
    text = condition.tag.text
    if condition.indicators is not None:
        text += "." + "{" + condition.indicators.first + "," + condition.indicators.second + "}"
    if condition.code is not None:
        text += "." + condition.code
        if condition.value is not None:
            text += "." + _value(condition.value)
    return text


def _control_selector(condition: ControlExists) -> str:
    text = condition.tag.text
    if condition.position is not None:
        text += f".{{{condition.position},{condition.length or 1}}}"
    if condition.value is not None:
        text += "." + _value(condition.value)
    return text


def _wrapped(condition: Condition) -> str:
    text = format_condition(condition)
    return f"({text})" if isinstance(condition, And | Or) else text


def format_condition(condition: Condition) -> str:
    """One condition as rule text."""
    match condition:
        case TrueCondition():
            return "TRUE"
        case Preferred():
            return "preferred"
        case FieldExists():
            return "exists " + quote(_field_selector(condition))
        case ControlExists():
            return "existsControl " + quote(_control_selector(condition))
        case Not(operand=operand):
            return "NOT " + _wrapped(operand)
        case And(operands=operands):
            return " AND ".join(_wrapped(one) for one in operands)
        case Or(operands=operands):
            return " OR ".join(_wrapped(one) for one in operands)
        case _:
            assert_never(condition)


def _merge_tag(tag: str, control: bool) -> str:
    prefix = "MARC.control." if control else "MARC."
    digits = tag.rstrip("X")
    if digits and digits != tag and digits.isdigit():
        return f"{prefix}{quote(digits)}{tag[len(digits):]}"
    return prefix + quote(tag)


def _merge_condition(condition: MergeCondition) -> str:
    text = _merge_tag(condition.tag, False)
    if condition.indicators is not None:
        first, second = condition.indicators
        return f"{text}({quote(first)},{quote(second)})"
    return f"{text}.{quote(condition.code or '')} contains {quote(condition.contains or '')}"


def _clause(clause: MergeClause) -> str:
    match clause.kind:
        case "excluding_tags":
            return "excluding " + quote(clause.text)
        case "excluding_first" | "excluding_second":
            which = clause.kind.removeprefix("excluding_")
            return f"excluding {which} indicator {quote(clause.text)}"
        case "excluding" | "when":
            assert clause.condition is not None
            return f"{clause.kind} {_merge_condition(clause.condition)}"
        case "excluding_local":
            return "excluding local extension"
        case "if_exists":
            return "if exists"
        case "if_not_exists":
            return "if not exists"
        case "if_subfield":
            return "if exists subfield " + quote(clause.text)
        case "if_not_subfield":
            return "if not exists subfield " + quote(clause.text)
    raise ValueError(f"merge clause kind {clause.kind!r}")


def format_statement(statement: Statement) -> str:
    match statement:
        case Verb():
            text = f"{statement.name} {quote(statement.subject)}"
            if statement.connector is not None and statement.object is not None:
                joiner = f" {statement.connector} " if statement.connector else " "
                text += joiner + quote(statement.object)
            if statement.guard is not None:
                text += f" if ({format_condition(statement.guard)})"
            return text
        case SetStatement():
            return f"set {statement.target}.{quote(statement.value)}"
        case AddToText(kind="word"):
            return f"add to text {statement.value}"
        case AddToText(kind="from"):
            return f"add to text from {quote(statement.value)}"
        case AddToText():
            return f"add to text {quote(statement.value)}"
        case MergeStatement():
            text = f"{statement.action} {_merge_tag(statement.tag, statement.control)}"
            if statement.indicators is not None:
                first, second = statement.indicators
                text += f"({quote(first)},{quote(second)})"
            for clause in statement.clauses:
                text += " " + _clause(clause)
            return text
        case _:
            assert_never(statement)


def format_rule(rule: Rule) -> str:
    lines = [f"rule {quote(rule.name)}"]
    if rule.priority is not None:
        lines.append(f"priority {rule.priority}")
    lines.append("when")
    lines.append("    merge" if rule.when is When.MERGE else f"    {format_condition(rule.when)}")
    lines.append("then")
    lines.extend(f"    {format_statement(statement)}" for statement in rule.then)
    lines.append("end")
    return "\n".join(lines) + "\n"


def format_rules(rules: RuleFile) -> str:
    """The whole file, rules separated by a blank line."""
    return "\n".join(format_rule(rule) for rule in rules.rules)
