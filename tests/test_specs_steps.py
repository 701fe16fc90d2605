"""The steps a policy discussion needs beyond one export: exports in order against the zone as the
ones before left it, bibs named by what an earlier export did, fields gone or counted, Leader/09,
lengths in octets, brief levels on a merge and why none were compared, times as --now reads them.
Each wrong expectation shows its expected value beside the actual one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from almamatch.core.decision import Add, Merge
from almamatch.core.profile import IntegrationProfile
from almamatch.core.record import DataField, Subfield
from almamatch.specs.feature import load_feature
from almamatch.specs.runner import ScenarioResult, Status, load_vocabulary, run_scenario
from almamatch.specs.vocabulary import StepCall
from almamatch.specs.world import World

HEADER = """Feature: steps
  Background:
    Given the zone:
      | kind             | Institution                        |
      | institution code | 01CARLI_XYZ                        |
      | host             | i-share-xyz.alma.exlibrisgroup.com |
      | logon ID         | 01CARLI_XYZ                        |
    And the zone has the CARLI integration profile with password "secret"
    And the incoming record:
      | tag | indicators | subfields                     |
      | 005 |            | 20260301101500.0              |
      | 035 | ##         | $a (OCoLC)1234567             |
      | 245 | 10         | $a Pride and prejudice.       |
"""  # the Background ends on line 13: "\n  Scenario: ..." puts the Scenario on line 15


def run(tmp_path: Path, body: str) -> ScenarioResult:
    path = tmp_path / "steps.feature"
    path.write_text(HEADER + body, encoding="utf-8")
    (scenario,) = load_feature(path).scenarios
    return run_scenario(scenario)


def given(tmp_path: Path, body: str) -> World:
    """The world after running the scenario's own steps (not the Background's) one by one."""
    path = tmp_path / "steps.feature"
    path.write_text(HEADER + "\n  Scenario: given\n" + body, encoding="utf-8")
    (scenario,) = load_feature(path).scenarios
    world = World()
    words = load_vocabulary()
    for spec_step in scenario.steps[3:]:
        found = words.find(spec_step.text)
        assert found is not None
        found[0].run(world, StepCall(values=found[1], table=spec_step.table, doc_string=None,
                                     base_dir=tmp_path, line=spec_step.line))
    return world


def mismatches(result: ScenarioResult) -> list[tuple[str, str, str]]:
    return [(one.mismatch.what, one.mismatch.expected, one.mismatch.actual)
            for one in result.failures]


# -- exports in order ----------------------------------------------------------------------------

def test_a_second_export_meets_the_bib_the_first_one_added(tmp_path: Path) -> None:
    # Before, each export rebuilt the zone from the Given bibs: both were ADDED as 9915681.
    result = run(tmp_path, """
  Scenario: twice
    When the record is exported
    Then the outcome is ADDED
    And the record is added as MMS ID "9915681"
    When the record is exported
    Then the outcome is MERGED
    And the record is merged into MMS ID "9915681"
""")
    assert result.status is Status.PASSED, result


def test_exports_are_applied_in_order_to_one_zone() -> None:
    world = World()
    world.institution, world.host, world.logon_id = (
        "01CARLI_XYZ", "i-share-xyz.alma.exlibrisgroup.com", "01CARLI_XYZ")
    world.profiles.append(IntegrationProfile.carli("secret"))
    world.incoming_fields = [DataField("035", " ", " ", [Subfield("a", "(OCoLC)99")])]
    first, second = world.export(), world.export()
    assert isinstance(first, Add)
    assert isinstance(second, Merge)
    assert second.mms_id == first.mms_id
    assert world.zone is not None
    assert list(world.zone) == [first.mms_id]
    assert [one.held_before for one in world.exports] == [frozenset(), {first.mms_id}]


def test_added_under_a_new_mms_id_and_merged_into_the_bib_the_first_export_added(
    tmp_path: Path,
) -> None:
    result = run(tmp_path, """
  Scenario: named by what an export did
    When the record is exported
    Then the record is added under a new MMS ID
    When the record is exported again
    Then the record is merged into the bib the first export added
    And the record is added under a new MMS ID
    And the record is merged into the bib the second export merged into
""")
    assert mismatches(result) == [
        ("added under a new MMS ID", "ADDED under a new MMS ID",
         "MERGED (The record has been processed successfully. MMS ID: 9915681)"),
    ]
    assert result.failures[0].line == 20


def test_a_bib_that_an_earlier_export_did_not_make_is_an_error(tmp_path: Path) -> None:
    result = run(tmp_path, """
  Scenario: no such export
    When the record is exported
    Then the record is merged into the bib the second export added
""")
    assert result.status is Status.ERROR
    assert result.error.endswith(
        ":17: export 2 has not happened: the scenario has exported 1 time(s) so far")
    result = run(tmp_path, """
  Scenario: the first export added nothing to merge into
    When the record is exported
    Then the record is merged into the bib the first export merged into
