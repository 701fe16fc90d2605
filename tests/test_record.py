"""Bib: the immutable record, and the OCLC numbers, 005 and diagnostics derived from it."""

from __future__ import annotations

import pytest
from attrs import evolve

from almamatch import OclcNumber, Timestamp
from almamatch.core.encoding import EncodingLevel
from almamatch.core.errors import InvalidRecord
from almamatch.core.identifiers import Diagnostic
from almamatch.core.record import Bib, ControlField, DataField, Field, Subfield

LEADER = "00000cam a2200000 i 4500"


def bib(*fields: Field, leader: str = LEADER) -> Bib:
    return Bib(leader=leader, fields=fields)


def f035(*pairs: tuple[str, str]) -> DataField:
    return DataField.of("035", "  ", *pairs)


def f019(*values: str) -> DataField:
    return DataField.of("019", "  ", *(("a", value) for value in values))


def n(*values: int) -> tuple[OclcNumber, ...]:
    return tuple(OclcNumber.of(value) for value in values)


# (case, fields, active values, cancelled values)
EXTRACTION: list[tuple[str, tuple[Field, ...], tuple[int, ...], tuple[int, ...]]] = [
    ("035 $a with the qualifier is active", (f035(("a", "(OCoLC)12345")),), (12345,), ()),
    ("035 $a with a prefix only is active", (f035(("a", "ocm00012345")),), (12345,), ()),
    ("a bare number in 035 $a is some other system's", (f035(("a", "12345")),), (), ()),
    ("another qualifier is another system", (f035(("a", "(DLC)12345")),), (), ()),
    (
        "001 counts when 003 is OCoLC",
        (ControlField("001", "ocm00054321"), ControlField("003", "OCoLC")),
        (54321,),
        (),
    ),
    (
        "003 in any case and with blanks",
        (ControlField("001", "1028287"), ControlField("003", " ocolc ")),
        (1028287,),
        (),
    ),
    (
        "001 does not count with another 003",
        (ControlField("001", "1028287"), ControlField("003", "DLC")),
        (),
        (),
    ),
    ("001 does not count without 003", (ControlField("001", "228884"),), (), ()),
    ("035 $z with the qualifier is cancelled", (f035(("z", "(OCoLC)7374506")),), (), (7374506,)),
    ("a bare 035 $z is not OCLC's", (f035(("z", "7374506")),), (), ()),
    ("019 $a may be bare digits", (f019("185717", "1480658"),), (), (185717, 1480658)),
    (
        "LoC's example: 035 $a(OCoLC)814782$z(OCoLC)7374506",
        (f035(("a", "(OCoLC)814782"), ("z", "(OCoLC)7374506")),),
        (814782,),
        (7374506,),
    ),
    (
        "an active number is not also cancelled",
        (f035(("a", "(OCoLC)5")), f019("5", "6"), f035(("z", "(OCoLC)00000005"))),
        (5,),
        (6,),
    ),
    (
        "repeats are dropped, field order is kept",
        (
            f035(("a", "(OCoLC)30")),
            f035(("a", "(OCoLC)ocm00000010")),
            f035(("a", "(OCoLC)30")),
            f035(("z", "(OCoLC)2")),
            f019("1", "2"),
        ),
        (30, 10),
        (2, 1),
    ),
    (
        "folio test1_err #2: 019 mirrored in 035 $z",
        (
            ControlField("001", "1028287"),
            ControlField("003", "OCoLC"),
            f019("185717", "1480658"),
            f035(("a", "(OCoLC)1028287"), ("z", "(OCoLC)185717"), ("z", "(OCoLC)1480658")),
        ),
        (1028287,),
        (185717, 1480658),
    ),
]


@pytest.mark.parametrize(
    ("fields", "active", "cancelled"),
    [pytest.param(fields, a, c, id=case) for case, fields, a, c in EXTRACTION],
)
def test_oclc_numbers(
    fields: tuple[Field, ...], active: tuple[int, ...], cancelled: tuple[int, ...]
) -> None:
    record = bib(*fields)
    assert record.oclc_numbers.active == n(*active)
    assert record.oclc_numbers.cancelled == n(*cancelled)
    assert record.oclc_numbers.all == n(*active) + n(*cancelled)
    assert record.diagnostics == ()


