"""The JSON written as text (``codec.JsonWriter``, ``envelope.LineWriter``) is, byte for byte, the
converter's shape through ``json.dumps``: on every decision class, on hostile strings, on the real
corpus, and in ``batch --json``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from almamatch import Add, Bib, ControlField, DataField, Decision, Merge, Subfield
from almamatch.cli.main import main
from almamatch.codec import COMPACT, JsonWriter, converter
from almamatch.core.decision import Stage, Step, Verdict
from almamatch.envelope import LineWriter, item_line, json_line, read_line
from almamatch.marc import Unreadable, read_bibs
from corpus_files import CORPUS
from test_codec import EXAMPLES, TRACE

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES_DIR = ROOT / "examples"


def dumped(value: Any, *, ensure_ascii: bool = False) -> str:
    """What the writer must equal: the converter's output through ``json.dumps``."""
    return json.dumps(converter.unstructure(value), ensure_ascii=ensure_ascii, separators=COMPACT)


# Strings that JSON escapes, or that a naive writer could mangle, grouped by why.
HOSTILE = [
    'a "quoted" value', "back\\slash", "\\u001f as text", "\\", '"',  # JSON's own syntax
    "tab\there", "new\nline", "\x00\x01\x1f\x7f", "\x1e\x1d",  # control characters
    "Café Müller", "日本語", "😀 outside the BMP", "\u2028\u2029",  # non-ASCII
    "\udc80\udcff", "bad byte \udce9 kept",  # invalid UTF-8 kept as lone surrogates
    "\ud800 lone high", "", " ", "[]", '""', "%s %%",  # empty, and what the writer cuts on
]


def hostile_record() -> Bib:
    fields: list[ControlField | DataField] = [ControlField("001", text) for text in HOSTILE]
    fields += [DataField("245", "1", "0", [Subfield("a", text), Subfield("b", text)])
               for text in HOSTILE]
    fields += [DataField("500", '"', "\\", [Subfield(code, "x")]) for code in HOSTILE]
    # one, two and three subfields and more: each count the writer takes a way of its own for
    fields += [DataField("650", " ", "0", [Subfield(code, text) for code, text in
                                            zip(HOSTILE, HOSTILE[shift:], strict=False)][:count])
               for shift in (0, 7) for count in (1, 2, 3, 5)]
    fields += [DataField("9Zz", "\udcff", "\x00", [])]  # no subfields, odd indicators
    return Bib(leader="00000cam a2200000 a 4500", fields=fields)


@pytest.mark.parametrize("ensure_ascii", [False, True])
@pytest.mark.parametrize("decision", EXAMPLES, ids=lambda d: f"{d.code}")
def test_every_decision_class_is_written_as_json_dumps_writes_it(
    decision: Decision, ensure_ascii: bool
) -> None:
    writer = JsonWriter(ensure_ascii=ensure_ascii)
    assert writer.text(decision) == dumped(decision, ensure_ascii=ensure_ascii)
    # Twice: what the writer keeps from the first does not change the second.
    assert writer.text(decision) == dumped(decision, ensure_ascii=ensure_ascii)


@pytest.mark.parametrize("ensure_ascii", [False, True])
def test_hostile_strings_are_escaped_exactly_as_json_dumps_escapes_them(ensure_ascii: bool) -> None:
    record = hostile_record()
    trace = tuple(Step(stage=Stage.MATCH, verdict=Verdict.PASSED, detail=text) for text in HOSTILE)
    writer = JsonWriter(ensure_ascii=ensure_ascii)
    for decision in (Add(mms_id='9"9\udc80', record=record, trace=trace),
                     Merge(mms_id="991", record=record, merge_method="\x00", trace=TRACE)):
        assert writer.text(decision) == dumped(decision, ensure_ascii=ensure_ascii)
    assert writer.text(record) == dumped(record, ensure_ascii=ensure_ascii)