""")
    assert result.status is Status.ERROR
    assert result.error.endswith(
        ":17: 'the bib the first export merged into': the first export did not merge into a "
        "bib; it was ADDED (The record has been processed successfully. MMS ID: 9915681)")


def test_a_lock_set_between_exports_blocks_the_next_one_until_it_lapses(tmp_path: Path) -> None:
    result = run(tmp_path, """
  Scenario: a lock between exports
    Given the time now is "2026-03-05 10:00"
    When the record is exported
    Given the bib the first export added is locked by "01CARLI_XYZ (ann)" since "2026-03-05 10:01"
    And the time now is "2026-03-05 11:00"
    When the record is exported
    Then the outcome is NOT_ADDED_LOCKED
    And the refused bib is MMS ID "9915681"
    Given the bib the first export added is released
    When the record is exported
    Then the outcome is MERGED
""")
    assert result.status is Status.PASSED, result


def test_bibs_given_after_an_export_join_the_zone_as_it_is(tmp_path: Path) -> None:
    result = run(tmp_path, """
  Scenario: a second bib appears
    When the record is exported
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         |
      | 991234567890205681 | (OCoLC)1234567 |
    When the record is exported
    Then the outcome is MULTI_MATCH
    And the candidates are:
      | MMS ID                         |
      | the bib the first export added |
      | 991234567890205681             |
""")
    assert result.status is Status.PASSED, result


# -- the saved record ----------------------------------------------------------------------------

MERGE = """
  Scenario: merged
    Given the zone holds these bibs:
      | MMS ID             | 035 $a         | originating system version |
      | 991234567890205681 | (OCoLC)1234567 | 20250101000000.0           |
    And bib "991234567890205681" also has these fields:
      | tag | indicators | subfields          |
      | 245 | 10         | $a Pride & prejudice |
    When the record is exported
"""


@pytest.mark.parametrize(
    ("then", "what", "expected", "actual"),
    [
        ("""Then the saved record does not have these fields:
      | tag | indicators | subfields               |
      | 245 | 10         | $a Pride and prejudice. |""",
         "saved record (fields still present)",
         "none of:\n245 10 $a Pride and prejudice.",
         "still present:\n245 10 $a Pride and prejudice."),
        ('Then the saved record has exactly two 035 fields with "(OCoLC)"',
         '035 fields with "(OCoLC)"', "2 field(s)", "1 field(s)\n035 ## $a (OCoLC)1234567"),
        ("Then the saved record has exactly no 245 fields", "245 fields", "0 field(s)",
         "1 field(s)\n245 10 $a Pride and prejudice."),
        ('Then the saved record\'s Leader/09 is "#"', "Leader/09", "#", "a"),
        ('Then the brief levels are "05" in the zone and "10" incoming', "brief levels",
         "05 in the zone, 10 incoming", "10 in the zone, 10 incoming"),
        ('Then the versions are "none" in the zone and "20260301101500.0" incoming', "versions",
         "none in the zone, 20260301101500.0 incoming",
         "20250101000000.0 in the zone, 20260301101500.0 incoming"),
        ("Then the brief guard compared no levels: no candidate", "brief guard",
         "compared no levels: no candidate",
         ("compared 10 in the zone with 10 incoming (MERGED (The record has been processed "
          "successfully. MMS ID: 991234567890205681))")),
    ],
)
def test_each_new_check_shows_expected_beside_actual(
    tmp_path: Path, then: str, what: str, expected: str, actual: str
) -> None:
    result = run(tmp_path, MERGE + "    " + then + "\n")
    assert result.status is Status.FAILED
    assert mismatches(result) == [(what, expected, actual)]


def test_the_old_245_is_gone_and_one_035_is_left(tmp_path: Path) -> None:
    result = run(tmp_path, MERGE + """    Then the saved record does not have these fields:
      | tag | indicators | subfields            |
      | 245 | 10         | $a Pride & prejudice |
    And the saved record has exactly one 035 field with "(OCoLC)1234567"
    And the saved record has exactly 1 245 field
    And the saved record's Leader/09 is "a"
""")
    assert result.status is Status.PASSED, result


@pytest.mark.parametrize(
    ("body", "actual"),
    [
        # nothing matched: no candidate
        ("", ("not compared: no candidate (ADDED (The record has been processed successfully. "
              "MMS ID: 9915681))")),
        # two bibs matched: the guard had no single bib to look at
        ("""    Given the zone holds these bibs:
      | MMS ID             | 035 $a         |
      | 991234567890205681 | (OCoLC)1234567 |
      | 992234567890205681 | (OCoLC)1234567 |
""", ("not compared: not evaluated (MULTI_MATCH (Import Failed: Multi matches found for "
        "this record.))")),
        # the profile does not run the guard
        ("""    Given the brief guard is off
    And the zone holds these bibs:
      | MMS ID             | 035 $a         |
      | 991234567890205681 | (OCoLC)1234567 |
""", ("not compared: guard off (MERGED (The record has been processed successfully. MMS ID: "
      "991234567890205681))")),
    ],
)
def test_why_the_brief_guard_compared_no_levels(tmp_path: Path, body: str, actual: str) -> None:
    result = run(tmp_path, "\n  Scenario: levels\n" + body + """    When the record is exported
    Then the brief levels are "10" in the zone and "10" incoming
