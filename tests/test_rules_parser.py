"""The rule language's grammar: every real rule file parses, errors point at the text, and
``parse(format_rules(x)) == x``."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch import rules
from almamatch.core.wildcard import Glob
from almamatch.rules.syntax import (
    And,
    ControlExists,
    FieldExists,
    Indicators,
    InvalidRuleText,
    MergeClause,
    MergeCondition,
    MergeStatement,
    Not,
    Or,
    Rule,
    RuleFile,
    RuleKind,
    SetStatement,
    TagGlob,
    TrueCondition,
    ValuePattern,
    Verb,
    When,
)

REAL = Path(__file__).parent / "fixtures" / "alma-rules"
REAL_FILES = sorted(REAL.glob("*.txt"))
_KIND_BY_PREFIX = {
    "merge": {RuleKind.MERGE},
    "brief": {RuleKind.BRIEF_LEVEL},
    "indication": {RuleKind.INDICATION},
    "norm": {RuleKind.NORMALIZATION, RuleKind.DISPLAY},
}


def test_the_real_files_are_all_here() -> None:
    assert len(REAL_FILES) == 51


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name[:50])
def test_every_real_rule_file_parses_and_formats_back(path: Path) -> None:
    parsed = rules.parse(path.read_text(encoding="utf-8"))
    assert parsed.rules
    assert parsed.kinds <= _KIND_BY_PREFIX[path.name.split("__")[0]]
    assert rules.parse(rules.format_rules(parsed)) == parsed


def test_rule_counts_match_the_fixture_readme() -> None:
    table = (REAL / "README.md").read_text(encoding="utf-8")
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.split("|")]
        if len(cells) > 4 and cells[1].endswith(".txt"):
            parsed = rules.parse((REAL / cells[1]).read_text(encoding="utf-8"))
            assert len(parsed.rules) == int(cells[4]), cells[1]


def one(text: str) -> Rule:
    parsed = rules.parse(text)
    assert len(parsed.rules) == 1
    return parsed.rules[0]


def tag(text: str) -> TagGlob:
    return TagGlob(text)


def value(*alternatives: tuple[str, ...]) -> ValuePattern:
    return ValuePattern([Glob(pieces) for pieces in alternatives])


# Conditions as written in real files and in Ex Libris' examples, and the tree each reads as.
CONDITIONS = [
    # TRUE in any case, with or without parentheses
    ("(TRUE)", TrueCondition()),
    ("true", TrueCondition()),
    # a bare tag, a subfield, a value with a wildcard, any subfield code
    ('exists "011"', FieldExists(tag("011"))),
    ('exists "035.a"', FieldExists(tag("035"), code="a")),
    ('exists "035.a.(OCoLC)*"', FieldExists(tag("035"), code="a", value=value(("(OCoLC)", "")))),
    ('exists "035.*.(OCoLC)o*"', FieldExists(tag("035"), code="*", value=value(("(OCoLC)o", "")))),
    # indicators; "-" and "#" are blank
    ('exists "830.{*,*}.a.The *"',
     FieldExists(tag("830"), Indicators("*", "*"), "a", value(("The ", "")))),
    ('exists "561.{1,*}"', FieldExists(tag("561"), Indicators("1", "*"))),
    ('exists "040.{-,-}.c.DE-101"',
     FieldExists(tag("040"), Indicators(" ", " "), "c", value(("DE-101",)))),
    # the value is the rest of the text, dots included
    ('exists "690.a.Variable content."',
     FieldExists(tag("690"), code="a", value=value(("Variable content.",)))),
    # wildcard tags
    ('exists "2**.5.*."', FieldExists(tag("2**"), code="5", value=value(("", ".")))),
    # control selectors, alternatives, a backslash-protected pipe
    ('existsControl "LDR.{17,1}.u"', ControlExists(tag("LDR"), 17, 1, value(("u",)))),
    ('existsControl "LDR.{17,1}. |7"', ControlExists(tag("LDR"), 17, 1, value((" ",), ("7",)))),
    ('existsControl "008.{06,1}.\\\\|"', ControlExists(tag("008"), 6, 1, value(("|",)))),
    # NOT, AND, OR, parentheses; NOT binds tighter than AND, AND tighter than OR
    ('not exists "040.b.eng"', Not(FieldExists(tag("040"), code="b", value=value(("eng",))))),
    ('exists "010" AND exists "042" OR exists "011"',
     Or([And([FieldExists(tag("010")), FieldExists(tag("042"))]), FieldExists(tag("011"))])),
    ('exists "010" AND (exists "042" OR exists "011")',
     And([FieldExists(tag("010")), Or([FieldExists(tag("042")), FieldExists(tag("011"))])])),
    # side by side, as Drools reads patterns: AND (Bergen's "( not exists ...) (TRUE)")
    ('( not exists "100.4")\n(TRUE)',
     And([Not(FieldExists(tag("100"), code="4")), TrueCondition()])),
]


@pytest.mark.parametrize(("text", "expected"), CONDITIONS, ids=[c[0] for c in CONDITIONS])
def test_conditions(text: str, expected: object) -> None:
    rule = one(f'rule "r" when {text} then end')
    assert rule.when == expected


def test_actions_keep_their_strings_and_guards() -> None:
    rule = one(
        'rule "r" priority 10 when TRUE then\n'
        '  removeField "035" if(exists "035.*.(OCoLC)o*")\n'
        '  replaceContents "500.a.,temporary_suffix_to_replace" with ""\n'
        '  changeField "519" to "919"\n'
        '  combineFields "995" excluding "c"\n'
        '  moveSubfieldsToEndOfField "597" "c,a,d,9"\n'
        '  prefix "245.a" with "\\u202B"\n'
        'end'
    )
    assert rule.priority == 10
    assert rule.then == (
        Verb("removeField", "035", None, None,
             FieldExists(tag("035"), code="*", value=value(("(OCoLC)o", "")))),
        Verb("replaceContents", "500.a.,temporary_suffix_to_replace", "with", ""),
        Verb("changeField", "519", "to", "919"),
        Verb("combineFields", "995", "excluding", "c"),
        Verb("moveSubfieldsToEndOfField", "597", "", "c,a,d,9"),
        Verb("prefix", "245.a", "with", "\u202b"),
    )


def test_action_names_are_read_in_any_case_and_written_as_documented() -> None:
    rule = one('rule "r" when TRUE then addSubfield "597.c.Gift" end')
    assert rule.then == (Verb("addSubField", "597.c.Gift"),)


def test_salience_is_priority() -> None:
    assert one('rule "r" salience 7 when TRUE then end').priority == 7


def test_brief_level_and_indication() -> None:
    assert one('rule "b" when TRUE then set brief_level."07" end').then == (
        SetStatement("brief_level", "07"),
    )
    assert one('rule "i" when TRUE then set indication."true" end').kind is RuleKind.INDICATION


def test_merge_statements_as_harvard_and_orbis_write_them() -> None:
    rule = one(
        'rule "m" when merge then\n'
        '  remove MARC."246" if not exists subfield "5"\n'
        '  replace MARC.control."LDR"\n'
        '  remove MARC."580"X\n'
        '  add MARC."650"(" ","0") if does not exist\n'
        '  add MARC."246" excluding second indicator "8"\n'
        '  add MARC."9"XX excluding "913,991,998"\n'
        '  add MARC.XXX\n'
        '  replace MARC."035" when MARC."035"."a" contains "OCoLC" excluding MARC."035"("9","9")\n'
        'end'
    )
    assert rule.when is When.MERGE
    assert rule.then == (
        MergeStatement(action="remove", tag="246",
                       clauses=[MergeClause(kind="if_not_subfield", text="5")]),
        MergeStatement(action="replace", tag="LDR", control=True),
        MergeStatement(action="remove", tag="580X"),
        MergeStatement(action="add", tag="650", indicators=(" ", "0"),
                       clauses=[MergeClause(kind="if_not_exists")]),
        MergeStatement(action="add", tag="246",
                       clauses=[MergeClause(kind="excluding_second", text="8")]),
        MergeStatement(action="add", tag="9XX",
                       clauses=[MergeClause(kind="excluding_tags", text="913,991,998")]),
        MergeStatement(action="add", tag="XXX"),
        MergeStatement(action="replace", tag="035", clauses=[
            MergeClause(kind="when",
                        condition=MergeCondition(tag="035", code="a", contains="OCoLC")),
            MergeClause(kind="excluding",
                        condition=MergeCondition(tag="035", indicators=("9", "9"))),
        ]),
    )


# Text that must not parse: (text, reason, line, column, rule name, a word of the hint).
ERRORS = [
    # a missing keyword, named with the rule it belongs to
    ('rule "a" when TRUE\n  removeField "035"\nend', "unexpected_token", 2, 3, "a", "then"),
    ('rule "a" when TRUE then', "unexpected_token", 1, 24, "a", "end"),
    # an unknown action, with the known ones in the hint
    ('rule "a" when TRUE then\n  deleteField "035"\nend', "unknown_action", 2, 3, "a",
     "removeField"),
    # an action without its joining word
    ('rule "a" when TRUE then changeField "519" "919" end', "unexpected_token", 1, 43, "a",
     "to"),
    # an unterminated string
    ('rule "a" when exists "245 then end', "unterminated_string", 1, 22, "", "quote"),
    # a selector that is not one: the column is inside the string
    ('rule "a" when exists "035.ab.x" then end', "bad_selector", 1, 27, "a", "one character"),
    ('rule "a" when existsControl "LDR.{x,1}.u" then end', "bad_selector", 1, 34, "a",
     "position"),
    # a stray character
    ('rule "a" when TRUE then end\n;', "unexpected_character", 2, 1, "", "strings"),
    # an unclosed parenthesis
    ('rule "a" when (TRUE then end', "unexpected_token", 1, 21, "a", "')'"),
    # a merge rule's four-word clauses
    ('rule "m" when merge then add MARC."246" excluding second "8" end', "unexpected_token",
     1, 58, "m", "indicator"),
    # a priority that is not a number
    ('rule "a" priority high when TRUE then end', "unexpected_token", 1, 19, "a", "priority"),
]


@pytest.mark.parametrize(("text", "reason", "line", "column", "name", "hint"), ERRORS,
                         ids=[e[1] + str(i) for i, e in enumerate(ERRORS)])
def test_errors_point_at_the_text(
    text: str, reason: str, line: int, column: int, name: str, hint: str
) -> None:
    with pytest.raises(InvalidRuleText) as caught:
        rules.parse(text)
    error = caught.value
    assert (error.reason, error.line, error.column, error.rule) == (reason, line, column, name)
    assert hint in error.hint
    source_line = text.splitlines()[line - 1]
    text_line, caret_line = error.excerpt.splitlines()
    assert text_line == "  " + source_line
    assert caret_line == "  " + " " * (column - 1) + "^"
    assert f"line {line}, column {column}" in error.report


def test_not_text_is_refused() -> None:
    with pytest.raises(InvalidRuleText):
        rules.parse(b"rule")  # type: ignore[arg-type]


# -- hostile text: bounded time, a message instead of a crash ---------------------------------
def test_deep_nesting_is_refused_with_a_message() -> None:
    text = 'rule "deep" when ' + "(" * 5000 + "TRUE" + ")" * 5000 + " then end"
    with pytest.raises(InvalidRuleText) as caught:
        rules.parse(text)
    assert caught.value.reason == "too_deep"
    with pytest.raises(InvalidRuleText):
        rules.parse('rule "deep" when ' + "NOT " * 5000 + "TRUE then end")


def test_a_one_megabyte_file_parses_in_bounded_time() -> None:
    block = (REAL / "norm__carinath__versions_ubb-norcat-norms-20240110.txt").read_text(
        encoding="utf-8"
    )
    text = (block + "\n") * (1_000_000 // len(block) + 1)
    started = time.perf_counter()
    parsed = rules.parse(text)
    elapsed = time.perf_counter() - started
    assert len(text) > 1_000_000
    assert len(parsed.rules) % 112 == 0
    assert elapsed < 30  # about 1-2 s on an idle core; the bound only catches blow-ups


def test_an_unterminated_string_in_a_big_file_is_found_fast() -> None:
    text = 'rule "a" when exists "' + "x" * 1_000_000
    started = time.perf_counter()
    with pytest.raises(InvalidRuleText):
        rules.parse(text)
    assert time.perf_counter() - started < 5


# -- the property: parse(format(x)) == x --------------------------------------------------------
_TAGS = st.sampled_from(["245", "035", "2**", "9XX", "LDR", "008", "TMP", "0*"])
_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=8)
_GLOBS = st.lists(_TEXT, min_size=1, max_size=3).map(Glob)
_VALUES = st.lists(_GLOBS, min_size=1, max_size=3).map(ValuePattern)
_CODES = st.sampled_from(["a", "z", "5", "*", "9"])
_INDICATORS = st.builds(Indicators, st.sampled_from([" ", "0", "*", "1"]),
                        st.sampled_from([" ", "4", "*"]))
_FIELD = st.builds(
    lambda t, i, c, v, has_code: FieldExists(t, i, c if has_code else None,
                                             v if has_code else None),
    _TAGS.map(TagGlob), st.none() | _INDICATORS, _CODES, st.none() | _VALUES, st.booleans(),
)
_CONTROL = st.builds(
    lambda t, p, n, v: ControlExists(t, p, None if p is None else n, v),
    _TAGS.map(TagGlob), st.none() | st.integers(0, 39), st.integers(1, 5), st.none() | _VALUES,
)
_CONDITIONS = st.recursive(
    st.just(TrueCondition()) | _FIELD | _CONTROL,
    lambda inner: (
        inner.map(Not)
        | st.lists(inner, min_size=2, max_size=3).map(And)
        | st.lists(inner, min_size=2, max_size=3).map(Or)
    ),
    max_leaves=8,
)
_VERBS = st.builds(
    lambda name, subject, obj, guard: Verb(
        name, subject, rules.ACTIONS[name], None if rules.ACTIONS[name] is None else obj, guard
    ),
    st.sampled_from(sorted(rules.ACTIONS)), _TEXT, _TEXT, st.none() | _CONDITIONS,
)
_NORMALIZATION = st.builds(
    lambda name, priority, when, then: Rule(name=name, priority=priority, when=when, then=then),
    _TEXT, st.none() | st.integers(-5, 500), _CONDITIONS,
    st.lists(_VERBS | st.builds(SetStatement, st.sampled_from(["brief_level", "indication"]),
                                _TEXT), max_size=4),
)
_MERGE_CONDITIONS = st.builds(MergeCondition, tag=st.sampled_from(["035", "9XX"]),
                              code=st.sampled_from(["a", "5"]), contains=_TEXT) | st.builds(
    MergeCondition, tag=st.sampled_from(["035"]),
    indicators=st.tuples(st.sampled_from(["9", " "]), st.sampled_from(["9", " "])),
)
_CLAUSES = (
    st.builds(MergeClause, kind=st.sampled_from(["excluding_tags", "excluding_first",
                                                 "excluding_second", "if_subfield",
                                                 "if_not_subfield"]), text=_TEXT)
    | st.builds(MergeClause, kind=st.sampled_from(["if_exists", "if_not_exists",
                                                 "excluding_local"]))
    | st.builds(MergeClause, kind=st.sampled_from(["when", "excluding"]),
                condition=_MERGE_CONDITIONS)
)
_MERGE_STATEMENTS = st.builds(
    MergeStatement, action=st.sampled_from(["add", "remove", "replace"]),
    tag=st.sampled_from(["245", "0XX", "9XX", "LDR", "580X", "XXX", "541,561"]),
    control=st.booleans(),
    indicators=st.none() | st.tuples(st.sampled_from([" ", "0"]), st.sampled_from(["0", "2"])),
    clauses=st.lists(_CLAUSES, max_size=3),
)
_MERGE = st.builds(
    lambda name, then: Rule(name=name, when=When.MERGE, then=then),
    _TEXT, st.lists(_MERGE_STATEMENTS, max_size=4),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_NORMALIZATION | _MERGE, max_size=3).map(RuleFile))
def test_parse_format_parse_is_stable(file: RuleFile) -> None:
    text = rules.format_rules(file)
    assert rules.parse(text) == file
    assert rules.format_rules(rules.parse(text)) == text
