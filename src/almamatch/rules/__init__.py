"""Alma's rule language: parse a zone's normalization, merge and brief-level rules from text.

See ``rules.parser`` for the grammar. The API::

    from almamatch import rules
    file = rules.parse(text)           # a RuleFile; InvalidRuleText names line, column, rule
    rules.format_rules(file)           # canonical text, parse(format_rules(f)) == f
"""

from __future__ import annotations

from almamatch.rules.formatter import format_condition, format_rule, format_rules
from almamatch.rules.parser import ACTIONS, parse
from almamatch.rules.syntax import (
    And,
    Condition,
    ControlExists,
    FieldExists,
    InvalidRuleText,
    MergeStatement,
    Not,
    Or,
    Rule,
    RuleFile,
    RuleKind,
    SetStatement,
    TrueCondition,
    Verb,
    When,
)

__all__ = [
    "ACTIONS",
    "And",
    "Condition",
    "ControlExists",
    "FieldExists",
    "InvalidRuleText",
    "MergeStatement",
    "Not",
    "Or",
    "Rule",
    "RuleFile",
    "RuleKind",
    "SetStatement",
    "TrueCondition",
    "Verb",
    "When",
    "format_condition",
    "format_rule",
    "format_rules",
    "parse",
]
