"""Alma's rule language: a zone's normalization, merge and brief-level rules run from their text.

Pure like ``core`` (no I/O, no clock): text in, values out. ``rules.parser`` holds the grammar
(EBNF) and ``rules.syntax`` the values; ``rules.normalize``, ``rules.merge`` and ``rules.brief``
compile a parsed file once for running. The API::

    from almamatch import rules
    file = rules.parse(text)                  # RuleFile; InvalidRuleText: line, column, rule, hint
    rules.parse_errors(text)                  # every syntax error, resuming at the next rule
    rules.format_rules(file)                  # canonical text: rules.parse(text) == file
    norm = rules.compile_normalization(file)  # NormalizationRules: norm.run(bib) -> (bib, notes)
    merge = rules.compile_merge(file)         # CompiledMerge: .method (the core's MergeMethod)
    levels = rules.compile_brief_levels(file) # BriefLevelRuleSet: .explain(bib), .level_of(bib)

An ``IntegrationProfile`` takes the compiled values as ``normalization_rules``, ``merge_rules``
(``merge.method``) and ``brief_level_rules``; a profile file names rule files with the same keys.
"""

from __future__ import annotations

from almamatch.rules.brief import BriefLevelRuleSet, LevelMatch, compile_brief_levels
from almamatch.rules.formatter import format_condition, format_rule, format_rules
from almamatch.rules.merge import CompiledMerge, compile_merge
from almamatch.rules.normalize import NormalizationRules, compile_normalization
from almamatch.rules.parser import ACTIONS, parse, parse_errors
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
    "BriefLevelRuleSet",
    "CompiledMerge",
    "Condition",
    "ControlExists",
    "FieldExists",
    "InvalidRuleText",
    "LevelMatch",
    "MergeStatement",
    "NormalizationRules",
    "Not",
    "Or",
    "Rule",
    "RuleFile",
    "RuleKind",
    "SetStatement",
    "TrueCondition",
    "Verb",
    "When",
    "compile_brief_levels",
    "compile_merge",
    "compile_normalization",
    "format_condition",
    "format_rule",
    "format_rules",
    "parse",
    "parse_errors",
]