# (case, field, diagnostic): values meant as OCLC numbers that do not parse are kept, never fatal.
DIAGNOSTICS: list[tuple[str, tuple[Field, ...], Diagnostic]] = [
    (
        "solrmarc 1156470.mrc: letter after the digits",
        (f035(("a", "(OCoLC)ocm12275114e")),),
        Diagnostic(tag="035", code="a", text="(OCoLC)ocm12275114e", reason="text_after_digits"),
    ),
    (
        "uva_001_2000: text before the qualifier",
        (f035(("a", "DL(OCoLC)01370503")),),
        Diagnostic(
            tag="035", code="a", text="DL(OCoLC)01370503", reason="text_before_qualifier"
        ),
    ),
    (
        "traject: (OCoLC-M) mentions OCoLC but is not OCLC's",
        (f035(("a", "(OCoLC-M)858826393")),),
        Diagnostic(tag="035", code="a", text="(OCoLC-M)858826393", reason="other_qualifier"),
    ),
    (
        "a cancelled number that does not parse",
        (f035(("z", "(OCoLC)00000697^")),),
        Diagnostic(tag="035", code="z", text="(OCoLC)00000697^", reason="text_after_digits"),
    ),
    (
        "marc-to-argot duke: tmp in 019",
        (f019("tmp97189905"),),
        Diagnostic(tag="019", code="a", text="tmp97189905", reason="letters_before_digits"),
    ),
    (
        "pride-and-prejudice #4 with 003 OCoLC",
        (ControlField("001", "ocn013699900x"), ControlField("003", "OCoLC")),
        Diagnostic(tag="001", code="", text="ocn013699900x", reason="text_after_digits"),
    ),
    (
        "marc4j: a letter before the 005",
        (ControlField("005", "a19900313111708.5"),),
        Diagnostic(tag="005", code="", text="a19900313111708.5", reason="leading_text"),
    ),
]


@pytest.mark.parametrize(
    ("fields", "diagnostic"),
    [pytest.param(fields, d, id=case) for case, fields, d in DIAGNOSTICS],
)
def test_diagnostics(fields: tuple[Field, ...], diagnostic: Diagnostic) -> None:
    record = bib(*fields)
    assert record.diagnostics == (diagnostic,)
    assert record.oclc_numbers.active == ()
    assert record.oclc_numbers.cancelled == ()


def test_diagnostic_text() -> None:
    found = Diagnostic(tag="035", code="a", text="DL(OCoLC)1", reason="text_before_qualifier")
    assert str(found) == "035 $a 'DL(OCoLC)1': text_before_qualifier"


def test_text_that_is_not_meant_as_oclc_is_no_diagnostic() -> None:
    record = bib(f035(("a", "(Sirsi) AMT-4825")), f035(("a", "ADM6157")), f019())
    assert record.diagnostics == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("20200612052332.8", Timestamp.parse("20200612052332.8")), ("20050603", None)],
)
def test_latest_transaction(value: str, expected: Timestamp | None) -> None:
    assert bib(ControlField("005", value)).latest_transaction == expected
    assert bib().latest_transaction is None


def test_leader_positions() -> None:
    record = bib(leader="01240cas a2200397   4500")
    assert record.encoding_level == EncodingLevel(" ")
    assert record.character_coding == "a"
    assert bib(leader="00665nam  2200217I  4500").encoding_level == EncodingLevel("I")


def test_structure_accessors() -> None:
    title = DataField.of("245", "10", ("a", "Pride and prejudice /"), ("c", "Jane Austen."))
    record = bib(ControlField("001", "x1"), f035(("a", "(OCoLC)1")), title, f035(("a", "y")))
    assert record.control_number == "x1"
    assert record.control_number_identifier is None
    assert [one.tag for one in record.get_fields("035", "001")] == ["001", "035", "035"]
    assert record.data_fields("245") == (title,)
    assert title.values("c") == ("Jane Austen.",)
    assert title.indicators == "10"
    assert title.text == "$a Pride and prejudice / $c Jane Austen."
    assert list(record) == list(record.fields)
    assert record.with_fields([title]).fields == (title,)
    assert record.fields[0] == ControlField("001", "x1")


# (case, build): each shape a Bib refuses, with InvalidRecord's reason.
def _short_leader() -> object:
    return Bib(leader="00000cam")


def _control_tag_with_subfields() -> object:
    return bib(DataField("001", " ", " ", [Subfield("a", "x")]))


def _data_tag_without_subfields() -> object:
    return bib(ControlField("245", "Pride"))


def _bad_tag() -> object:
    return ControlField("0 1", "x")


def _bad_indicator() -> object:
    return DataField("245", "10", " ", [])


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (_short_leader, "bad_leader"),
        (_control_tag_with_subfields, "control_tag_with_subfields"),
        (_data_tag_without_subfields, "data_tag_without_subfields"),
        (_bad_tag, "bad_tag"),
        (_bad_indicator, "bad_indicator"),
    ],
)
def test_invalid_records(build: object, reason: str) -> None:
    assert callable(build)
    with pytest.raises(InvalidRecord) as raised:
        build()
    assert raised.value.reason == reason


def test_bib_is_immutable_and_compares_by_value() -> None:
    one = bib(f035(("a", "(OCoLC)1")))
    two = bib(f035(("a", "(OCoLC)1")))
    assert one == two
    assert evolve(one, leader=LEADER.replace("a", "c", 1)) != one
    with pytest.raises(AttributeError):
        one.leader = LEADER  # type: ignore[misc]


def test_a_record_reads_as_a_cataloger_writes_it() -> None:
    bib = Bib(
        leader="00000nam a2200000 a 4500",
        fields=[
            ControlField("001", "ocm01234567"),
            DataField.of("245", "10", ("a", "Pride and prejudice /"), ("c", "Jane Austen.")),
            DataField.of("500", "  ", ("a", "Note.")),
        ],
    )
    assert bib.lines() == (
        "LDR 00000nam a2200000 a 4500",
        "001 ocm01234567",
        "245 10 $a Pride and prejudice / $c Jane Austen.",
        "500 ## $a Note.",
    )
