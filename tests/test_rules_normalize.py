"""Normalization rules on records: Ex Libris' documented examples, record in and record out,
then one example of every action (almamatch's reading where the documentation is silent)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from almamatch import rules
from almamatch.rules.normalize import compile_normalization
from almamatch.rules.syntax import InvalidRuleText
from rule_records import LEADER, record, written

REAL = Path(__file__).parent / "fixtures" / "alma-rules"
BLOG = "https://developers.exlibrisgroup.com/blog/alma-normalization-rule-examples/"


def run(rule_text: str, before: str) -> str:
    compiled = compile_normalization(rules.parse(rule_text))
    return written(compiled.apply(record(before)))


def same(text: str) -> str:
    return written(record(text))


# -- Ex Libris' documented examples (BLOG), each as its page states the effect ------------------
def test_blog_remove_the_last_comma_of_500_a_only() -> None:
    text = """
rule "one replace comma at end of 500 a with nothing"
priority 10
when (TRUE) then suffix "500.a" with "temporary_suffix_to_replace" end
rule "two replace comma at end of 500 a with nothing"
priority 9
when (TRUE) then replaceContents "500.a.,temporary_suffix_to_replace" with "" end
rule "three replace comma at end of 500 a with nothing"
priority 8
when (TRUE) then replaceContents "500.a.temporary_suffix_to_replace" with "" end
"""
    assert run(text, "500 __ $a Maps, charts, tables,") == same("500 __ $a Maps, charts, tables")
    assert run(text, "500 __ $a Maps, charts") == same("500 __ $a Maps, charts")


def test_blog_priorities_run_highest_first_whatever_the_file_order() -> None:
    text = """
rule "three" priority 8 when TRUE then
  replaceContents "500.a.temporary_suffix_to_replace" with "" end
rule "one" priority 10 when TRUE then suffix "500.a" with "temporary_suffix_to_replace" end
rule "two" priority 9 when TRUE then
  replaceContents "500.a.,temporary_suffix_to_replace" with "" end
"""
    assert run(text, "500 __ $a Maps,") == same("500 __ $a Maps")


def test_blog_right_to_left_mark_added_once() -> None:
    text = r"""
rule "add 202B right to left embedding unicode character to 245 subfield a"
when TRUE
then prefix "245.a" with "\u202B" if (not exists "245.a.\u202B*")
end
"""
    assert run(text, "245 10 $a Shalom") == same("245 10 $a \u202bShalom")
    assert run(text, "245 10 $a \u202bShalom") == same("245 10 $a \u202bShalom")


def test_blog_519_to_919_then_duplicates_removed() -> None:
    text = """
rule "change field 519 to 919" priority 10 when (true) then changeField "519" to "919" end
rule "remove duplicate 919 fields" priority 9 when (TRUE) then correctDuplicateFields "919" end
"""
    before = """
519 __ $a Reel 1
519 __ $a Reel 1
919 __ $a Reel 2
"""
    assert run(text, before) == same("919 __ $a Reel 1\n919 __ $a Reel 2")


def test_blog_duplicate_610_630_650_removed() -> None:
    text = 'rule "dups" when (TRUE) then correctDuplicateFields "610,630,650" end'
    before = """
610 20 $a Harvard University
650 _0 $a Cats.
650 _0 $a Cats.
650 _7 $a Cats. $2 fast
"""
    assert run(text, before) == same("""
610 20 $a Harvard University
650 _0 $a Cats.
650 _7 $a Cats. $2 fast
""")


def test_blog_copy_035_starting_de_605_to_001() -> None:
    text = """
rule "Copy 035 subfield a to 001 if 035 starts with (DE-605)"
when (TRUE)
then
removeControlField "001"
 copyField "035.a" to "YLK.a" if (exists "035.a.(DE-605)*")
 copyControlField "YLK.a" to "001"
 removeField "YLK"
end
"""
    before = """
001 ocm123
035 __ $a (OCoLC)123
035 __ $a (DE-605)HT012345
"""
    assert run(text, before) == same("""
001 (DE-605)HT012345
035 __ $a (OCoLC)123
035 __ $a (DE-605)HT012345
""")


def test_blog_period_removed_from_690_variable_content_only() -> None:
    text = """
rule "Remove the period at end of 690 a when text is Variable content "
when true
then replaceContents "690.a.." with "" if (exists "690.a.Variable content.")
end
"""
    before = "690 __ $a Variable content.\n690 __ $a Other text."
    assert run(text, before) == same("690 __ $a Variable content\n690 __ $a Other text.")


def test_blog_007_starting_with_c_removed() -> None:
    text = """
