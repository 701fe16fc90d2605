"""Alma merge rule text: Orbis Cascade's Connexion rule (S23) on real records, and bad rule text."""

from __future__ import annotations

from pathlib import Path

import pytest

from almamatch.core import Bib, DataField
from almamatch.core.merge import (
    HasSubfield,
    Indicators,
    InvalidMergeRule,
    MergeAction,
    MergeMethod,
    MergeRule,
)
from almamatch.rules.merge import format_merge_rule, parse_merge_rule
from corpus_files import corpus_bibs

ORBIS_RULE = Path(__file__).parent / "fixtures" / "merge" / "orbis-oca-bib-overlay.rule"
def folio_record(index: int) -> Bib:
    return corpus_bibs("folio_test1_err.mrc", index + 1)[index]


ORBIS = parse_merge_rule(ORBIS_RULE.read_text(encoding="utf-8"))


# -- the Orbis rule -------------------------------------------------------------------------------


def test_orbis_rule_reads_as_its_actions() -> None:
    assert ORBIS.name == "OCA Bib Overlay (Keep 035s)"
    assert [str(rule) for rule in ORBIS.rules[:3]] == [
        "replace LDR",
        "remove 0XX excluding 001,035",
        "add 0XX excluding 001",
    ]
    assert len(ORBIS.rules) == 1 + 2 * 10 + 1
    assert ORBIS.rules[-1] == MergeRule(
        action=MergeAction.REPLACE,
        pattern="035",
        when=[HasSubfield(code="a", contains="OCoLC", tag="035")],
        unless=[Indicators(first="9", second="9", tag="035")],
    )


# The existing NZ bib: FOLIO record 1 (OCLC 1028287, with its library's 9XX) as the Alliance holds
# it, plus a non-OCLC 035, an OCLC 035 with indicators 9 9, and a 979 boundwith marker. The incoming
# record: the same record as OCLC exports it today, no 9XX, a new OCLC number and a changed title.
EXISTING = folio_record(1)
OTHER_035 = DataField.of("035", "  ", ("a", "(WaSeSS)ssj0000123456"))
PROTECTED_035 = DataField.of("035", "99", ("a", "(OCoLC)99999"))
BOUNDWITH_979 = DataField.of("979", "  ", ("a", "Bound with 991234567890"))
ALLIANCE_BIB = EXISTING.with_fields((*EXISTING.fields, OTHER_035, PROTECTED_035, BOUNDWITH_979))
NEW_035 = DataField.of("035", "  ", ("a", "(OCoLC)1028287"), ("z", "(OCoLC)185717"))
NEW_245 = DataField.of("245", "00", ("a", "American reference books annual (Online)."))
OCLC_EXPORT = Bib(
    leader=EXISTING.leader.replace("a 4500", "i 4500"),
    fields=[
        *(f for f in EXISTING.fields if f.tag not in ("035", "245") and not f.tag.startswith("9")),
        NEW_035,
        NEW_245,
    ],
)


def test_orbis_rule_on_a_real_record() -> None:
    merged = ORBIS.apply(ALLIANCE_BIB, OCLC_EXPORT)
    assert merged.leader == OCLC_EXPORT.leader  # replace MARC."LDR"
    assert merged.get_fields("001") == EXISTING.get_fields("001")
    assert merged.data_fields("245") == (NEW_245,)
    # "replaces the 035 if it is an OCLC number. If the 035 is non-OCLC it is protected" (CSU, S52),
    # and an OCLC 035 with indicators 9 9 is excluded from the replacement.
    assert merged.data_fields("035") == (OTHER_035, PROTECTED_035, NEW_035)
    # "#preserve Alliance boundwith marker": 979 stays; every other 9XX goes (OCLC sends none).
    assert [f.tag for f in merged.fields if f.tag.startswith("9")] == ["979"]
    tags = [f.tag for f in merged.fields]
    assert tags == sorted(tags)


def test_orbis_rule_without_an_incoming_oclc_035_keeps_the_existing_ones() -> None:
    incoming = OCLC_EXPORT.with_fields(f for f in OCLC_EXPORT.fields if f.tag != "035")
    merged = ORBIS.apply(ALLIANCE_BIB, incoming)
    assert merged.data_fields("035") == ALLIANCE_BIB.data_fields("035")


def test_orbis_rule_reads_back_from_its_own_text() -> None:
    assert parse_merge_rule(format_merge_rule(ORBIS)) == ORBIS


