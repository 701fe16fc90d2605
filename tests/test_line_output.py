"""How a one-process batch writes its lines (``cli.batch.line_output``, ``lines_output``): the
bytes a sink holds after each line are the bytes ``sink.write(line + "\\n")`` would have put
there, whether the line is encoded by the compiled encoder (``_native.jsontext.utf8_line``, and
``utf8_join`` of its pieces, against their twin ``(line + "\\n").encode("utf-8")``) or by the
sink; every line is flushed when written, or, to a regular file, in pieces of
``FILE_PIECE`` bytes and whatever is held when the run ends."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch.cli import batch
from almamatch.cli.batch import line_output, lines_output
from almamatch.core.record import Bib
from almamatch.envelope import LineWriter
from almamatch.marc import Unreadable
from pure_probe import printed_when_pure

needs_compiled = pytest.mark.skipif(
    batch._UTF8_LINE is None,
    reason="almamatch._native.jsontext is not built here, or ALMAMATCH_PURE is set",
)

texts = st.text(st.one_of(
    st.characters(),  # surrogates among them
    st.characters(max_codepoint=0x7F),
    st.characters(min_codepoint=0x80, max_codepoint=0xFF),
    st.sampled_from("\u0100\u07ff\u0800\ud7ff\ue000\uffff\U00010000\U0010ffff\udc80"),
), max_size=80)


@needs_compiled
@settings(max_examples=500, deadline=None)
@given(texts)
def test_the_compiled_encoder_writes_what_utf_8_writes(text: str) -> None:
    encode = batch._UTF8_LINE
    assert encode is not None
    try:
        expected: bytes | None = (text + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a surrogate: left to Python
        expected = None
    assert encode(text) == expected


@needs_compiled
@pytest.mark.parametrize("length", [0, 1, 7, 8, 9, 31, 32, 33, 4_000])
def test_runs_of_ascii_of_any_length_around_other_characters(length: int) -> None:
    encode = batch._UTF8_LINE
    assert encode is not None
    for other in ("é", "\u0100", "😀"):
        for text in ("a" * length + other, other + "b" * length, "c" * length):
            assert encode(text) == (text + "\n").encode("utf-8")


@needs_compiled
@pytest.mark.parametrize("other", ["\u0100", "\u0180", "\u017f", "\u20ac", "\xe9\u0100"])
def test_a_two_byte_text_with_a_character_past_ascii_at_each_place(other: str) -> None:
    # The runs of ASCII of a two-byte text written sixteen at a time: one character past
    # ASCII (or one of Latin-1 past it) at each place of texts up to 50 characters.
    encode, join = batch._UTF8_LINE, batch._UTF8_JOIN
    assert encode is not None
    assert join is not None
    for length in range(51):
        plain = ("abcdefghijklmnopqrstuvwxyz0123456789" * 2)[:length]
        for at in range(length + 1):
            text = plain[:at] + other + plain[at:] + "\u0101"
            expected = (text + "\n").encode("utf-8")
            assert encode(text) == expected
            assert join((text[:at], text[at:])) == expected
            assert join((plain, text)) == (plain + text + "\n").encode("utf-8")


def sink(encoding: str, errors: str) -> tuple[io.TextIOWrapper, io.BytesIO]:
    raw = io.BytesIO()
    return io.TextIOWrapper(raw, encoding=encoding, errors=errors), raw


LINES = ('{"a":"plain"}', '{"a":"é€😀"}', '{"a":"\udce9"}', '{"a":"\u0100"}')


@pytest.mark.parametrize(("encoding", "errors"), [
    ("utf-8", "strict"), ("utf-8", "backslashreplace"), ("utf-8", "surrogateescape"),
    ("UTF8", "surrogatepass"), ("latin-1", "backslashreplace"), ("ascii", "replace"),
])
def test_a_sink_holds_each_line_as_its_own_write_would_put_it(encoding: str, errors: str
                                                              ) -> None:
    written, raw = sink(encoding, errors)
    expected, expected_raw = sink(encoding, errors)
    written.write("first\n")  # written as text before the lines: it stays first
    expected.write("first\n")
    write = line_output(written)
    for line in LINES:
        if errors == "strict" and "\udce9" in line:
            with pytest.raises(UnicodeEncodeError):
                write(line)
            with pytest.raises(UnicodeEncodeError):
                expected.write(line + "\n")
            continue
        write(line)
        expected.write(line + "\n")
        expected.flush()
        assert raw.getvalue() == expected_raw.getvalue()  # flushed line by line


def test_a_sink_that_is_not_a_text_wrapper_is_written_as_text() -> None:
    written = io.StringIO()
    write = line_output(written)
    for line in LINES:
        write(line)
    assert written.getvalue() == "".join(line + "\n" for line in LINES)


@pytest.mark.parametrize("compiled", ["_UTF8_LINE", "_UTF8_JOIN"])
def test_almamatch_pure_encodes_and_joins_every_line_in_python(compiled: str) -> None:
    probe = f"from almamatch.cli import batch; print(batch.{compiled} is None)"
    assert printed_when_pure(probe) == ["True"]


@needs_compiled
@settings(max_examples=500, deadline=None)
@given(st.lists(texts, max_size=6))
def test_the_compiled_joiner_writes_what_utf_8_writes_of_the_joined_text(parts: list[str]
                                                                         ) -> None:
    join = batch._UTF8_JOIN
    assert join is not None
    text = "".join(parts)
    try:
        expected: bytes | None = (text + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a surrogate: left to Python
        expected = None
    assert join(tuple(parts)) == expected


@needs_compiled
def test_the_compiled_joiner_answers_none_for_anything_but_a_tuple_of_str() -> None:
    join: Any = batch._UTF8_JOIN
    assert join(["a"]) is None
    assert join(("a", b"b")) is None
    assert join(("a", type("Text", (str,), {})("b"))) is None
    assert join(()) == b"\n"


class _Lines(LineWriter):
    """A writer whose lines are given texts, in pieces as ``parts`` gives them."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def line(self, index: int, item: Bib | Unreadable, decision: Any) -> str:
        return self.lines[index]

    def parts(self, index: int, item: Bib | Unreadable, decision: Any) -> tuple[str, ...]:
        line = self.lines[index]
        return (line[:3], line[3:7], line[7:])


