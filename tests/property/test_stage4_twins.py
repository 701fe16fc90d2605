"""Stage 4's compiled twins (``almamatch._native.values``) against their pure definitions: the
tag line (``tag_line`` against ``core.normalization.tag_line``): the same text for every record's
fields (a tuple of ``ControlField`` and ``DataField`` values), for a list of them, for no fields,
and for fields of another class, and a record prepared with either is the same; the save rule's
place (``tag_order_position``), the same for every tag and such fields; the parse of an OCLC
number (``parsed_or_none`` against ``core.oclc.parsed_or_none``): None for the same texts, else
the same number with the very same shared form; the memo's saved 001 (``saved_number``), the
same numbers answered and the same table left, form for form; the walk of the 035s
(``read_035s``), the same numbers, answer and fields for any fields and hint; the save rule's bib
(``saved_bib``), the same fields and 035; and stage 5's keys (``literals``), the same
texts for numbers of every form. Skipped where the module is not built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from almamatch import ControlField, DataField, Subfield
from almamatch.cli.inputs import profile_from_path
from almamatch.core.decide import DecisionCache
from almamatch.core.decision import PURE_MAKERS
from almamatch.core.normalization import (
    Keyed,
    copied_019s,
    read_035s,
    saved_035s,
    saved_bib,
    tag_line,
    tag_order_position,
)
from almamatch.core.oclc import (
    OclcForm,
    OclcNumber,
    ParsedNumbers,
    literals,
    parsed_or_none,
    saved_number,
)
from almamatch.core.record import Bib, field_line
from almamatch.core.zone import prepare

try:
    from almamatch._native import values
except ImportError:  # pragma: no cover (a machine without a C compiler)
    pytest.skip("almamatch._native.values is not built (no C compiler at install)",
                allow_module_level=True)

from test_decide_properties import records

#: The pure makers but stage 4's, which are the compiled twins.
STAGE_4 = attrs.evolve(PURE_MAKERS, tags=values.tag_line, place=values.tag_order_position,
                       read_035s=values.read_035s, saved_bib=values.saved_bib,
                       saved_035s=values.saved_035s, copied_019s=values.copied_019s)
STEPS = profile_from_path(str(Path(__file__).resolve().parents[2] / "examples" / "profiles"
                                 / "carli.toml")).profile.normalization_steps
_CHARACTERS = "0123456789abcXYZ"
control_tags = st.sampled_from(["001", "003", "005", "008", "00A"])
data_tags = st.text(st.sampled_from(_CHARACTERS), min_size=3, max_size=3).filter(
    lambda tag: not tag.startswith("00"))
fields = st.one_of(
    st.builds(ControlField, control_tags, st.text(max_size=4)),
    st.builds(lambda tag: DataField(tag, " ", " ", [Subfield("a", "x")]), data_tags),
)


class _Tagged:
    """A value with a ``tag`` that is no field of ``core.record``."""

    def __init__(self, tag: str) -> None:
        self.tag = tag


@settings(max_examples=300, deadline=None)
@given(st.lists(fields, max_size=12))
def test_the_compiled_tag_line_is_the_pure_one(listed: list[Any]) -> None:
    for sequence in (tuple(listed), listed):
        assert values.tag_line(sequence) == tag_line(sequence)
        assert type(values.tag_line(sequence)) is str


@settings(max_examples=100, deadline=None)
@given(st.lists(fields, max_size=4), st.text(max_size=4), st.integers(0, 4))
def test_the_compiled_tag_line_leaves_other_values_to_the_pure_one(
    listed: list[Any], tag: str, at: int
) -> None:
    listed.insert(min(at, len(listed)), _Tagged(tag))
    assert values.tag_line(tuple(listed)) == tag_line(tuple(listed))


@settings(max_examples=300, deadline=None)
@given(st.lists(fields, max_size=12), st.one_of(control_tags, data_tags, st.text(max_size=4)))
def test_the_compiled_place_is_the_pure_one(listed: list[Any], tag: str) -> None:
    for sequence in (tuple(listed), listed):
        assert values.tag_order_position(sequence, tag) == tag_order_position(sequence, tag)
        assert type(values.tag_order_position(sequence, tag)) is int


@settings(max_examples=100, deadline=None)
@given(st.lists(fields, max_size=4), st.text(max_size=4), st.integers(0, 4), data_tags)
def test_the_compiled_place_leaves_other_values_to_the_pure_one(
    listed: list[Any], odd: str, at: int, tag: str
) -> None:
    listed.insert(min(at, len(listed)), _Tagged(odd))
    assert values.tag_order_position(tuple(listed), tag) == tag_order_position(tuple(listed), tag)


@settings(max_examples=100, deadline=None)
@given(records())
def test_a_record_is_prepared_alike_with_either_tag_line(record: Bib) -> None:
    assert values.tag_line(record.fields) == tag_line(record.fields)
    made = prepare(record, STEPS, numbers=DecisionCache().numbers, makers=STAGE_4)
    plain = prepare(record, STEPS, numbers=DecisionCache().numbers)
    assert (made, repr(made)) == (plain, repr(plain))


qualifiers = st.sampled_from(["", "(OCoLC)", "(ocolc)", "(OCoLC) ", " (OCoLC)", "(OCoLC-M)"])
prefixes = st.sampled_from(["", "ocm", "ocn", "on", "OCM", "oc", "o", "onm", "ocm "])
digit_runs = st.text(st.sampled_from("0123456789"), max_size=21)
tails = st.sampled_from(["", " ", "x", "\u0660", "(OCoLC)"])
oclc_like = st.builds(lambda *parts: "".join(parts), qualifiers, prefixes, digit_runs, tails)


@settings(max_examples=1000, deadline=None)
@given(st.one_of(oclc_like, st.text(max_size=12)))
def test_the_compiled_parse_is_the_pure_one(text: str) -> None:
    compiled, pure = values.parsed_or_none(text), parsed_or_none(text)
    if pure is None:
        assert compiled is None
        return
    assert compiled is not None
    assert type(compiled) is type(pure)
    assert (compiled.value, type(compiled.value), repr(compiled)) == (
        pure.value, type(pure.value), repr(pure))
    assert compiled.form is pure.form  # the shared form, the very object


forms = st.builds(OclcForm, st.one_of(st.booleans(), st.sampled_from([0, 1])),
                  st.one_of(st.sampled_from(["", "ocm", "ocn", "on"]), st.text(max_size=10)),
                  st.one_of(st.integers(-3, 40), st.sampled_from([-(2**70), 64, 100])))
numbers = st.one_of(
    st.builds(OclcNumber, st.integers(1, 2**63 - 1), forms),
    st.builds(OclcNumber, st.sampled_from([1, 9, 10, 12345, 10**8, 10**9, 2**63 - 1]), forms),
    st.builds(parsed_or_none, oclc_like).filter(lambda number: number is not None),
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(numbers, max_size=5))
def test_the_compiled_literals_are_the_pure_ones(listed: list[OclcNumber]) -> None:
    for sequence in (tuple(listed), listed):
        try:
            pure = literals(sequence)
        except OverflowError:  # a width past ``str.zfill``'s: the compiled one leaves it so
            with pytest.raises(OverflowError):
                values.literals(sequence)
            continue
        made = values.literals(sequence)
        assert made == pure
        assert type(made) is list
        assert made == literals(sequence) == [number.literal for number in sequence]
        assert all(type(text) is str for text in made)


class _Numbered:
    """A value with a ``literal`` that is no ``OclcNumber``."""

    literal = "(OCoLC)1"


def test_the_compiled_literals_leave_other_values_to_the_pure_one() -> None:
    odd: Any = (_Numbered(), parsed_or_none("(OCoLC)ocm00012345"))
    assert values.literals(odd) == literals(odd) == ["(OCoLC)1", "(OCoLC)ocm00012345"]
    plain: Any = (object(),)
    with pytest.raises(AttributeError):
        values.literals(plain)
    with pytest.raises(AttributeError):
        literals(plain)


subfield_texts = st.one_of(oclc_like, st.text(max_size=6))
fields_035 = st.builds(
    lambda pairs: DataField("035", " ", " ", [Subfield(code, text) for code, text in pairs]),
    st.lists(st.tuples(st.sampled_from("azb"), subfield_texts), min_size=1, max_size=3))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(fields, fields_035), max_size=8), st.one_of(st.none(), oclc_like),
       st.sampled_from(["none", "rfind", "first", "odd"]), st.booleans(), st.data())
def test_the_compiled_035_walk_is_the_pure_one(
    listed: list[Any], sought: str | None, last_kind: str, with_found: bool, data: Any
) -> None:
    record_fields = tuple(listed)
    tags = tag_line(record_fields)
    last = {"none": None, "rfind": tags.rfind("035"), "first": tags.find("035"),
            "odd": data.draw(st.integers(-2, 40))}[last_kind]
    if last == -1:
        last = None
    seeded = data.draw(st.lists(oclc_like, max_size=2))
    answers = []
    for walk in (values.read_035s, read_035s):
        active: Keyed = {}
        cancelled: Keyed = {}
        for text in seeded:  # a walk keeps the first number of a form already there
            number = parsed_or_none(text)
            if number is not None:
                active[number.value, number.form.prefix, number.form.width] = number
        found: list[Any] | None = [] if with_found else None
        seen = walk(record_fields, tags, parsed_or_none, active, cancelled, sought=sought,
                    found=found, last=last)
        answers.append((seen, [(key, repr(number)) for key, number in active.items()],
                        [(key, repr(number)) for key, number in cancelled.items()],
                        None if found is None else [id(one) for one in found]))
    assert answers[0] == answers[1]


@settings(max_examples=300, deadline=None)
@given(records(), st.integers(-2, 30), st.one_of(st.none(), oclc_like, st.text(max_size=6)),
       st.integers(-2, 30))
def test_the_compiled_saved_bib_is_the_pure_one(
    record: Bib, removed: int, text: str | None, at: int
) -> None:
    answers: list[Any] = []
    for make in (values.saved_bib, saved_bib):
        try:
            saved, added = make(record, removed, text, at)
        except IndexError as error:
            answers.append(("IndexError", str(error)))
            continue
        answers.append((saved, repr(saved), type(saved), repr(added), type(added),
                        [id(one) for one in saved.fields if one is not added],
                        added is None or any(one is added for one in saved.fields)))
    assert answers[0] == answers[1]


controls = st.builds(lambda *parts: "".join(parts), prefixes, digit_runs, tails)


def _table(memo: ParsedNumbers) -> list[tuple[str, str, int | None]]:
    """The texts a memo holds, in order, each with its number's ``repr`` and form's ``id``."""
    return [(text, repr(number), None if number is None else id(number.form))
            for text, number in memo._found.items()]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(controls, st.text(max_size=8)), max_size=8), st.integers(0, 6),
       st.booleans(), st.lists(oclc_like, max_size=3))
def test_the_compiled_saved_number_is_the_pure_one(
    texts: list[str], limit: int, compiled_parse: bool, looked_up: list[str]
) -> None:
    parse = values.parsed_or_none if compiled_parse else parsed_or_none
    answers: list[Any] = []
    for saved in (values.saved_number, saved_number):
        memo = ParsedNumbers(limit=limit, parse=parse, saved=saved)
        made: list[Any] = []
        for text in texts + looked_up + texts:
            memo.number(text)
            number = memo.saved_control_number(text)
            made.append((repr(number), None if number is None else id(number.form),
                         _table(memo)))
        answers.append(made)
    assert answers[0] == answers[1]


def test_the_compiled_saved_number_leaves_other_tables_to_the_pure_one() -> None:
    plain: dict[str, OclcNumber | None] = {}
    with pytest.raises(AttributeError):  # the pure function's own reading of ``limit``
        values.saved_number(plain, "ocm00012345")
    odd = _Text("ocm00012345")  # a text of a class of its own
    compiled, pure = ParsedNumbers(), ParsedNumbers()
    assert repr(values.saved_number(compiled._found, odd)) == repr(
        saved_number(pure._found, odd)) == repr(parsed_or_none("(OCoLC)ocm00012345"))
    assert _table(compiled) == _table(pure)


class _Text(str):
    """A ``str`` of a class of its own."""


#: A record's 003 and 001 as the save rule folds them: OCLC's, others', blanks about, odd ones.
identifiers = st.sampled_from(["OCoLC", "DLC", " OCoLC", "OCoLC\t", "ocolc", "O\x1fC", "\u00a0X",
                               ""])
oclc_records = st.builds(
    lambda head, rest, leader: Bib(leader=leader, fields=[*head, *rest]),
    st.lists(st.one_of(st.builds(ControlField, st.just("001"),
                                 st.one_of(controls, st.text(max_size=6))),
                       st.builds(ControlField, st.just("003"), identifiers)),
             max_size=3),
    st.lists(st.one_of(fields.filter(lambda one: one.tag != "00A"), fields_035), max_size=8),
    st.just("00000cam a2200000 a 4500"))


@settings(max_examples=600, deadline=None)
@given(st.one_of(oclc_records, records()), st.booleans(), st.booleans(), st.booleans(),
       st.lists(oclc_like, max_size=2))
def test_the_compiled_save_and_read_is_the_pure_one(
    record: Bib, memo: bool, compiled_parse: bool, with_found: bool, seen: list[str]
) -> None:
    """The same answer (None for the same records; else the same saved bib, with the very
    fields kept, and numbers), the same 035s found and the same memo left, for records as OCLC
    writes them and any others."""
    tags = tag_line(record.fields)
    parse = values.parsed_or_none if compiled_parse else parsed_or_none
    answers: list[Any] = []
    for walk in (values.saved_035s, saved_035s):
        numbers = ParsedNumbers(limit=5, parse=parse) if memo else None
        for text in seen:  # a memo that already holds some texts
            if numbers is not None:
                numbers.number(text)
        read = parse if numbers is None else numbers.number
        found: list[Any] | None = [] if with_found else None
        answer = walk(record, tags, numbers, read, found, tag_order_position, read_035s,
                      saved_bib)
        answers.append((
            None if answer is None else (
                answer[0], repr(answer[0]), type(answer[0]),
                [any(one is mine for mine in record.fields) for one in answer[0].fields],
                repr(answer[1]), repr(answer[2]), type(answer[1]), type(answer[2])),
            None if found is None else (repr(found),
                                        [any(one is mine for mine in record.fields)
                                         for one in found]),
            None if numbers is None else _table(numbers)))
    assert answers[0] == answers[1]


def test_the_compiled_save_and_read_leaves_other_values_to_the_pure_one() -> None:
    record = Bib(leader="00000cam a2200000 a 4500", fields=[
        ControlField("001", "ocm00012345"), ControlField("003", "OCoLC"),
        DataField("035", " ", " ", [Subfield("a", "(OCoLC)12345")])])
    tags = tag_line(record.fields)
    odd: Any = ()  # a tuple is no list to append to: the pure function's error
    for found in (odd, None):
        for walk in (values.saved_035s, saved_035s):
            if found == ():
                with pytest.raises(AttributeError):
                    walk(record, tags, None, parsed_or_none, found, tag_order_position,
                         read_035s, saved_bib)
            else:
                made = walk(record, tags, None, parsed_or_none, found, tag_order_position,
                            read_035s, saved_bib)
                assert made is not None
                assert [number.literal for number in made[1]] == [
                    "(OCoLC)12345", "(OCoLC)ocm00012345"]
    listed: Any = list(tags)  # a line that is no text: the pure function's error
    for walk in (values.saved_035s, saved_035s):
        with pytest.raises(AttributeError):
            walk(record, listed, None, parsed_or_none, None, tag_order_position, read_035s,
                 saved_bib)


fields_019 = st.builds(
    lambda pairs: DataField("019", " ", " ", [Subfield(code, text) for code, text in pairs]),
    st.lists(st.tuples(st.sampled_from("aab"), subfield_texts), min_size=1, max_size=4))
copied_records = st.builds(
    lambda listed, leader: Bib(leader=leader, fields=listed),
    st.lists(st.one_of(fields.filter(lambda one: one.tag != "00A"), fields_035, fields_019),
             max_size=9),
    st.just("00000cam a2200000 a 4500"))


@settings(max_examples=600, deadline=None)
@given(st.one_of(copied_records, records()), st.sampled_from(["none", "pure", "compiled"]),
       st.integers(0, 6), st.lists(oclc_like, max_size=3))
def test_the_compiled_019_copy_is_the_pure_one(
    record: Bib, memo: str, limit: int, seen: list[str]
) -> None:
    """The same bib (the very fields kept), tag line and numbers read, and the same memo left,
    with no memo, or one of either parse, full or not."""
    tags = tag_line(record.fields)
    answers: list[Any] = []
    for copy in (values.copied_019s, copied_019s):
        numbers = (None if memo == "none" else ParsedNumbers(
            limit=limit, parse=values.parsed_or_none if memo == "compiled" else parsed_or_none))
        for text in seen:
            if numbers is not None:
                numbers.number(text)
        copied, copied_tags, read = copy(record, tags, numbers)
        answers.append((copied, repr(copied), type(copied), copied is record,
                        [any(one is mine for mine in record.fields) for one in copied.fields],
                        copied_tags, copied_tags == tag_line(copied.fields), repr(read),
                        [id(number.form) for number in read],
                        None if numbers is None else _table(numbers)))
    assert answers[0] == answers[1]


def test_the_compiled_019_copy_leaves_other_values_to_the_pure_one() -> None:
    record = Bib(leader="00000cam a2200000 a 4500", fields=[
        DataField("019", " ", " ", [Subfield("a", "12345")])])
    for copy in (values.copied_019s, copied_019s):
        copied, tags, read = copy(record, "019 ", None)
        assert tags == "019 035 "
        assert [field_line(one) for one in copied.fields] == [
            "019 ## $a 12345", "035 ## $z (OCoLC)12345"]
        assert [number.value for number in read] == [12345]
        listed: Any = ["019 "]  # a line that is no text: the pure function's answer
        assert copy(record, listed, None)[0] is record