# -- syntax ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('rule "Keep" when merge then end', MergeMethod(name="Keep")),
        # keywords in any case; curly quotes pasted from a web page
        (
            "RULE \u201cR\u201d When Merge Then Replace MARC.\u201c245\u201d End",
            MergeMethod(name="R", rules=[MergeRule(action=MergeAction.REPLACE, pattern="245")]),
        ),
        (
            'rule "R" when merge then remove MARC."59"X # local notes\nend',
            MergeMethod(name="R", rules=[MergeRule(action=MergeAction.REMOVE, pattern="59X")]),
        ),
        (
            (
                'rule "R" when merge then add MARC."9"XX excluding "979, 99X"\n'
                ' excluding MARC."950"."9" contains "LOCAL" end'
            ),
            MergeMethod(
                name="R",
                rules=[
                    MergeRule(
                        action=MergeAction.ADD,
                        pattern="9XX",
                        excluding=["979", "99X"],
                        unless=[HasSubfield(code="9", contains="LOCAL", tag="950")],
                    )
                ],
            ),
        ),
        (
            (
                'rule "R" when merge then replace MARC."035" when MARC."035"("9"," ") and '
                'MARC."035"."a" contains "ADM" end'
            ),
            MergeMethod(
                name="R",
                rules=[
                    MergeRule(
                        action=MergeAction.REPLACE,
                        pattern="035",
                        when=[
                            Indicators(first="9", second=" ", tag="035"),
                            HasSubfield(code="a", contains="ADM", tag="035"),
                        ],
                    )
                ],
            ),
        ),
    ],
    ids=["empty", "case-and-curly-quotes", "comment", "excluding-both-forms", "when-and"],
)
def test_parse(text: str, expected: MergeMethod) -> None:
    assert parse_merge_rule(text) == expected


# Bad rule text: the error names the token, a reason code, and line, column and offset.
@pytest.mark.parametrize(
    ("text", "token", "reason", "where"),
    [
        ("", 0, "not_one_merge_rule", ""),
        ('rule "R" when import then end', "import", "unexpected_token", "column 15 (offset 14)"),
        ('rule "R" when merge then\n  copy MARC."245" end', "copy", "unexpected_token", "line 2"),
        # a tag that is no MARC tag (Harvard writes "580"X, which selects nothing in a file)
        ('rule "R" when merge then add MARC."24" end', "24", "bad_tag_pattern", ""),
        ('rule "R" when merge then add MARC."2"X end', "2X", "bad_tag_pattern", ""),
        ('rule "R" when merge then add MARC.245 end', "245", "unexpected_token", "offset 34"),
        ('rule "R" when merge then add MARC."0"XX excluding "1" end', "1", "bad_tag_pattern", ""),
        # the reference's elision mark is not rule text
        (
            'rule "R" when merge then remove MARC."1"XX \u2026 end',
            "\u2026",
            "unexpected_character",
            "offset 43",
        ),
        (
            'rule "R" when merge then add MARC."035" when MARC."035"."ab" contains "x" end',
            "ab",
            "bad_subfield_code",
            "offset 56",
        ),
        (
            'rule "R" when merge then add MARC."035" excluding MARC."035"("99"," ") end',
            "99",
            "bad_indicator",
            "offset 61",
        ),
        (
            'rule "R" when merge then add MARC."035" when MARC."LDR" end',
            "LDR",
            "bad_condition",
            "column 51",
        ),
        ('rule "R" when merge then end rule "S"', "end of text", "unexpected_token", ""),
        ('rule "R" when merge then add MARC."245"', "end of text", "unexpected_token", ""),
        ('rule "unterminated when merge then end', '"', "unterminated_string", "offset 5"),
    ],
)
def test_bad_rule_text(text: str, token: object, reason: str, where: str) -> None:
    with pytest.raises(InvalidMergeRule) as caught:
        parse_merge_rule(text)
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.text, error.reason) == (token, reason)
    assert where in error.detail
    if "offset" in where:
        rest = text[error.position :]
        assert rest.startswith(str(token)[0]) or rest.lstrip('"').startswith(str(token)[0])


def test_format_refuses_what_rule_text_cannot_say() -> None:
    method = MergeMethod(name="R", rules=[MergeRule(
        action=MergeAction.ADD, pattern="035", when=[Indicators(tag="035", second="9")],
    )])
    with pytest.raises(InvalidMergeRule, match="no_rule_syntax"):
        format_merge_rule(method)


def test_the_presets_read_back_from_their_own_text() -> None:
    for name in MergeMethod.preset_names():
        method = MergeMethod.preset(name)
        assert parse_merge_rule(format_merge_rule(method)) == method
