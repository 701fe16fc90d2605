"""Merge rules and brief-level rules from their text, run by the one merge engine and the one
condition evaluator."""

from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path

import pytest

from almamatch import rules
from almamatch.core.brief import BriefLevel
from almamatch.core.merge import MergeMethod
from almamatch.rules.brief import LevelMatch, compile_brief_levels
from almamatch.rules.merge import PRESET_TEXT, compile_merge, format_merge_rule, parse_merge_rule
from almamatch.rules.syntax import InvalidRuleText
from corpus_files import corpus_bibs
from rule_records import record, written

REAL = Path(__file__).parent / "fixtures" / "alma-rules"
CORPUS_FILE = "folio_CornellFOLIOExemplars_Bibs.mrc"


def merge_file(name: str) -> MergeMethod:
    return compile_merge(rules.parse((REAL / name).read_text(encoding="utf-8"))).method


# -- the presets are rule text, compiled to exactly the values the core runs --------------------
@pytest.mark.parametrize("name", MergeMethod.preset_names())
def test_each_preset_is_its_rule_text(name: str) -> None:
    compiled = compile_merge(rules.parse(PRESET_TEXT[name]))
    assert compiled.method == MergeMethod.preset(name)
    assert compiled.notes == ()
    assert parse_merge_rule(format_merge_rule(MergeMethod.preset(name))) == MergeMethod.preset(name)


def test_the_preset_text_merges_real_records_as_the_preset_does() -> None:
    bibs = corpus_bibs(CORPUS_FILE, 40)
    for name in MergeMethod.preset_names():
        from_text = compile_merge(rules.parse(PRESET_TEXT[name])).method
        preset = MergeMethod.preset(name)
        for existing, incoming in pairwise(bibs):
            assert from_text.apply(existing, incoming) == preset.apply(existing, incoming)


# -- Harvard's merge rules ------------------------------------------------------------------------
EXISTING = """
LDR 00000cam a2200000 a 4500
001 99123
005 20200101000000.0
008 old-008
035 __ $a (OCoLC)1
245 00 $a Old title
246 3_ $a Local variant $5 MH
246 3_ $a Old variant
500 __ $a Old note
913 __ $a staff
"""
INCOMING = """
LDR 00000cam a2200000 i 4500
001 ocm00000001
005 20240101000000.0
008 new-008
035 __ $a (OCoLC)1
245 00 $a New title
246 3_ $a New variant
500 __ $a New note
"""


def test_harvard_connexion_merge_keeps_copy_specific_fields() -> None:
    method = merge_file("merge__cbaksik__MergeRules_SYS-Batch-Connexion.txt")
    merged = method.apply(record(EXISTING), record(INCOMING))
    # As the text says: "0"XX (001-099, control fields too: Orbis writes "excluding "001"" to
    # keep it) and 1XX, 245, and 246/500 without $5 go and come from the incoming record; the
    # 246 with $5 stays; LDR and 008 are replaced, 005 added back from the incoming record; 001
    # is not added back (Alma sets the MMS ID on save); 913 is removed and not added.
    assert written(merged) == written(record("""
LDR 00000cam a2200000 i 4500
005 20240101000000.0
008 new-008
035 __ $a (OCoLC)1
245 00 $a New title
246 3_ $a Local variant $5 MH
246 3_ $a New variant
500 __ $a New note
"""))


def test_harvards_four_character_tags_select_nothing_and_are_noted() -> None:
    compiled = compile_merge(rules.parse(
        (REAL / "merge__cbaksik__MergeRules_SYS-Batch-Connexion.txt").read_text(encoding="utf-8")
    ))
    assert compiled.notes == (
        "remove '580X': no MARC tag has this form; selects nothing",
        "remove '581X': no MARC tag has this form; selects nothing",
        "remove '586X': no MARC tag has this form; selects nothing",
    )


@pytest.mark.parametrize(("code", "kept"), [
    ("MH", True),  # "m*": starts with m
    ("mh-ab", True),  # letter case is ignored
    ("ZZ", False),  # no rule for z
    ("XMH", False),  # a wildcard pattern is matched against the whole value
])
def test_contains_with_a_wildcard_as_harvard_uses_it(code: str, kept: bool) -> None:
    method = merge_file("merge__cbaksik__MergeRules_SYS-A-Staff-MDE-PreferLeft.txt")
    primary = record("245 00 $a Left")
    secondary = record(f"245 00 $a Right\n500 __ $a Copy note $5 {code}")
    merged = method.apply(primary, secondary)
    assert (written(merged) == written(record(f"245 00 $a Left\n500 __ $a Copy note $5 {code}"))
            ) is kept