rule "remove 007 if it starts with c"
when (TRUE)
then removeControlField "007" if (existsControl "007.{0,1}.c")
end
"""
    assert run(text, "007 cr_|||||||||||\n007 he_bfb---baca") == same("007 he_bfb---baca")


def test_blog_007_c_removed_only_beside_another_007() -> None:
    letters = "adfghkmoqrstvz"
    when = " OR ".join(f'(existsControl "007.{{0,1}}.{letter}")' for letter in letters)
    text = f"""
rule "remove 007 if it starts with c and there is another 007 beginning with a different letter"
when {when}
then removeControlField "007" if (existsControl "007.{{0,1}}.c")
end
"""
    assert run(text, "007 cr_|||") == same("007 cr_|||")
    assert run(text, "007 cr_|||\n007 vd_cvaizq") == same("007 vd_cvaizq")


def test_blog_955_and_954_for_rapid() -> None:
    text = """
rule "if there is a 954 and a 955 then delete the 955"
when (exists "954.a.*" ) AND (exists "955.a.*" )
then removeField "955"
end
rule "change 955 to 954 if there is a 955 and there is not a 954"
when (not exists "954.a.*" ) AND (exists "955.a.*" )
then changeField "955" to "954"
end
"""
    assert run(text, "954 __ $a x\n955 __ $a y") == same("954 __ $a x")
    assert run(text, "955 __ $a y") == same("954 __ $a y")


def test_suny_add_597_c_gift_and_reorder() -> None:
    # SUNY OLIS FAQ https://sunyolis.libanswers.com/faq/342025: "reorder the subfields as $$c
    # $$a $$d $$9".
    text = """