""")
    assert mismatches(result) == [("brief levels", "10 in the zone, 10 incoming", actual)]


# -- the incoming record -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("octets", "text"),
    [("9,999", "x"), ("10000", "é"), ("10,000", "カ"), ("7", "é"), ("9999", "ab"), ("9998", "é")],
)
def test_a_field_of_n_octets_is_n_octets_in_iso_2709(
    tmp_path: Path, octets: str, text: str
) -> None:
    world = given(
        tmp_path, f'    Given the incoming record has a 505 field of {octets} octets written with '
                  f'"{text}"\n')
    (field,) = world.incoming().data_fields("505")
    # ISO 2709: two indicators, a delimiter (0x1F) before each subfield code, the data in
    # UTF-8, and the field terminator (0x1E).
    data = field.indicator1 + field.indicator2 + "".join(
        "\x1f" + sub.code + sub.value for sub in field.subfields) + "\x1e"
    assert len(data.encode("utf-8")) == int(octets.replace(",", ""))
    assert text in field.subfields[0].value


def test_leader_09_of_the_incoming_record(tmp_path: Path) -> None:
    result = run(tmp_path, """
  Scenario: MARC-8
    Given the incoming record's Leader/09 is "#"
    And the incoming record:
      | tag | indicators | subfields         |
      | 035 | ##         | $a (OCoLC)1234567 |
      | 245 | 10         | $a Brontë.        |
    And the incoming record's Leader/09 is "#"
    When the record is exported
    Then the outcome is MARCXML_CONVERSION_FAILED
""")
    assert result.status is Status.PASSED, result


# -- the time ------------------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["March 5, 2026 10:30 AM", "2026-03-05 10:30",
                                     "2026-03-05T10:30:00+00:00"])
def test_the_time_is_read_as_now_is(tmp_path: Path, written: str) -> None:
    world = given(tmp_path, f'    Given the time now is "{written}"\n')
    assert world.now == datetime(2026, 3, 5, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("soon", "a moment needs a time as well as a date"),
        # refused by --now too: day and month cannot be told apart
        ("05/03/2026 10:00", "a date in digits with the year last reads as two different days"),
        ("10:30", "a moment needs a date with its year as well as a time"),
    ],
)
def test_a_time_the_parser_refuses_names_the_step(
    tmp_path: Path, written: str, reason: str
) -> None:
    result = run(tmp_path, f'\n  Scenario: t\n    Given the time now is "{written}"\n')
    assert result.status is Status.ERROR
    assert result.error.startswith(f"{tmp_path / 'steps.feature'}:16: time {written!r}: {reason}")


# -- rules stated inline -------------------------------------------------------------------------

def test_rule_text_that_does_not_parse_names_the_feature_line(tmp_path: Path) -> None:
    result = run(tmp_path, '''
  Scenario: a broken rule
    Given the normalization rules are:
      """
      rule "Strip 019"
      when TRUE
      then removeFeld "019"
      end
      """
''')
    assert result.status is Status.ERROR
    # The rule's third line is the feature file's line 20 (the doc string opens on line 17).
    assert result.error.startswith(
        f"{tmp_path / 'steps.feature'}:20: rule text line 3, column 6, in rule 'Strip 019': ")


@pytest.mark.parametrize(
    ("step_text", "message"),
    [
        ("Given the merge rule is:",
         'this step needs a doc string (text between lines of """) under it'),
        ("Given the normalization rules are:\n      | tag |\n      | 019 |",
         'this step takes a doc string (text between lines of """) under it, not a table'),
        ('Given the brief guard is off\n      """\n      on\n      """',
         "this step takes nothing under it, not a doc string"),
    ],
)
def test_a_step_with_the_wrong_argument_says_which_it_takes(
    tmp_path: Path, step_text: str, message: str
) -> None:
    result = run(tmp_path, f"\n  Scenario: wrong argument\n    {step_text}\n")
    assert result.status is Status.ERROR
    assert result.error == f"{tmp_path / 'steps.feature'}:16: {message}"


def test_a_later_merge_method_replaces_an_earlier_merge_rule(tmp_path: Path) -> None:
    later = '''    And the merge rule is:
      """
      rule "keep only 245 from the incoming record"
      when merge
      then replace MARC."245"
      end
      """
    And the merge method is "Keep only old value"
    When the record is exported
    Then the saved record has these fields:
      | tag | indicators | subfields            |
      | 245 | 10         | $a Pride & prejudice |
'''
    result = run(tmp_path, MERGE.replace("    When the record is exported\n", later))
    assert result.status is Status.PASSED, result


def test_a_given_bib_under_the_first_mms_id_moves_the_sequence_past_it(tmp_path: Path) -> None:
    # No store names as its next MMS ID one it holds (core.facts.MmsIdSequence.past): the
    # export is added under the serial after the given bib's, which stays as it was.
    result = run(tmp_path, """
  Scenario: the first MMS ID is taken
    Given the zone holds these bibs:
      | MMS ID  | 035 $a        |
      | 9915681 | (OCoLC)555555 |
    When the record is exported
    Then the record is added as MMS ID "9925681"
""")
    assert result.status is Status.PASSED, result
