"""The compiled writers of ``almamatch._native.jsontext`` against their twins, the Python
writers (the definition): a record's JSON text (``JsonWriter._record``) and a trace's (the
steps, kept by identity as ``codec._Recurring`` keeps them), both called on the same values: the
corpus, generated values (dense in what JSON escapes, in non-ASCII, astral characters and lone
surrogates, in empty values and odd indicators), damaged records; with ``ensure_ascii`` off and
on. A compiled writer answers None for a value it leaves to the Python one, never another
text."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch import Bib, ControlField, DataField, Subfield
from almamatch.codec import COMPACT, JsonWriter, converter
from almamatch.core.decision import Stage, Step, Verdict
from almamatch.marc import read_bibs
from corpus_files import CORPUS
from pure_probe import printed_when_pure
from record_strategies import records

SETTINGS = (False, True)
COMPILED = JsonWriter()._record_text is not None
needs_compiled = pytest.mark.skipif(
    not COMPILED, reason="almamatch._native.jsontext is not built here, or ALMAMATCH_PURE is set"
)
LEADER = "00000cam a2200000 a 4500"


def twins(record: Bib, ensure_ascii: bool) -> tuple[str | None, str]:
    """The compiled writer's answer and the Python writer's text, from one writer."""
    writer = JsonWriter(ensure_ascii=ensure_ascii)
    assert writer._record_text is not None
    return writer._record_text(record), writer._record(record)


def assert_same(compiled: str | None, pure: str) -> None:
    """The compiled writer's text is the Python writer's, down to its representation (a ``str``
    of the narrowest kind, ASCII flagged as such), or None."""
    if compiled is not None:
        assert compiled == pure
        assert compiled.isascii() == pure.isascii()
        assert sys.getsizeof(compiled) == sys.getsizeof(pure)


def the_pure_path_of(record: Bib, ensure_ascii: bool) -> str:
    return json.dumps(converter.unstructure(record), ensure_ascii=ensure_ascii,
                      separators=COMPACT)


# -- every character class JSON's encoder treats apart ---------------------------------------
EDGES = (
    "".join(map(chr, range(0x80))),  # every ASCII character, each C0 and DEL among them
    "\x80\xa0\xff", "\u0100\u07ff\u0800", "\ud7ff\ue000\ufffd\uffff",  # past ASCII, the BMP
    "\U00010000😀\U0010ffff",  # astral: a surrogate pair each with ensure_ascii
    "\udc80\udcff\udce9", "\ud800\udbff\udc00\udfff",  # lone surrogates (surrogateescape)
    '"', "\\", "\\u001f", "", " ", "\x1d",  # JSON's syntax, empty
)


def edges_record(values: tuple[str, ...]) -> Bib:
    safe = [value.replace("\x1e", "").replace("\x1f", "") for value in values]
    fields: list[ControlField | DataField] = [ControlField("005", value) for value in values]
    fields += [DataField("245", "1", "0", [Subfield("a", value), Subfield("b", value)])
               for value in safe]
    fields += [DataField("500", ind, ind, [Subfield(code, "x")])
               for ind in "\x00\"\\\x7f\xff\u0100\udc80😀" for code in "a\x00\"\\\x7f\xe9😀\udcff"]
    return Bib(leader="".join(values)[:24].ljust(24, "\x7f"), fields=fields)


@needs_compiled
@pytest.mark.parametrize("ensure_ascii", SETTINGS)
@pytest.mark.parametrize("value", EDGES, ids=range(len(EDGES)))
def test_each_character_class_is_written_as_json_dumps_writes_it(
    value: str, ensure_ascii: bool
) -> None:
    record = edges_record((value, value * 3, f"a{value}b"))
    compiled, pure = twins(record, ensure_ascii)
    assert compiled is not None
    assert_same(compiled, pure)
    assert compiled == the_pure_path_of(record, ensure_ascii)


@needs_compiled
@pytest.mark.parametrize("ensure_ascii", SETTINGS)
def test_a_string_is_written_as_the_string_encoder_writes_it(ensure_ascii: bool) -> None:
    writer = JsonWriter(ensure_ascii=ensure_ascii)
    compiled = writer._compiled_record
    assert compiled is not None
    texts = [*EDGES, *(value * 9 for value in EDGES), "The record has been processed.",
             "a" * 7 + '"' + "b" * 8 + "\\" + "\x1f" * 9 + "\x7f\xe9" * 5]
    for text in texts:
        found = compiled.string(text)
        assert found is not None
        assert_same(found, writer._string(text))
    assert compiled.string(Stage.MATCH) is None  # a str subclass: the encoder's
    assert compiled.string(None) is None  # type: ignore[arg-type]


# -- where the scan of a one-byte text stops --------------------------------------------------
#: What the scan of a one-byte text passes over many characters at a time, and each character
#: it stops at (escaped, a delimiter, or past ASCII: written as it is without ``ensure_ascii``).
SCANNED_PLAIN = "abz AZ09~!#[]{}"
SCAN_STOPS = '\x00\x1d"\\\x7f\x80\xe9\xff'


def scanned_texts() -> list[str]:
    """One-byte texts of every length to 40 with a stop at each place (then a second stop at
    each place after it), around the sixteen and eight characters the scan reads at once."""
    texts = []
    for length in range(41):
        plain = (SCANNED_PLAIN * 3)[:length]
        texts.append(plain)
        for at in range(length):
            for stop in SCAN_STOPS:
                texts.append(plain[:at] + stop + plain[at + 1:])
                if at + 3 < length:
                    texts.append(plain[:at] + stop + plain[at + 1:-2] + stop + plain[-1])
    return texts


@needs_compiled
@pytest.mark.parametrize("ensure_ascii", SETTINGS)
def test_a_stop_at_each_place_of_a_one_byte_text_is_written_as_the_encoder_writes_it(
    ensure_ascii: bool
) -> None:
    writer = JsonWriter(ensure_ascii=ensure_ascii)
    compiled = writer._compiled_record
    assert compiled is not None
    texts = scanned_texts()
    for text in texts:
        found = compiled.string(text)
        assert found is not None
        assert_same(found, writer._string(text))
    # The same as subfields: a field's text read from each delimiter to the next.
    for start in range(0, len(texts), 97):
        values = [text.replace("\x1f", "") or "v" for text in texts[start:start + 97]]
        record = Bib(leader=LEADER, fields=[
            DataField("500", " ", " ", [Subfield("a", value) for value in values[at:at + 5]])
            for at in range(0, len(values), 5)])
        compiled_text, pure = twins(record, ensure_ascii)
        assert compiled_text is not None
        assert_same(compiled_text, pure)


@needs_compiled
@pytest.mark.parametrize("ensure_ascii", SETTINGS)
def test_one_byte_values_of_a_two_byte_record_are_written_whole(ensure_ascii: bool) -> None:
    # A record that holds a two-byte character writes its one-byte values widened, sixteen
    # characters at a time where it can: values of every length, with Latin-1 in places.
    texts = [text for text in scanned_texts() if "\x1d" not in text][::7]
    for start in range(0, len(texts), 50):
        values = [text or "v" for text in texts[start:start + 50]]
        fields: list[ControlField | DataField] = [ControlField("001", "\u0100" + values[0])]
        fields += [DataField("500", " ", " ", [Subfield("a", value) for value in values[at:at + 5]])
                   for at in range(0, len(values), 5)]
        fields += [ControlField("005", value) for value in values[:10]]
        found, pure = twins(Bib(leader=LEADER, fields=fields), ensure_ascii)
        assert found is not None
        assert_same(found, pure)


@needs_compiled
@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(SCANNED_PLAIN * 4 + SCAN_STOPS), max_size=60),
                min_size=1, max_size=8), st.booleans())
def test_generated_one_byte_values_are_written_as_the_python_writer_writes_them(
    values: list[str], ensure_ascii: bool
) -> None:
    writer = JsonWriter(ensure_ascii=ensure_ascii)
    compiled = writer._compiled_record
    assert compiled is not None
    for value in values:
        assert_same(compiled.string(value), writer._string(value))
    record = Bib(leader=LEADER, fields=[
        ControlField("005", values[0]),
        DataField("245", "1", "0", [Subfield("a", value) for value in values])])
    found, pure = twins(record, ensure_ascii)
    assert_same(found, pure)


# -- the corpus -------------------------------------------------------------------------------
CORPUS_FILES = sorted(path for path in CORPUS.rglob("*")
                      if path.suffix in (".mrc", ".dat", ".xml"))


@needs_compiled
@pytest.mark.parametrize("ensure_ascii", SETTINGS)
def test_every_corpus_record_is_written_as_the_python_writer_writes_it(
    corpus: Path, ensure_ascii: bool
) -> None:
    writer = JsonWriter(ensure_ascii=ensure_ascii)  # one for all: its tables kept across them
    assert writer._record_text is not None
    compared = unanswered = 0
    for path in CORPUS_FILES:
        for item in read_bibs(path):
            if not isinstance(item, Bib):
                continue
            compiled = writer._record_text(item)
            assert_same(compiled, writer._record(item))
            compared += 1
            unanswered += compiled is None
    assert compared > 2_000, compared
    # Every corpus record is of the usual shape, but a field without subfields.
    assert unanswered <= compared // 100, (unanswered, compared)


# -- generated records ------------------------------------------------------------------------
characters = st.one_of(
    st.characters(),
    st.characters(max_codepoint=0x20),  # C0, the delimiter and terminator among them
    st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF),  # surrogateescape's
    st.characters(categories=["Cs"]),
    st.sampled_from('"\\/\x7f\x80\xff\u0100\u2028\uffff😀\U0010ffff'),
)
texts = st.lists(characters, max_size=10).map("".join)
tags = st.one_of(st.sampled_from(["001", "005", "008", "035", "245", "650", "9Zz"]),
                 st.from_regex(r"[0-9A-Za-z]{3}", fullmatch=True))
codes = st.one_of(characters, st.sampled_from(["", "ab"]))  # "" and "ab": a tuple of subfields


bibs = records(characters=characters, texts=texts, tags=tags, codes=codes, most_fields=12,
               most_subfields=5)


@needs_compiled
@settings(max_examples=200, deadline=None)
@given(bibs, st.booleans())
def test_a_generated_record_is_written_as_the_python_writer_writes_it(
    record: Bib, ensure_ascii: bool
) -> None:
    compiled, pure = twins(record, ensure_ascii)
    assert_same(compiled, pure)
    assert pure == the_pure_path_of(record, ensure_ascii)


@needs_compiled
@settings(max_examples=60, deadline=None)
@given(st.lists(bibs, min_size=1, max_size=6), st.booleans())
def test_one_writer_gives_each_record_its_own_text(records: list[Bib], ensure_ascii: bool
                                                   ) -> None:
    # Tables filled by one record are read by the next: nothing of one leaks into another.
    writer = JsonWriter(ensure_ascii=ensure_ascii)
    assert writer._record_text is not None
    for record in records:
        assert_same(writer._record_text(record), the_pure_path_of(record, ensure_ascii))


# -- what the compiled writer leaves to the Python one ----------------------------------------
@attrs.frozen
class LocalField(DataField):
    """A field of another class than the two a record is made of."""


def damaged(text: object) -> Bib:
    """A record whose data field keeps ``text`` as its subfields, as no constructor makes it."""
    one = DataField("245", "1", "0", [Subfield("a", "x")])
    object.__setattr__(one, "_coded", text)
    return Bib(leader=LEADER, fields=[ControlField("001", "1"), one])


UNUSUAL = {
    "no subfields": Bib(leader=LEADER, fields=[DataField("245", "1", "0", [])]),
    "subfields a tuple": Bib(leader=LEADER, fields=[
        DataField("245", "1", "0", [Subfield("ab", "x"), Subfield("a", "y\x1fz")])]),
    "another class": Bib(leader=LEADER, fields=[LocalField("245", "1", "0", [Subfield("a", "x")])]),
    "a value not str": Bib(leader=LEADER, fields=[ControlField("001", 7)]),  # type: ignore[arg-type]
    "text without a leading delimiter": damaged("a\x1fbx"),
    "text ending in a delimiter": damaged("\x1fax\x1f"),
    "two delimiters": damaged("\x1fa\x1f\x1fbx"),
    "a terminator in a value": damaged("\x1fax\x1ey"),
    "a terminator as a code": damaged("\x1f\x1ex"),
    "a text of another class": damaged(b"\x1fax"),
}


@needs_compiled
@pytest.mark.parametrize("ensure_ascii", SETTINGS)
@pytest.mark.parametrize("name", UNUSUAL)
def test_an_unusual_record_is_left_to_the_python_writer(name: str, ensure_ascii: bool) -> None:
    writer = JsonWriter(ensure_ascii=ensure_ascii)
    assert writer._record_text is not None
    assert writer._record_text(UNUSUAL[name]) is None


@needs_compiled
def test_a_record_of_another_class_is_left_to_the_python_writer() -> None:
    writer = JsonWriter()
    assert writer._record_text is not None
    assert writer._record_text(ControlField("001", "1")) is None  # type: ignore[arg-type]


@needs_compiled
@pytest.mark.parametrize("ensure_ascii", SETTINGS)
def test_long_values_and_many_heads_are_written_whole(ensure_ascii: bool) -> None:
    # The buffer grows past any record seen before; past the heads the C table keeps (half of
    # 8,192), the writer's own table answers.
    writer = JsonWriter(ensure_ascii=ensure_ascii)
    assert writer._record_text is not None
    long = "\x00😀\"é\udc80" * 20_000
    records = [Bib(leader=LEADER, fields=[ControlField("001", long),
                                          DataField("500", " ", " ", [Subfield("a", long)])])]
    indicators = "0123456789 abcdefghijklmnopqrstuvwxyz"
    records += [Bib(leader=LEADER, fields=[
        DataField(f"{number:03d}", first, second, [Subfield("a", "x")])
        for first in indicators for second in indicators]) for number in range(10, 16)]
    for _ in range(2):
        for record in records:
            assert_same(writer._record_text(record), the_pure_path_of(record, ensure_ascii))


# -- which path a writer takes ----------------------------------------------------------------
def test_almamatch_pure_makes_every_writer_write_records_and_traces_in_python() -> None:
    probe = ("from almamatch import Bib; from almamatch.codec import JsonWriter, _COMPILED; "
             "from almamatch.core.decision import Step; "
             "writer = JsonWriter(); writer.writer(Step); "
             "print(writer._record_text is None, _COMPILED is None, "
             "writer.writer(Bib).__func__ is JsonWriter._record, "
             "writer._recurring_tuple(Step, writer._recurring[Step]) is None)")
    assert printed_when_pure(probe) == ["True", "True", "True", "True"]


@needs_compiled
def test_a_built_writer_writes_records_compiled_unless_told_otherwise() -> None:
    writer = JsonWriter()
    assert writer.writer(Bib).__func__ is JsonWriter._record_compiled  # type: ignore[attr-defined]
    record = Bib(leader=LEADER, fields=[DataField("245", "1", "0", [])])  # left to Python
    assert writer.text(record) == the_pure_path_of(record, ensure_ascii=False)


# -- a trace's steps --------------------------------------------------------------------------
def trace_writers(writer: JsonWriter) -> tuple[Callable[[Any], str | None], Callable[[Any], str]]:
    """The compiled writer of a tuple of steps and the writer a ``JsonWriter`` uses for it."""
    writer.writer(Step)
    compiled = writer._recurring_tuple(Step, writer._recurring[Step])
    assert compiled is not None
    return compiled.text, writer.writer(tuple[Step, ...])


def dumped(value: Any, ensure_ascii: bool) -> str:
    return json.dumps(converter.unstructure(value), ensure_ascii=ensure_ascii, separators=COMPACT)


steps = st.builds(Step, stage=st.sampled_from(Stage), verdict=st.sampled_from(Verdict),
                  detail=texts)


@attrs.frozen
class LocalStep(Step):
    """A step of another class than ``Step``: written by the Python writer of a step."""


@needs_compiled
@settings(max_examples=150, deadline=None)
@given(st.lists(steps, min_size=1, max_size=8), st.lists(st.lists(st.integers(0, 7), max_size=12),
                                                          min_size=1, max_size=5), st.booleans())
def test_traces_sharing_steps_are_written_as_the_python_writer_writes_them(
    shared: list[Step], picks: list[list[int]], ensure_ascii: bool
) -> None:
    # decide() hands out the same Step objects from one trace to the next.
    compiled, used = trace_writers(JsonWriter(ensure_ascii=ensure_ascii))
    for pick in picks:
        trace = tuple(shared[index % len(shared)] for index in pick)
        expected = dumped(trace, ensure_ascii)
        assert_same(compiled(trace), expected)
        assert used(trace) == expected


@needs_compiled
@pytest.mark.parametrize("ensure_ascii", SETTINGS)
def test_every_character_class_in_a_step_is_written_as_json_dumps_writes_it(
    ensure_ascii: bool
) -> None:
    compiled, _ = trace_writers(JsonWriter(ensure_ascii=ensure_ascii))
    trace = tuple(Step(stage=stage, verdict=Verdict.FAILED, detail=value)
                  for value in EDGES for stage in Stage)
    assert_same(compiled(trace), dumped(trace, ensure_ascii))
    assert compiled(()) == "[]"
    # Each step alone: a step's text is written at the width its own parts need, no wider.
    for step in trace:
        assert_same(compiled((step,)), dumped((step,), ensure_ascii))


@needs_compiled
def test_a_step_of_another_class_and_a_list_are_left_to_the_python_writer() -> None:
    compiled, used = trace_writers(JsonWriter())
    other = LocalStep(stage=Stage.LOCK, verdict=Verdict.PASSED, detail='"x"')
    plain = Step(stage=Stage.LOCK, verdict=Verdict.PASSED, detail="\\udc80")
    assert compiled((plain, other, plain)) == dumped((plain, other, plain), False)
    assert compiled([plain]) is None
    assert used([plain]) == dumped([plain], False)


@needs_compiled
def test_steps_past_what_is_kept_are_written_again_never_another_steps_text() -> None:
    # Past 4,096 values kept, all are let go; a step freed meanwhile must never lend its text to
    # a new step made at the same address.
    compiled, _ = trace_writers(JsonWriter())
    shared = Step(stage=Stage.MATCH, verdict=Verdict.PASSED, detail="shared \udc80")
    for number in range(10_000):
        trace = (shared, Step(stage=Stage.MATCH, verdict=Verdict.FAILED, detail=f"hits: {number}"))
        assert compiled(trace) == dumped(trace, False)
