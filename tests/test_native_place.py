"""The compiled writer of a decided record's place (``_native.jsontext.PlaceText``, through
``JsonWriter.numbers_members``) against its twin, the Python path that defines the text: the
generated writer of ``envelope.Place`` over ``Place.of`` (``core.identifiers.
extract_oclc_numbers``). Both are called on the same records: the corpus, and generated records
dense in what decides a number (the forms OCLC writes, other qualifiers, blanks, case, padding,
zeros, too many digits, characters past ASCII, repeats across 001, 035 $a/$z and 019 $a, the 003
in any case and spacing). The compiled writer answers None for a record it leaves to the Python
path, never another text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch import Bib, ControlField, DataField, Subfield
from almamatch.codec import JsonWriter
from almamatch.core.brief import BriefLevel
from almamatch.core.decision import NotAddedBrief
from almamatch.core.oclc import ParsedNumbers
from almamatch.envelope import LineWriter, Place, item_line, json_line
from almamatch.marc import read_bibs
from pure_probe import printed_when_pure

LEADER = "00000cam a2200000 a 4500"


def writers(ensure_ascii: bool = False) -> tuple[Callable[[int, Bib], str | None],
                                                 Callable[[int, Bib], str]]:
    """The compiled writer of a place and the Python path's, from one ``JsonWriter``."""
    writer = JsonWriter(ensure_ascii=ensure_ascii)
    compiled = writer.numbers_members(Place)
    assert compiled is not None
    members = writer.members(Place)
    return compiled, lambda index, record: members(Place.of(index, record))


COMPILED = JsonWriter().numbers_members(Place) is not None
needs_compiled = pytest.mark.skipif(
    not COMPILED, reason="almamatch._native.jsontext is not built here, or ALMAMATCH_PURE is set"
)


@needs_compiled
@pytest.mark.parametrize("ensure_ascii", [False, True])
def test_every_corpus_record_has_the_place_the_python_path_writes(corpus: Path,
                                                                  ensure_ascii: bool) -> None:
    compiled, pure = writers(ensure_ascii)
    written = left = 0
    for path in sorted(one for one in corpus.rglob("*") if one.suffix in (".mrc", ".dat", ".xml")):
        for index, item in enumerate(read_bibs(path)):
            if not isinstance(item, Bib):
                continue
            found = compiled(index, item)
            if found is None:
                left += 1
            else:
                assert found == pure(index, item)
                assert found.isascii()
                written += 1
    assert written > 10 * left  # nearly every record is written by the compiled path


# -- generated records -----------------------------------------------------------------------
NUMBER_TEXTS = (
    "(OCoLC)123", "(OCoLC)ocm00012345", "(OCoLC)ocn123456789", "(OCoLC)on1234567890",
    "ocm00012345", "ocn123456789", "on1234567890", "12345", "00012345", "123456789012345678",
    "1234567890123456789", "0000000000000000000000012", "0", "000", "(OCoLC)0", "(OCoLC)",
    "ocm", "on", "o", "O12", "OCM00012345", "(ocolc)12", "(OCOLC)ocm00000012", "(OCoLC) 12",
    "(OCoLC)ocm 12", " 12", "12 ", "\t12", "(DLC)123", "(DLC)", "(", "(x", "(OCoL", "x12",
    "ybp123", "12a", "ü12", "(OCoLü)1", "12\u00a0", "\uff11\uff12", "", " ", "(OCoLC)ocm00000123",
    "(OCoLC)123 ", "ocm0001234", "ocn12345678", "on012345678901",
)
IDENTIFIERS = ("OCoLC", "ocolc", "OCOLC", " O Co LC ", "OCoLC\t", "DLC", "", "OCoLCx", "İ",
               "ocolç")
numbers = st.one_of(st.sampled_from(NUMBER_TEXTS),
                    st.text(st.sampled_from("(OCoLc) 0123456789mnü"), max_size=12))


