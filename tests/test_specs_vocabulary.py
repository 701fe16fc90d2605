"""The step vocabulary: every step documented with an example that runs through its own pattern,
the README's reference current, and the table cell parsers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from almamatch.core.record import DataField, Subfield
from almamatch.specs.feature import load_feature
from almamatch.specs.reference import BEGIN, END, render
from almamatch.specs.runner import load_vocabulary
from almamatch.specs.tables import parse_indicators, parse_subfields, parse_switch, split_values
from almamatch.specs.vocabulary import StepDefinition

ROOT = Path(__file__).resolve().parents[1]
VOCABULARY = load_vocabulary()
DEFINITIONS = list(VOCABULARY)


def test_the_vocabulary_covers_every_topic_of_the_issue() -> None:
    topics = {definition.topic for definition in DEFINITIONS}
    assert topics == {
        "The zone and its integration profile",
        "The bibs already in the zone",
        "The export",
        "What Alma does",
        "The evidence and the trace",
        "The saved record",
        "The Gateway Export settings check",
    }


@pytest.mark.parametrize("definition", DEFINITIONS, ids=lambda one: one.pattern)
def test_each_example_is_gherkin_and_matches_its_own_step(
    definition: StepDefinition, tmp_path: Path
) -> None:
    assert definition.doc
    body = "\n".join("    " + line for line in definition.example.splitlines())
    feature = tmp_path / "example.feature"
    feature.write_text(f"Feature: example\n  Scenario: example\n{body}\n", encoding="utf-8")
    (scenario,) = load_feature(feature).scenarios
    assert scenario.steps
    for spec_step in scenario.steps:  # a step that takes a table or a doc string shows both
        found = VOCABULARY.find(spec_step.text)
        assert found is not None
        assert found[0] is definition
        assert definition.argument_problem(table=spec_step.table is not None,
                                           doc_string=spec_step.doc_string is not None) == ""
    shown = {(one.table is not None, one.doc_string is not None) for one in scenario.steps}
    assert any(table for table, _ in shown) == definition.table
    assert any(doc for _, doc in shown) == definition.doc_string


def test_the_readme_step_reference_is_current() -> None:
    text = (ROOT / "specs" / "README.md").read_text(encoding="utf-8")
    section = text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip()
    assert section == render(VOCABULARY).strip(), (
        "run: almamatch spec --write-reference specs/README.md"
    )
    for definition in DEFINITIONS:
        assert f"#### {definition.kind} {definition.pattern}\n" in text


@pytest.mark.parametrize(
    ("misspelled", "meant"),
    [
        ("the breif guard is off", "the brief guard is {state}"),
        ("the outcome was MERGED", "the outcome is {code}"),
        ('the hots message is "NOT_ADDED_OLD"', 'the host message is "{message}"'),
        ("the zone holds these bib:", "the zone holds these bibs:"),
        ("the record is exporte", "the record is exported"),
    ],
)
def test_closest_step_for_a_misspelling(misspelled: str, meant: str) -> None:
    assert VOCABULARY.find(misspelled) is None
    closest = VOCABULARY.closest(misspelled)
    assert closest is not None
    assert closest.pattern == meant


@pytest.mark.parametrize(
    ("written", "indicators"),
    [
        ("##", (" ", " ")),
        ("# #", (" ", " ")),
        ("", (" ", " ")),
        ("10", ("1", "0")),
        ("1 0", ("1", "0")),
        ("1#", ("1", " ")),
        ("\\4", (" ", "4")),
    ],
)
def test_indicators_as_catalogers_write_them(written: str, indicators: tuple[str, str]) -> None:
    assert parse_indicators(written) == indicators


@pytest.mark.parametrize("written", ["1", "104", "1  0"])
def test_indicators_that_are_not_two(written: str) -> None:
    with pytest.raises(ValueError, match="two characters"):
        parse_indicators(written)


@pytest.mark.parametrize(
    ("cell", "values"),
    [
        ("", ()),
        ("-", ()),
        ("(OCoLC)1", ("(OCoLC)1",)),
        ("(OCoLC)1, (OCoLC)2", ("(OCoLC)1", "(OCoLC)2")),
    ],
)
def test_split_values(cell: str, values: tuple[str, ...]) -> None:
    assert split_values(cell) == values


@pytest.mark.parametrize(("word", "state"), [("on", True), ("Checked", True), ("yes", True),
                                             ("off", False), ("unchecked", False), ("", False)])
def test_switches(word: str, state: bool) -> None:
    assert parse_switch(word) is state


_VALUES = st.text(
    alphabet=st.characters(blacklist_characters="$", blacklist_categories=("Cs", "Cc", "Zs")),
    min_size=1,
    max_size=12,
)


@given(st.lists(st.tuples(st.sampled_from("abcz0689"), _VALUES), min_size=1, max_size=5))
def test_subfields_written_as_text_read_back(pairs: list[tuple[str, str]]) -> None:
    field = DataField("500", " ", " ", [Subfield(code, value) for code, value in pairs])
    assert parse_subfields(field.text) == field.subfields
