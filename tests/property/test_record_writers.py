"""The writers that read a data field's text write what they wrote from its subfields.

A ``DataField`` keeps its subfields as the text ISO 2709 writes after the indicators (or, when
that text cannot hold them, as a tuple). The JSON line's record (``codec.JsonWriter``) and the
ISO 2709 writer (``marc.convert.bib_to_marc``) read that text in bulk; each must give the bytes
written from ``subfields`` one by one: ``json.dumps`` of the converter's output, and the
fields written piece by piece. Records are generated as the decoder makes them, dense in what
escaping and encoding look at (quotes, backslashes, control characters, non-ASCII, lone
surrogates, text that looks like an escape, empty values), with some fields of awkward
subfields (multi-character codes, delimiters in values) and some without subfields.
"""

from __future__ import annotations

import json

from hypothesis import example, given, settings
from hypothesis import strategies as st

from almamatch.codec import COMPACT, JsonWriter, converter
from almamatch.core.errors import InvalidRecord
from almamatch.core.record import Bib, ControlField, DataField, Field, Subfield, as_data_field
from almamatch.marc.convert import _checked_field_bytes, bib_to_marc
from almamatch.marc.iso2709 import decode_record

_ODD = st.sampled_from(['"', "\\", "\\\\", "\x00", "\n", "\t", "\x1d", "\x7f", "é", "\u2028",
                        "\udc80", "😀", "\\u001f", "\\u001e", '","', '"],["', "a"])
_PLAIN = st.characters(codec="utf-8", exclude_characters='\x1e\x1f"\\',
                       exclude_categories=["Cc"]) | st.sampled_from(["é", "\udc80", "😀", " "])
_QUOTED = _PLAIN | st.sampled_from(['"', "\n", "\x00", "\t", "\x1d", '","', '"],["'])
_ANY = _ODD | _QUOTED | st.characters(codec="utf-8", exclude_characters="\x1e\x1f")
#: A record's values and codes: as most are (nothing JSON escapes), with quotes and control
#: characters but no backslash, or anything.
_KINDS = {
    "plain": (_PLAIN, st.sampled_from(["a", "b", "z", "0", "9", " ", "é"])),
    "quoted": (_QUOTED, st.sampled_from(["a", "b", "z", "0", "9", "\udc80"])),
    "any": (_ANY, st.sampled_from(["a", "z", '"', "\\", "\x00", "\n", "é", "\udc80"])),
}
_AWKWARD_CODE = st.sampled_from(["", "ab", "\x1f", "\x1e"])
_AWKWARD_VALUE = st.sampled_from(["a\x1fb", "\x1e", "\x1f"])
_INDICATOR = st.sampled_from([" ", "0", "1", "#", '"', "\\", "é", "\x1f", "\x1e"])
_TAG = st.sampled_from(["019", "035", "245", "500", "9XX", "abc"])


@st.composite
def data_fields(draw: st.DrawFn, kind: str) -> DataField:
    characters, codes = _KINDS[kind]
    values = st.lists(characters, max_size=6).map("".join)
    pairs = draw(st.lists(st.tuples(codes, values), min_size=1, max_size=5))
    if draw(st.integers(0, 19)) == 0:  # now and then a subfield the text cannot hold
        at = draw(st.integers(0, len(pairs)))
        pairs.insert(at, (draw(codes | _AWKWARD_CODE), draw(values | _AWKWARD_VALUE)))
    elif draw(st.integers(0, 19)) == 0:  # or a field without subfields
        pairs = []
    return DataField(draw(_TAG), draw(_INDICATOR), draw(_INDICATOR),
                     [Subfield(code, value) for code, value in pairs])


@st.composite
def records(draw: st.DrawFn) -> Bib:
    kind = draw(st.sampled_from(sorted(_KINDS)))
    fields: list[Field] = [ControlField(tag, draw(st.lists(_ANY, max_size=4).map("".join)))
                           for tag in draw(st.lists(st.sampled_from(["001", "003", "005"]),
                                                    max_size=3))]
    fields += draw(st.lists(data_fields(kind), max_size=6))
    if draw(st.booleans()):
        fields = draw(st.permutations(fields))
    return Bib(leader="00000nam a2200000 i 4500", fields=fields)


def _record(*pairs: tuple[str, str]) -> Bib:
    return Bib(leader="00000nam a2200000 i 4500", fields=[DataField.of("245", "10", *pairs)])


@settings(max_examples=300, deadline=None)
@given(records(), st.booleans())
# Escaped at once, a backslash in a value would make its text look like an escaped delimiter.
@example(_record(("a", 'say "hi"'), ("b", "\\u001fz")), False)
# A code that is escaped is more than one character once escaped.
@example(_record(('"', "x"), ("a", "y\n")), False)
@example(_record(("\n", "x"), ("a", '"')), False)
# With ensure_ascii, DEL and every character past it are escaped too: a DEL in a value, then
# non-ASCII beside a character every writer escapes, and a non-ASCII code.
@example(_record(("a", "x\x7fy")), True)
@example(_record(("a", "\u00e9\n\udc80"), ("b", "😀")), True)
@example(_record(("\u00e9", "x"), ("a", "\x7f")), True)
# A control field after a data field, and a data field whose indicators are a terminator and a
# delimiter: the record written field by field, and in bulk.
@example(Bib(leader="00000nam a2200000 i 4500", fields=[
    DataField.of("245", "10", ("a", "x")), ControlField("001", "1")]), False)
@example(Bib(leader="00000nam a2200000 i 4500", fields=[
    ControlField("001", "1"), DataField.of("245", "\x1e\x1f", ("a", "x"), ("b", "y")),
    DataField.of("500", "  ", ("a", "z"))]), False)
def test_the_json_record_is_json_dumps_of_the_subfields(bib: Bib, ensure_ascii: bool) -> None:
    expected = json.dumps(converter.unstructure(bib), ensure_ascii=ensure_ascii,
                          separators=COMPACT)
    writer = JsonWriter(ensure_ascii=ensure_ascii)
    assert writer.text(bib) == expected
    assert writer.text(bib) == expected  # again, with the writer's tables filled


def written(bib: Bib) -> bytes | tuple[str, tuple[object, ...]]:
    try:
        return bib_to_marc(bib)
    except InvalidRecord as error:
        return (type(error).__name__, error.args)


def piece_by_piece(bib: Bib) -> bytes | tuple[str, tuple[object, ...]]:
    """The data fields as ``_checked_field_bytes`` writes them, from their subfields one by
    one, or the first error it names."""
    try:
        return b"".join([_checked_field_bytes(one) for one in bib.fields
                         if isinstance(one, DataField)])
    except InvalidRecord as error:
        return (type(error).__name__, error.args)


@settings(max_examples=300, deadline=None)
@given(records())
def test_the_iso2709_record_is_its_subfields_written_one_by_one(bib: Bib) -> None:
    data = Bib(leader=bib.leader, fields=[one for one in bib.fields if isinstance(one, DataField)])
    whole, pieces = written(data), piece_by_piece(data)
    if isinstance(pieces, tuple):
        assert whole == pieces
        return
    assert isinstance(whole, bytes)
    base = int(whole[12:17])
    assert whole[base:-1] == pieces
    # Read back, each field is the one written (codes over 0x7F are a fault to the reader).
    if data.fields and all(sub.code.isascii() for one in data.fields
                           for sub in as_data_field(one).subfields):
        assert decode_record(whole).fields == data.fields