rule "597|c|Gift"
when exists "597"
then
addSubfield "597.c.Gift" if(not exists "597.c.Gift")
moveSubfieldsToEndOfField "597" "c,a,d,9"
end
"""
    assert run(text, "597 __ $a Donor $d 2020 $9 LOCAL") == same(
        "597 __ $c Gift $a Donor $d 2020 $9 LOCAL"
    )


def test_brown_change_first_indicator_of_852() -> None:
    # https://libguides.brown.edu/c.php?g=1073335&p=10329236
    text = (
        'rule "Change first indicator of field 852 to 0" when (TRUE) then '
        'changeFirstIndicator "852" to "0" end'
    )
    assert run(text, "852 8_ $b MAIN") == same("852 0_ $b MAIN")


# -- every action: one example each, grouped by what it does -------------------------------------
ACTIONS = [
    # removing
    ('removeField "89*"', "245 00 $a T\n891 __ $a x\n899 __ $a y", "245 00 $a T"),
    ('removeField "035" if (exists "035.*.(OCoLC)o*")',
     "035 __ $a (OCoLC)ocm1\n035 __ $a (OCoLC)2", "035 __ $a (OCoLC)2"),
    ('removeField "035.a" if (exists "035.a.(OCoLC)")', "035 __ $a (OCoLC)\n035 __ $z x",
     "035 __ $z x"),
    ('removeControlField "003"', "001 1\n003 OCoLC", "001 1"),
    ('removeSubField "020.c"', "020 __ $a 123 $c 10.00", "020 __ $a 123"),
    ('removeSubField "7**.w" if (exists "7**.w.(OCoLC)*")',
     "776 08 $t T $w (OCoLC)1\n780 00 $t U $w (DLC)2",
     "776 08 $t T\n780 00 $t U $w (DLC)2"),
    ('removeSubField "904.b"', "904 __ $b only", "LDR " + LEADER),  # an emptied field goes
    # adding
    ('addField "998.{-,-}.a.NO-OVERLAY"', "245 00 $a T\n999 __ $a z",
     "245 00 $a T\n998 __ $a NO-OVERLAY\n999 __ $a z"),
    ('addField "336.a.tekst"', "300 __ $a 1 v.", "300 __ $a 1 v.\n336 __ $a tekst"),
    ('addControlField "003.ReCAP"', "001 1\n005 2", "001 1\n003 ReCAP\n005 2"),
    ('addControlField "003.ReCAP"', "003 OCoLC", "003 ReCAP"),  # not repeatable: replaced
    ('addControlField "007.co#|g|###"', "008 x", "007 co_|g|___\n008 x"),  # "#" is a blank
    ('addSubField "020.q.innbundet" if (exists "020.a.*(hardback) :")',
     "020 __ $a 1 (hardback) :\n020 __ $a 2", "020 __ $a 1 (hardback) : $q innbundet\n020 __ $a 2"),
    ('addSubField "100.4.aut"', "245 00 $a T", "245 00 $a T"),  # makes no field
    # changing text
    ('replaceContents "TMP.a.OCoLC" with "(OCoLC"', "TMP __ $a OCoLC)5", "TMP __ $a (OCoLC)5"),
    ('prefix "993.a" with "Action: "', "993 __ $a done", "993 __ $a Action: done"),
    ('suffix "490.a" with ";"', "490 0_ $a Series", "490 0_ $a Series;"),
    ('replaceContentsExceptFirst "300.a" with ""', "300 __ $a 1 v. $a 2 v. $b ill.",
     "300 __ $a 1 v. $a  $b ill."),
    ('replaceSubFieldContents "245.h" with "[electronic resource]"', "245 00 $a T $h [e-book]",
     "245 00 $a T $h [electronic resource]"),
    ('suffixSubField "995.h" with "995.i"', "995 __ $h QA76 $i .A1", "995 __ $h QA76.A1 $i .A1"),
    # changing codes, tags and indicators
    ('changeSubField "035.a" to "z" if (exists "035.a.*HVD01-Aleph")',
     "035 __ $a 1-HVD01-Aleph\n035 __ $a (OCoLC)1", "035 __ $z 1-HVD01-Aleph\n035 __ $a (OCoLC)1"),
    ('changeSubFieldExceptFirst "900.a" to "x"', "900 __ $a 1 $a 2 $a 3", "900 __ $a 1 $x 2 $x 3"),
    ('changeField "440" to "830"', "440 _0 $a S", "830 _0 $a S"),
    ('changeFirstIndicator "830" to " "', "830 00 $a S", "830 _0 $a S"),
    ('changeSecondIndicator "830" to "4" if (exists "830.{*,*}.a.The *")',
     "830 _0 $a The series\n830 _0 $a Series", "830 _4 $a The series\n830 _0 $a Series"),
    ('replaceControlContents "LDR.{17,1}.I" with " "', "LDR 00000nam a2200000Ia 4500",
     "LDR 00000nam a2200000 a 4500"),
    ('replaceControlContents "008.{23,1}" with "o"', "008 " + "x" * 40,
     "008 " + "x" * 23 + "o" + "x" * 16),
    # copying, splitting, combining
    ('copyField "490" to "830"', "490 1_ $a S", "490 1_ $a S\n830 1_ $a S"),
    ('copyField "035.a" to "959.a" if (exists "035.a.(OCoLC)*")',
     "035 __ $a (OCoLC)1 $z (OCoLC)2\n035 __ $a (DLC)3",
     "035 __ $a (OCoLC)1 $z (OCoLC)2\n035 __ $a (DLC)3\n959 __ $a (OCoLC)1"),
    ('copyField "001" to "035.9"', "001 99123\n245 00 $a T",
     "001 99123\n035 __ $9 99123\n245 00 $a T"),
    ('copyField "955" to "791.{ , }" if (exists "955.{1, }.a.*")', "955 1_ $a x\n955 2_ $a y",
     "791 __ $a x\n955 1_ $a x\n955 2_ $a y"),
    ('copyControlField "988.a" to "008"', "008 old\n988 __ $a new", "008 new\n988 __ $a new"),
    ('splitSubField "776.w.(" to "TMP.a"', "776 08 $w (OCoLC)1(DLC)2",
     "776 08 $w (OCoLC)1(DLC)2\nTMP __ $a OCoLC)1\nTMP __ $a DLC)2"),
    ('combineFields "995" excluding "c"', "995 __ $a 1 $c x\n995 __ $a 2 $c y",
     "995 __ $a 1 $c x $a 2"),
    ('correctDuplicateSubfields "650"', "650 _0 $a Cats $a Cats $x Dogs", "650 _0 $a Cats $x Dogs"),
    ('moveSubfieldsToEndOfField "913" "b"', "913 __ $b 1 $a 2", "913 __ $a 2 $b 1"),
]


@pytest.mark.parametrize(("action", "before", "after"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_each_action(action: str, before: str, after: str) -> None:
    text = f'rule "r" when TRUE then {action} end'
    assert run(text, before) == same(after)


def test_every_action_has_an_example() -> None:
    named = {action.split()[0] for action, _, _ in ACTIONS} | {"correctDuplicateFields"}
    assert named == set(rules.ACTIONS)


def test_a_rule_whose_condition_fails_changes_nothing() -> None:
    text = 'rule "r" when exists "040.b.*" AND not exists "040.b.eng" then removeField "040" end'
    assert run(text, "040 __ $a DLC $b eng") == same("040 __ $a DLC $b eng")
    assert run(text, "040 __ $a DLC $b ger") == "LDR " + LEADER


def test_the_notes_say_which_rule_did_what() -> None:
    compiled = compile_normalization(rules.parse(
        'rule "Remove OCLC o-numbers" when TRUE then\n'
        '  removeField "019"\n'
        '  removeField "035" if (exists "035.*.(OCoLC)o*")\n'
        '  removeField "029"\n'
        "end"
    ))
    after, notes = compiled.run(record("019 __ $a 1 $a 2\n035 __ $a (OCoLC)on3\n035 __ $a x"))
    assert written(after) == same("035 __ $a x")
    assert notes == (
        "rule 'Remove OCLC o-numbers': removeField \"019\": removed 019 $a 1 $a 2",
        "rule 'Remove OCLC o-numbers': removeField \"035\": removed 035 $a (OCoLC)on3",
    )
    untouched = record("245 00 $a T")
    assert compiled.run(untouched) == (untouched, ())


# -- arguments that cannot mean anything are refused when compiling ------------------------------
@pytest.mark.parametrize(("action", "hint"), [
    ('addField "2**.a.x"', "three digits"),
    ('addField "245"', "245.a"),
    ('changeField "440" to "8300"', "three digits"),
    ('changeSubField "035.a" to "zz"', "one letter"),
    ('replaceContents "500.a" with "x"', "old"),
    ('addControlField "245.x"', "001-009"),
    ('changeFirstIndicator "245" to "10"', "one character"),
])
def test_bad_arguments(action: str, hint: str) -> None:
    with pytest.raises(InvalidRuleText) as caught:
        compile_normalization(rules.parse(f'rule "bad" when TRUE then {action} end'))
    assert caught.value.rule == "bad"
    assert hint in caught.value.hint


def test_every_real_normalization_file_compiles() -> None:
    for path in sorted(REAL.glob("norm__*.txt")):
        parsed = rules.parse(path.read_text(encoding="utf-8"))
        if rules.RuleKind.DISPLAY in parsed.kinds:
            continue  # heading display rules: parsed, not run on bibliographic records
        assert compile_normalization(parsed).rules, path.name


def test_harvards_connexion_rules_on_an_oclc_record() -> None:
    text = (REAL / "norm__cbaksik__NormRules_zSYS_-_External_Resources_and_Connexion.txt"
            ).read_text(encoding="utf-8")
    before = """