@st.composite
def number_records(draw: st.DrawFn) -> Bib:
    """A record of the fields a place reads, in any order, among others."""
    fields: list[ControlField | DataField] = []
    for _ in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(("001", "003", "035", "019", "245")))
        if kind == "001":
            fields.append(ControlField("001", draw(numbers)))
        elif kind == "003":
            fields.append(ControlField("003", draw(st.sampled_from(IDENTIFIERS))))
        else:
            subfields = draw(st.lists(st.builds(
                Subfield, st.sampled_from("azb9"), numbers.map(
                    lambda text: text.replace("\x1f", "").replace("\x1e", ""))),
                max_size=4))
            fields.append(DataField(kind, " ", " ", subfields))
    return Bib(leader=LEADER, fields=fields)


@needs_compiled
@settings(max_examples=400, deadline=None)
@given(number_records(), st.integers(0, 2**40))
def test_a_generated_record_has_the_place_the_python_path_writes(record: Bib, index: int
                                                                 ) -> None:
    compiled, pure = writers()
    found = compiled(index, record)
    if found is not None:
        assert found == pure(index, record)


@needs_compiled
def test_numbers_of_the_usual_forms_are_written_by_the_compiled_path() -> None:
    compiled, pure = writers()
    record = Bib(leader=LEADER, fields=[
        ControlField("001", "ocm00012345"), ControlField("003", "OCoLC"),
        DataField("019", " ", " ", [Subfield("a", "777"), Subfield("a", "12345")]),
        DataField("035", " ", " ", [Subfield("a", "(OCoLC)12345"), Subfield("z", "(DLC)9")]),
        DataField("035", " ", " ", [Subfield("z", "(OCoLC)ocm00000777"),
                                    Subfield("a", "(OCoLC)on1234567890")]),
    ])
    assert compiled(7, record) == pure(7, record) == (
        '"index":7,"oclc_numbers":["ocm00012345","(OCoLC)on1234567890"],'
        '"cancelled_oclc_numbers":["777"]')


# -- what the compiled path leaves to the Python one -----------------------------------------
@attrs.frozen
class LocalField(DataField):
    """A field of another class than the two a record is made of."""


def with_035(*texts: str) -> Bib:
    return Bib(leader=LEADER, fields=[DataField("035", " ", " ", [Subfield("a", text)
                                                                  for text in texts])])


LEFT = {
    "subfields a tuple": Bib(leader=LEADER, fields=[
        DataField("035", " ", " ", [Subfield("a", "(OCoLC)1"), Subfield("ab", "x")])]),
    "another class": Bib(leader=LEADER, fields=[
        LocalField("035", " ", " ", [Subfield("a", "(OCoLC)1")])]),
    "a padded number": with_035("(OCoLC)1 "),
    "a qualifier in another case": with_035("(ocolc)1"),
    "too many digits": with_035("0000000000000000001"),
    "a character past ASCII": with_035("\uff11"),
    "more numbers than kept": with_035(*(f"(OCoLC){value}" for value in range(1, 66))),
}


@needs_compiled
@pytest.mark.parametrize("name", LEFT)
def test_a_record_it_is_not_sure_of_is_left_to_the_python_path(name: str) -> None:
    compiled, pure = writers()
    assert compiled(0, LEFT[name]) is None
    assert pure(0, LEFT[name]).startswith('"index":0,')


@needs_compiled
@pytest.mark.parametrize("index", [-1, 2**62, 2**80, 1.0, True])
def test_an_index_it_does_not_write_is_left_to_the_python_path(index: int) -> None:
    compiled, _ = writers()
    assert compiled(index, with_035("(OCoLC)1")) is None


# -- the lines ---------------------------------------------------------------------------------
def test_a_line_is_the_line_whichever_path_writes_its_place() -> None:
    writer = LineWriter(ParsedNumbers())
    decision = NotAddedBrief(mms_id="991", existing_level=BriefLevel.parse("05"),
                             incoming_level=BriefLevel.parse("03"), trace=())
    records = [*LEFT.values(), with_035("(OCoLC)1", "(OCoLC)ocm00000001", "(OCoLC)2")]
    for index, record in enumerate(records):
        assert writer.line(index, record, decision) == json_line(
            item_line(index, record, decision))


def test_almamatch_pure_writes_every_place_in_python() -> None:
    probe = ("from almamatch.envelope import LineWriter; "
             "print(LineWriter()._place_text is None)")
    assert printed_when_pure(probe) == ["True"]
