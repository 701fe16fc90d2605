"""Hypothesis: the JSON the writers produce as text is the converter's through ``json.dumps``, for
decisions of every class generated from their own type hints, with any string in them."""

from __future__ import annotations

import enum
import json
import types
from datetime import datetime
from typing import Any, Union, get_args, get_origin, get_type_hints

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch import Bib, BriefLevel, ControlField, DataField, OclcNumber, Subfield, Timestamp
from almamatch.codec import COMPACT, DECISION_CLASSES, JsonWriter, converter
from almamatch.core.decision import Step
from almamatch.core.lock import Lock
from almamatch.core.oclc import MAX_OCLC_NUMBER, ParsedNumbers
from almamatch.envelope import LineWriter, item_line, json_line
from record_strategies import records

# Any string: printable text, control characters, JSON's own syntax, non-BMP characters and the
# lone surrogates that invalid UTF-8 bytes become.
characters = st.one_of(
    st.characters(),
    st.characters(max_codepoint=0x20),
    st.characters(categories=["Cs"]),
    st.sampled_from('"\\/[]{},:%\x7f\u2028😀'),
)
texts = st.lists(characters, max_size=12).map("".join)
tags = st.from_regex(r"[0-9A-Za-z]{3}", fullmatch=True)


bibs = records(characters=characters, texts=texts, tags=tags, codes=texts)

SPECIAL: dict[Any, st.SearchStrategy[Any]] = {
    str: texts,
    int: st.integers(-(2**70), 2**70),
    Bib: bibs,
    OclcNumber: st.one_of(
        st.integers(1, MAX_OCLC_NUMBER).map(OclcNumber.of),
        st.sampled_from(["(OCoLC)ocm00012345", "ocn123456789", "(ocolc) 77", "019"]).map(
            OclcNumber.parse)),
    Timestamp: st.sampled_from(["20250101120000.5", "20260305103000", "19991231235959.0"]).map(
        Timestamp.parse),
    BriefLevel: st.integers(1, 10).map(BriefLevel),
    Lock: st.builds(Lock, institution=st.sampled_from(["01CARLI_XYZ", "机构"]),
                    user=st.one_of(st.none(), texts),
                    last_activity=st.datetimes(timezones=st.timezones())),
    datetime: st.datetimes(timezones=st.timezones()),
}


def values_of(hint: Any) -> st.SearchStrategy[Any]:
    """Values of a type hint, built from the hint as the writer derives its text from it."""
    if hint in SPECIAL:
        return SPECIAL[hint]
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        return st.one_of([values_of(one) for one in args])
    if origin is tuple:
        return st.lists(values_of(args[0]), max_size=4).map(tuple)
    if hint is type(None):
        return st.none()
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return st.sampled_from(hint)
    assert attrs.has(hint), hint
    hints = get_type_hints(hint)
    return st.builds(hint, **{one.name: values_of(hints[one.name]) for one in attrs.fields(hint)})


decisions = st.one_of([values_of(cls) for cls in DECISION_CLASSES.values()])


@st.composite
def decisions_sharing_steps(draw: st.DrawFn) -> list[Any]:
    """Decisions whose traces reuse the same few ``Step`` objects, within a trace and from one
    decision to the next, as ``decide()`` hands them out."""
    shared = st.sampled_from(draw(st.lists(values_of(Step), min_size=1, max_size=6)))
    return [attrs.evolve(decision, trace=tuple(draw(st.lists(shared, max_size=8))))
            for decision in draw(st.lists(decisions, min_size=1, max_size=4))]


@settings(max_examples=150, deadline=None)
@given(bibs, st.booleans())
def test_a_record_is_written_as_json_dumps_of_the_converter(
    record: Bib, ensure_ascii: bool
) -> None:
    expected = json.dumps(converter.unstructure(record), ensure_ascii=ensure_ascii,
                          separators=COMPACT)
    assert JsonWriter(ensure_ascii=ensure_ascii).text(record) == expected


@settings(max_examples=150, deadline=None)
@given(decisions, st.booleans())
def test_a_decision_is_written_as_json_dumps_of_the_converter(
    decision: Any, ensure_ascii: bool
) -> None:
    expected = json.dumps(converter.unstructure(decision), ensure_ascii=ensure_ascii,
                          separators=COMPACT)
    assert JsonWriter(ensure_ascii=ensure_ascii).text(decision) == expected


@settings(max_examples=100, deadline=None)
@given(decisions_sharing_steps(), st.booleans())
def test_steps_written_again_are_written_as_json_dumps_of_the_converter(
    found: list[Any], ensure_ascii: bool
) -> None:
    writer = JsonWriter(ensure_ascii=ensure_ascii)  # one per run, kept across its decisions
    for decision in found:
        expected = json.dumps(converter.unstructure(decision), ensure_ascii=ensure_ascii,
                              separators=COMPACT)
        assert writer.text(decision) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(bibs, decisions), min_size=1, max_size=4))
def test_each_line_is_json_line_of_item_line(items: list[tuple[Bib, Any]]) -> None:
    lines = LineWriter()  # one per run, kept across its lines
    for index, (record, decision) in enumerate(items):
        expected = json_line(item_line(index, record, decision))
        assert lines.line(index, record, decision) == expected
        parts = lines.parts(index, record, decision)  # the same text in pieces
        assert type(parts) is tuple
        assert all(type(one) is str for one in parts)
        assert "".join(parts) == expected


# OCLC numbers as exports write them, and texts that are not: a line's place parses them through
# the run's memo (``LineWriter(numbers)``), which holds what the decision parsed before.
oclc_texts = st.one_of(
    st.sampled_from(["(OCoLC)ocm00012345", "(OCoLC)12345", "ocn123456789", "on1234567890",
                     "(OCoLC) 77", "019", "(DLC)123", "(OCoLC)0", "ocm", " 12 ", "(ocolc)ocm1"]),
    texts,
)


@st.composite
def numbered_records(draw: st.DrawFn) -> Bib:
    fields: list[ControlField | DataField] = []
    if draw(st.booleans()):
        fields.append(ControlField("001", draw(oclc_texts)))
    if draw(st.booleans()):
        fields.append(ControlField("003", draw(st.sampled_from(["OCoLC", "oc olc", "DLC"]))))
    for _ in range(draw(st.integers(0, 4))):
        subfields = draw(st.lists(st.builds(Subfield, st.sampled_from("azb"), oclc_texts),
                                  max_size=3))
        fields.append(DataField(draw(st.sampled_from(["035", "019"])), " ", " ", subfields))
    return Bib(leader="00000cam a2200000 a 4500", fields=fields)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(numbered_records(), decisions, st.booleans()), min_size=1, max_size=6),
       st.integers(1, 8))
def test_each_line_with_the_runs_parsed_numbers_is_json_line_of_item_line(
    items: list[tuple[Bib, Any, bool]], limit: int
) -> None:
    numbers = ParsedNumbers(limit=limit)  # small: the memo also starts again within a run
    lines = LineWriter(numbers)
    for index, (record, decision, seen) in enumerate(items):
        if seen:  # as the decision of this record parsed its texts before the line
            for one in record.fields:
                for text in ([one.value] if isinstance(one, ControlField)
                             else [sub.value for sub in one.subfields]):
                    numbers.number(text)
        expected = json_line(item_line(index, record, decision))
        assert lines.line(index, record, decision) == expected
        assert lines.line(index, record, decision) == expected  # every text now remembered
        assert "".join(lines.parts(index, record, decision)) == expected