LDR 00000cas a2200000 a 4500
001 ocm00012345
003 OCoLC
008 750101c19759999nyuqr p       0   a0eng d
019 __ $a 999
029 1_ $a AU@ $b 000
035 __ $a (OCoLC)12345
035 __ $a (OCoLC)ocm00012345
040 __ $a DLC $b eng
245 00 $a Serial title.
500 __ $a Copy note. $5 MH
500 __ $a General note.
"""
    # In file order: the second rule adds 998 NO-OVERLAY (an unauthenticated serial), the third
    # removes 99* again; "5**.5.*." asks for a $5 ending in a period, which "MH" does not.
    after = run(text, before)
    assert after == same("""
LDR 00000cas a2200000 a 4500
003 OCoLC
008 750101c19759999nyuqr_p_______0___a0eng_d
035 __ $a (OCoLC)12345
040 __ $a DLC $b eng
245 00 $a Serial title.
500 __ $a Copy note. $5 MH
500 __ $a General note.
""")


# -- hostile rules: bounded time, no backtracking ------------------------------------------------
def test_many_wildcards_against_a_long_value_run_in_linear_time() -> None:
    pattern = "*a" * 2000 + "*b"
    text = f'rule "r" when exists "245.a.{pattern}" then removeField "245" end'
    compiled = compile_normalization(rules.parse(text))
    long = record("245 00 $a " + "a" * 200_000)
    started = time.perf_counter()
    assert compiled.run(long)[1] == ()  # no b: no match
    assert time.perf_counter() - started < 2


def test_a_pattern_that_backtracks_in_a_regex_engine_is_fast_here() -> None:
    # (a*)*b-like: many stars between the same letters; a backtracking engine takes exponential
    # time on "aaaa...c"; the glob matcher takes one pass per piece.
    text = 'rule "r" when exists "245.a.' + "a*" * 40 + 'b" then removeField "245" end'
    compiled = compile_normalization(rules.parse(text))
    started = time.perf_counter()
    assert compiled.run(record("245 00 $a " + "a" * 5000 + "c"))[1] == ()
    assert time.perf_counter() - started < 1


def test_a_long_removal_is_shown_in_short() -> None:
    compiled = compile_normalization(rules.parse('rule "r" when TRUE then removeField "9**" end'))
    before = "\n".join(f"9{n:02d} __ $a {'x' * 80}" for n in range(5))
    _, notes = compiled.run(record(before))
    assert notes == (
        "rule 'r': removeField \"9**\": removed 900 $a " + "x" * 50 + "...; 901 $a " + "x" * 50
        + "...; 902 $a " + "x" * 50 + "...; and 2 more",
    )