@pytest.mark.parametrize(("encoding", "errors"), [
    ("utf-8", "backslashreplace"), ("utf-8", "surrogateescape"), ("UTF8", "surrogatepass"),
    ("latin-1", "backslashreplace"), ("ascii", "replace"),
])
def test_a_sink_holds_each_records_line_as_its_own_write_would_put_it(encoding: str,
                                                                      errors: str) -> None:
    written, raw = sink(encoding, errors)
    expected, expected_raw = sink(encoding, errors)
    written.write("first\n")
    expected.write("first\n")
    with lines_output(written, _Lines(list(LINES))) as write:
        for index, line in enumerate(LINES):
            write(index, Unreadable(index=index, offset=0, reason="r", detail="d"), None)
            expected.write(line + "\n")
            expected.flush()
            assert raw.getvalue() == expected_raw.getvalue()  # flushed line by line


class _Stopped(Exception):
    """What ends the run below early, as Ctrl-C or SIGTERM would."""


@pytest.mark.parametrize("stop_at", [None, 3, 40])
def test_a_regular_file_gets_its_lines_in_pieces_and_every_line_given_however_the_run_ends(
    tmp_path: Path, stop_at: int | None
) -> None:
    lines = [f'{{"index":{index},"text":"{"é" * (index % 7)}{"x" * 3_000}"}}'
             for index in range(60)]
    target = tmp_path / "lines.jsonl"
    given: list[str] = []
    with target.open("w", encoding="utf-8") as file, \
            contextlib.suppress(_Stopped), lines_output(file, _Lines(lines)) as write:
        for index, line in enumerate(lines):
            if index == stop_at:
                raise _Stopped
            write(index, Unreadable(index=index, offset=0, reason="r", detail="d"), None)
            given.append(line + "\n")
            on_disk = target.read_bytes()
            expected = "".join(given).encode("utf-8")
            assert expected.startswith(on_disk)  # whole lines, in order, none twice
            assert len(expected) - len(on_disk) < (  # held: less than a piece
                batch.FILE_PIECE if batch._UTF8_JOIN is not None else 1)
    assert target.read_bytes() == "".join(given).encode("utf-8")