def test_worldcat_updates_conditions_on_the_primary_record() -> None:
    method = merge_file("merge__cbaksik__MergeRules_SYS-WorldCat-Updates-No-Overlay.txt")
    primary = record("""
022 __ $a 1234-5678
041 0_ $a eng
245 00 $a T
650 _0 $a Cats.
""")
    secondary = record("""
022 __ $a 8765-4321
041 0_ $a fre
043 __ $a n-us---
245 00 $a T2
246 18 $a Spine title
246 3_ $a Other title
650 _0 $a Dogs.
650 _2 $a Felis.
""")
    merged = method.apply(primary, secondary)
    # replace 022 if exists (the primary has one); 041 not added (the primary has one); 043
    # added (it has none); 246 added except second indicator 8; 650 " 0" kept as it is (the
    # primary has one), 650 " 2" added.
    assert written(merged) == written(record("""
022 __ $a 8765-4321
041 0_ $a eng
043 __ $a n-us---
245 00 $a T
246 3_ $a Other title
650 _0 $a Cats.
650 _2 $a Felis.
"""))


def test_prefer_local_keeps_the_primary() -> None:
    method = merge_file("merge__cbaksik__MergeRules_SYS-Batch-PreferLocal.txt")
    assert method.apply(record(EXISTING), record(INCOMING)) == record(EXISTING)


def test_a_file_with_other_rules_is_not_a_merge_rule() -> None:
    with pytest.raises(InvalidRuleText, match="one merge rule"):
        compile_merge(rules.parse('rule "n" when TRUE then removeField "019" end'))


# -- brief levels -------------------------------------------------------------------------------
HARVARD = compile_brief_levels(rules.parse(
    (REAL / "brief__cbaksik__BriefLevelRule_Brief_Level_Rules.txt").read_text(encoding="utf-8")
))
_FULL = """
008 750101s1975____nyu___________000_0_eng_d
035 __ $a (OCoLC)1
100 1_ $a Author.
245 10 $a Title.
260 __ $a New York
300 __ $a 1 v.
"""


@pytest.mark.parametrize(("leader_17", "extra", "level", "rule"), [
    # no 245 $a or $k: level 01 before anything else
    (" ", "", 1, "Brief 01"),
    # blank with 010 and 042: "Brief 09" comes before "Brief 07" and "Brief 08" in the file
    (" ", "010 __ $a 75001234\n042 __ $a pcc", 9, "Brief 09"),
    (" ", "", 8, "Brief 08"),
    ("7", "", 7, "Brief 07"),
    ("u", "", 4, "Brief 04"),
    ("5", "", 5, "Brief 05"),
    # non-English cataloging, 040 $b not eng: 03 before the Leader/17 rules
    (" ", "040 __ $a DLC $b ger", 3,
     "Brief 03 - non-English cat - precedence over other rules except sparse"),
    # nothing matches Leader/17 "J" (no rule names it): the default, 01
    ("J", "", 1, None),
])
def test_harvard_brief_levels(leader_17: str, extra: str, level: int, rule: str | None) -> None:
    leader = "00000cam a2200000" + leader_17 + "a 4500"
    body = _FULL if rule != "Brief 01" else _FULL.replace("245 10 $a Title.", "")
    text = f"LDR {leader}\n{body}\n{extra}"
    assert HARVARD.explain(record(text)) == LevelMatch(BriefLevel(level), rule)


def test_temple_catdate_rule_from_the_reference() -> None:
    # reference/alma-behaviour.md S39: "Brief 10 has cat date"
    levels = compile_brief_levels(rules.parse("""
rule "Brief 10 has cat date"
when ((exists "998.c.9*") OR (exists "998.c.0*") OR (exists "998.c.1*") OR
      (exists "998.c.2*") OR (exists "997.a.19*") OR (exists "997.a.20*"))
then set brief_level."10"
end
"""), default=BriefLevel(3))
    assert levels.level_of(record("997 __ $a 20190101000000.0")) == BriefLevel(10)
    assert levels.level_of(record("998 __ $c 951231")) == BriefLevel(10)
    assert levels.level_of(record("998 __ $c x")) == BriefLevel(3)


def test_priority_runs_before_file_order() -> None:
    levels = compile_brief_levels(rules.parse("""
rule "low" when TRUE then set brief_level."02" end
rule "high" priority 5 when TRUE then set brief_level."09" end
"""))
    assert levels.explain(record("245 00 $a T")) == LevelMatch(BriefLevel(9), "high")


@pytest.mark.parametrize("text", [
    'rule "x" when TRUE then set brief_level."11" end',
    'rule "x" when TRUE then removeField "245" end',
    'rule "x" when TRUE then set indication."true" end',
])
def test_not_brief_level_rules(text: str) -> None:
    with pytest.raises(InvalidRuleText):
        compile_brief_levels(rules.parse(text))


def test_a_hostile_contains_pattern_runs_in_linear_time() -> None:
    text = ('rule "m" when merge then add MARC."500" when MARC."500"."a" contains "'
            + "a*" * 500 + 'b" end')
    method = compile_merge(rules.parse(text)).method
    secondary = record("500 __ $a " + "a" * 100_000 + "c")
    started = time.perf_counter()
    assert method.apply(record("245 00 $a T"), secondary) == record("245 00 $a T")
    assert time.perf_counter() - started < 2
