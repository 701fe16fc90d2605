"""The compiled writer of a decision's line (``almamatch._native.jsontext.LineText``, through
``JsonWriter.members_after_line`` and ``LineWriter.encoded``) against its twin, the generated
Python writer of the line's pieces (``JsonWriter.members_after_parts``, the definition), joined,
a newline after them, encoded as UTF-8: on every decision class, hostile strings and records,
generated decisions and the corpus; with ``ensure_ascii`` off and on. The compiled writer
answers None for a line it leaves to the Python path, never other bytes."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch import Add, DataField, Decision, Merge
from almamatch.codec import COMPACT, JsonWriter, _field_out
from almamatch.core.decision import Step
from almamatch.core.errors import InvalidRecord
from almamatch.core.timestamp import Timestamp
from almamatch.envelope import LineWriter
from almamatch.marc import Unreadable
from pure_probe import printed_when_pure
from test_codec import EXAMPLES, RECORD, TRACE
from test_json_text import HOSTILE, corpus_adds, hostile_record
from test_native_jsontext import bibs, steps, texts

SETTINGS = (False, True)
COMPILED = JsonWriter().members_after_line(Add) is not None
needs_compiled = pytest.mark.skipif(
    not COMPILED, reason="almamatch._native.jsontext is not built here, or ALMAMATCH_PURE is set"
)
PLACE = '"index":7,"oclc_numbers":[],"cancelled_oclc_numbers":[]'


def expected(writer: JsonWriter, before: str, decision: Any) -> str:
    """The line the Python writer writes, with its newline."""
    return "".join(writer.members_after_parts(type(decision))(before, decision)) + "\n"


def assert_twins(writer: JsonWriter, before: str, decision: Any) -> bytes | None:
    """The compiled writer's bytes are the Python writer's line, encoded, or None; None only
    where that line cannot be encoded strictly or a part of it is left to Python."""
    line = writer.members_after_line(type(decision))
    assert line is not None
    written = line.line(before, decision)
    text = expected(writer, before, decision)
    if written is not None:
        assert written == text.encode("utf-8")
    return written


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@needs_compiled
@pytest.mark.parametrize("ensure_ascii", SETTINGS)
@pytest.mark.parametrize("decision", EXAMPLES, ids=lambda d: f"{d.code}")
def test_every_decision_class_is_written_as_the_python_writer_writes_it(
    decision: Decision, ensure_ascii: bool
) -> None:
    writer = JsonWriter(ensure_ascii=ensure_ascii)
    for before in (PLACE, "", '"x":"é😀"'):
        # Twice: what the writers keep from the first does not change the second.
        for _ in range(2):
            assert assert_twins(writer, before, decision) is not None


@needs_compiled
@pytest.mark.parametrize("ensure_ascii", SETTINGS)
def test_hostile_strings_and_records_are_written_as_the_python_writer_writes_them(
    ensure_ascii: bool
) -> None:
    writer = JsonWriter(ensure_ascii=ensure_ascii)
    record = hostile_record()
    for text in HOSTILE:
        trace = (Step(stage=TRACE[0].stage, verdict=TRACE[0].verdict, detail=text), *TRACE)
        for decision in (Add(mms_id=text, record=record, trace=trace),
                         Add(mms_id="1", record=RECORD, trace=trace),
                         Merge(mms_id="991", record=None, merge_method=text, trace=TRACE)):
            written = assert_twins(writer, PLACE, decision)
            # A member the compiled writer leaves is written by its Python writer: only a line
            # UTF-8 cannot encode strictly (a lone surrogate kept) is left whole.
            if encodable(expected(writer, PLACE, decision)):
                assert written is not None


@st.composite
def decisions(draw: st.DrawFn) -> Decision:
    trace = tuple(draw(st.lists(steps, max_size=6)))
    stamp = draw(st.one_of(st.none(), st.sampled_from(
        [Timestamp.parse("20250101120000.5"), Timestamp.parse("19991231235959")])))
    if draw(st.booleans()):
        return Add(mms_id=draw(texts), record=draw(bibs), trace=trace, originating_version=stamp)
    return Merge(mms_id=draw(texts), record=draw(st.one_of(st.none(), bibs)),
                 merge_method=draw(texts), trace=trace, originating_version=stamp)


@needs_compiled
@settings(max_examples=200, deadline=None)
@given(st.lists(decisions(), min_size=1, max_size=4), texts, st.booleans())
def test_generated_decisions_are_written_as_the_python_writer_writes_them(
    generated: list[Decision], before: str, ensure_ascii: bool
) -> None:
    writer = JsonWriter(ensure_ascii=ensure_ascii)
    for decision in generated:
        assert_twins(writer, before, decision)


@attrs.frozen
class LocalAdd(Add):
    """A decision of another class than the one a writer is made for."""


@needs_compiled
def test_another_class_or_a_before_not_str_is_left_to_the_python_writer() -> None:
    writer = JsonWriter()
    compiled = writer.members_after_line(Add)
    assert compiled is not None
    line = compiled.line
    decision = EXAMPLES[0]
    assert isinstance(decision, Add)
    local = LocalAdd(mms_id="1", record=decision.record, trace=TRACE)
    assert line(PLACE, local) is None
    assert line(b"x", decision) is None  # type: ignore[arg-type]
    assert line(PLACE, decision) == expected(writer, PLACE, decision).encode()


@needs_compiled
def test_a_member_not_of_its_type_is_written_by_its_python_writer_or_fails_as_it_does() -> None:
    writer = JsonWriter()
    decision = EXAMPLES[0]
    assert isinstance(decision, Add)

    class Text(str):
        pass

    odd = attrs.evolve(decision, mms_id=Text("99"), trace=list(TRACE))  # type: ignore[arg-type]
    assert assert_twins(writer, PLACE, odd) is not None
    broken = attrs.evolve(decision, mms_id=None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        expected(writer, PLACE, broken)
    compiled = writer.members_after_line(Add)
    assert compiled is not None
    with pytest.raises(TypeError):
        compiled.line(PLACE, broken)


@needs_compiled
@pytest.mark.parametrize("name", ["traject_test_data.utf8.mrc", "solrmarc_uva_001_2000.mrc",
                                  "folio_test1_err.mrc"])
def test_each_corpus_line_is_encoded_as_the_line_writer_writes_it(name: str) -> None:
    lines = LineWriter()
    for index, item, decision in corpus_adds(name, 200):
        written = lines.encoded(index, item, decision)
        if decision is None:
            assert written is None
        elif written is not None:
            assert written == (lines.line(index, item, decision) + "\n").encode("utf-8")


def test_almamatch_pure_writes_every_line_in_python() -> None:
    probe = ("from almamatch import Add; from almamatch.codec import JsonWriter; "
             "from almamatch.envelope import LineWriter; "
             "print(JsonWriter().members_after_line(Add) is None, "
             "LineWriter().encoded(0, None, None) is None)")
    assert printed_when_pure(probe) == ["True", "True"]


@needs_compiled
def test_the_line_writer_encodes_each_decision_class_as_it_writes_its_line() -> None:
    lines = LineWriter()
    record = hostile_record()
    unreadable = Unreadable(index=3, offset=120, reason="bad_length", detail="d")
    for _ in range(2):  # the second time, each class's writer is the one made the first
        for index, decision in enumerate(EXAMPLES):
            for item in (RECORD, record):
                written = lines.encoded(index, item, decision)
                line = lines.line(index, item, decision) + "\n"
                assert written == line.encode("utf-8") or (written is None and item is record)
            assert lines.encoded(index, RECORD, decision) is not None
        assert lines.encoded(3, unreadable, None) is None
        assert lines.encoded(3, RECORD, None) is None
        assert lines.encoded(3, RECORD, Step(stage=TRACE[0].stage, verdict=TRACE[0].verdict,
                                             detail="not a decision")) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("ensure_ascii", SETTINGS)
def test_a_head_is_written_as_the_converter_writes_a_field_and_refused_as_a_field_refuses_it(
    ensure_ascii: bool
) -> None:
    writer = JsonWriter(ensure_ascii=ensure_ascii)
    for key in [("245", "1", "0"), ("9Zz", '"', "\\"), ("500", "\udcff", "\x00"),
                ("650", "é", "😀"), ("ZZZ", "X", "Y"), ("001", " ", " ")]:
        # As a record's field is written (``codec._field_out``), without subfields.
        field = json.dumps(_field_out(DataField(*key, ())), ensure_ascii=ensure_ascii,
                           separators=COMPACT)
        assert writer._head(key) == field.removesuffix("]}")
    for bad in [("24", "1", "0"), ("245", "10", "0"), ("245", "1", ""), ("2 5", "1", "0")]:
        with pytest.raises(InvalidRecord):
            writer._head(bad)


@needs_compiled
@pytest.mark.parametrize("count", [0, 1, 60, 120, 127, 128, 400])
def test_a_trace_of_any_length_is_written_as_the_python_writer_writes_it(count: int) -> None:
    # A trace's steps go into the line one by one while they fit among its pieces, else as
    # the trace's text, joined.
    writer = JsonWriter()
    trace = tuple(Step(stage=TRACE[number % 2].stage, verdict=TRACE[0].verdict,
                       detail=f"step {number} é" if number % 3 else f"step {number}")
                  for number in range(count))
    for decision in (Add(mms_id="1", record=RECORD, trace=trace),
                     Merge(mms_id="2", record=None, merge_method="m", trace=trace)):
        for _ in range(2):
            assert assert_twins(writer, PLACE, decision) is not None