def test_a_step_written_again_is_written_the_same_in_any_decision() -> None:
    # decide() hands out the same Step objects from one decision to the next; the writer keeps
    # each one's text by identity. Past what it keeps (thousands of steps) it starts again, and a
    # step freed meanwhile must never lend its text to a new step made at the same address.
    writer = JsonWriter()
    shared = Step(stage=Stage.LOCK, verdict=Verdict.PASSED, detail='not "locked" \udc80\n')
    record = Bib(leader="00000cam a2200000 a 4500", fields=[ControlField("001", "1")])
    for number in range(5_000):
        fresh = Step(stage=Stage.MATCH, verdict=Verdict.FAILED, detail=f"hits: {number}")
        decision = Add(mms_id=str(number), record=record, trace=(shared, fresh, shared))
        assert writer.text(decision) == dumped(decision)
    assert writer.text(shared) == dumped(shared)


def test_a_value_of_no_known_class_goes_through_the_converter() -> None:
    writer = JsonWriter()
    for value in ({"a": [1, 2.5, None, True]}, [Subfield("a", "b")], 7, "x", None, 1.5):
        assert writer.text(value) == dumped(value)


def test_the_line_of_each_record_is_json_line_of_item_line() -> None:
    lines = LineWriter()
    record = hostile_record()
    unreadable = Unreadable(index=3, offset=120, reason="bad_length", detail="\udcff here")
    for index, decision in enumerate(EXAMPLES):
        assert lines.line(index, record, decision) == json_line(item_line(index, record, decision))
    assert lines.line(3, unreadable, None) == json_line(item_line(3, unreadable, None))
    with pytest.raises(ValueError, match="has no decision"):
        lines.line(0, record, None)


def corpus_adds(name: str, count: int) -> Iterator[tuple[int, Bib | Unreadable, Add | None]]:
    """The first ``count`` items of a corpus file, each with its position and, for a record
    read, an ``Add`` of it (None for an unreadable one): what a line is written of."""
    for index, item in enumerate(islice(read_bibs(CORPUS / name), count)):
        yield index, item, None if isinstance(item, Unreadable) else Add(
            mms_id=str(index), record=item, trace=TRACE)


@pytest.mark.parametrize("name", ["folio_test1_err.mrc", "traject_test_data.utf8.mrc",
                                  "marc4j_pride-and-prejudice-fixed.mrc",
                                  "solrmarc_uva_001_2000.mrc"])
def test_corpus_records_are_written_as_json_dumps_writes_them(name: str) -> None:
    lines = LineWriter()
    for index, item, decision in corpus_adds(name, 300):
        line = lines.line(index, item, decision)
        assert line == json_line(item_line(index, item, decision))
        if decision is not None:
            assert read_line(json.loads(line)).decision == decision


def test_batch_json_writes_the_lines_of_the_converter(capsys: pytest.CaptureFixture[str]) -> None:
    arguments = ["batch", str(EXAMPLES_DIR / "exports.mrc"), "--zone", str(EXAMPLES_DIR / "zone"),
                 "--profile", str(EXAMPLES_DIR / "profiles" / "carli.toml"),
                 "--now", "2026-03-05T10:30", "--json", "--workers", "1"]
    assert main(arguments) == 0
    written = capsys.readouterr().out.splitlines()
    items = list(read_bibs(EXAMPLES_DIR / "exports.mrc"))
    assert len(written) == len(items) > 0
    codes = set()
    for index, text in enumerate(written):
        line = read_line(json.loads(text))
        codes.add(json.loads(text)["code"])
        assert text == json_line(item_line(index, items[index], line.decision))
    every = {"ADDED", "MERGED", "MULTI_MATCH", "NOT_ADDED_BRIEF", "NOT_ADDED_LOCKED",
             "NOT_ADDED_OLD", "SKIPPED_CZ_LINKED", "MARCXML_CONVERSION_FAILED", "UNREADABLE"}
    assert every <= codes, codes
