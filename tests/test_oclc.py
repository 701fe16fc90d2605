"""OclcNumber.parse: every example of issue 2 and the shapes of reference §2, valid and invalid."""

from __future__ import annotations

import itertools

import pytest

from almamatch import InvalidOclcNumber, OclcNumber
from almamatch.core.errors import shown
from almamatch.core.oclc import MAX_OCLC_NUMBER, OclcForm, ParsedNumbers

# (text, value, canonical form?)
VALID: list[tuple[str, int, bool]] = [
    # issue 2's examples
    ("(OCoLC)ocm00012345", 12345, True),
    ("ocn123456789", 123456789, True),
    (" (OCoLC)on1234567890 ", 1234567890, True),
    ("(ocolc) 0012345", 12345, True),
    ("12345", 12345, True),
    # the forms OCLC writes (OCLC Support, 035 field and OCLC control numbers)
    ("(OCoLC)198765401", 198765401, True),
    ("(OCoLC)00003862", 3862, True),
    ("ocm27344144", 27344144, True),
    ("ocn999001435", 999001435, True),
    ("on9990014350", 9990014350, True),
    ("on1234567890123", 1234567890123, True),
    # shapes found in real records (reference §2): qualifier and prefix in any case, blanks
    ("(OCoLC)ocm22494111 ", 22494111, True),  # `(OCoLC)ocm9{8} ` trailing space
    ("ocm12345678 ", 12345678, True),  # `ocm9{8} ` in 001: "followed by a blank"
    ("(OCoLC)ocn687654227", 687654227, True),
    ("(OCoLC)on1000535936", 1000535936, True),
    ("(OCoLC)38915", 38915, True),
    ("(OCOLC)38915", 38915, True),
    ("(OCoLC) ocm 00213132", 213132, True),  # blanks between qualifier, prefix and digits
    ("OCN123456789", 123456789, True),
    ("\t(OCoLC)814782\n", 814782, True),
    ("(OCoLC)00085820197", 85820197, True),  # FOLIO's "pass" example
    # a prefix that does not fit the number's length still gives the value, not canonically
    ("ocm123456789", 123456789, False),  # ocm with 9 digits
    ("ocm1", 1, False),  # ocm is 8 digits
    ("ocn1", 1, False),
    ("ocn1234567890", 1234567890, False),
    ("on1", 1, False),
    (" (OCoLC)on00001000535936", 1000535936, False),  # zero-padded on (folio deleted_leader)
    ("(OCoLC)ocm000976939443", 976939443, False),
]

# (text, reason)
INVALID: list[tuple[str, str]] = [
    # issue 2: other qualifiers are other systems' numbers
    ("(OCoLC-M)858826393", "other_qualifier"),
    ("(OCoLC-M)48807235", "other_qualifier"),
    ("(DLC)123", "other_qualifier"),
    ("(NLC)123", "other_qualifier"),
    ("(Foo)12345", "other_qualifier"),
    # issue 2: letters before the digits
    ("(OCoLC)tfe00123", "letters_before_digits"),
    ("(OCoLC)M-ESTCN123", "letters_before_digits"),
    ("(OCoLC)TGPSM11-B2267", "letters_before_digits"),
    ("(OCoLC)xon9990014350", "letters_before_digits"),
    ("(OCoLC)onx9990014350", "letters_before_digits"),
    ("(OCoLC)cis10504687", "letters_before_digits"),
    ("(OCoLC)oca13172524", "letters_before_digits"),
    ("(OCoLC)gp 99071557", "letters_before_digits"),
    ("ocmocm02539133 ", "letters_before_digits"),
    ("ocmDCLC6114599B", "letters_before_digits"),
    ("tmp97189905", "letters_before_digits"),
    ("MARS", "letters_before_digits"),
    ("(OCoLC)-5", "letters_before_digits"),  # a sign is not a digit
    # fullwidth digits are not ASCII digits
    ("\uff11\uff12\uff13\uff14\uff15", "letters_before_digits"),
    # issue 2: letters or signs after the digits
    ("(OCoLC)ocm12275114e", "text_after_digits"),
    ("(OCoLC)00000697^", "text_after_digits"),
    ("ocn013699900x", "text_after_digits"),
    ("1012851705deg", "text_after_digits"),
    ("ebr10088279,", "letters_before_digits"),
    ("1.0E+10", "text_after_digits"),  # spreadsheet damage
    ("1a1", "text_after_digits"),
    ("(OCoLC)12 34", "text_after_digits"),
    ("01ocm40620222", "text_after_digits"),
    # issue 2: text before the qualifier
    ("DL(OCoLC)01370503", "text_before_qualifier"),
    ("RB(OCoLC)10970597", "text_before_qualifier"),
    # zero and empty
    ("0", "zero"),
    ("(OCoLC)00000000", "zero"),
    ("ocm00000000", "zero"),
    ("", "empty"),
    ("   ", "empty"),
    ("(OCoLC)", "no_digits"),
    ("ocn", "no_digits"),
    # beyond what the index's unsigned 64-bit keys hold
    ("99999999999999999999", "out_of_range"),
]


@pytest.mark.parametrize(("text", "value", "canonical"), VALID)
def test_valid(text: str, value: int, canonical: bool) -> None:
    number = OclcNumber.parse(text)
    assert number.value == value
    assert number.is_canonical is canonical


@pytest.mark.parametrize(("text", "reason"), INVALID)
def test_invalid(text: str, reason: str) -> None:
    with pytest.raises(InvalidOclcNumber) as raised:
        OclcNumber.parse(text)
    assert raised.value.reason == reason
    assert raised.value.text == text
    assert shown(text) in str(raised.value)


def test_invalid_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="OCoLC-M"):
        OclcNumber.parse("(OCoLC-M)858826393")


# (value, 001 form): "ocm + 8 digits ... ocn + 9 digits ... on + 10 or more" (OCLC)
CONTROL_NUMBERS: list[tuple[int, str]] = [
    (1, "ocm00000001"),
    (12345, "ocm00012345"),
    (99_999_999, "ocm99999999"),
    (100_000_000, "ocn100000000"),
    (999_999_999, "ocn999999999"),
    (1_000_000_000, "on1000000000"),
    (1_234_567_890_123, "on1234567890123"),
]


@pytest.mark.parametrize(("value", "control_number"), CONTROL_NUMBERS)
def test_control_number(value: int, control_number: str) -> None:
    number = OclcNumber.of(value)
    assert number.control_number == control_number
    assert OclcNumber.parse(control_number) == number
    assert OclcNumber.parse(control_number).is_canonical


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("(OCoLC)ocm00012345", "(OCoLC)12345"),
        ("ocn123456789", "(OCoLC)123456789"),
        ("00003862", "(OCoLC)3862"),
        ("ON1234567890", "(OCoLC)1234567890"),
    ],
)
def test_str_is_the_035_form(text: str, shown: str) -> None:
    assert str(OclcNumber.parse(text)) == shown


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("(OCoLC)ocm00012345", "(OCoLC)ocm00012345"),
        ("(ocolc) ocm 00012345 ", "(OCoLC)ocm00012345"),
        ("ocm123456789", "ocm123456789"),
        ("00003862", "00003862"),
    ],
)
def test_literal_keeps_the_written_form(text: str, literal: str) -> None:
    assert OclcNumber.parse(text).literal == literal


def test_equality_ignores_the_written_form() -> None:
    forms = ["(OCoLC)ocm00012345", "ocm00012345", "12345", "(OCoLC)12345", "(ocolc) 0012345"]
    numbers = [OclcNumber.parse(text) for text in forms]
    assert len(set(numbers)) == 1
    assert all(a == b for a, b in itertools.combinations(numbers, 2))


# Ascending by value; every pair is checked both ways.
ORDERED = ["1", "(OCoLC)ocm00000002", "12345", "ocm99999999", "ocn100000000", "on1000000000"]


def test_ordering_pairwise() -> None:
    numbers = [OclcNumber.parse(text) for text in ORDERED]
    for (i, a), (j, b) in itertools.product(enumerate(numbers), repeat=2):
        assert (a < b) is (i < j)
        assert (a == b) is (i == j)
        assert (a > b) is (i > j)


@pytest.mark.parametrize(
    "form",
    [
        OclcForm(qualified=True, prefix="", width=8),
        OclcForm(qualified=False, prefix="ocm", width=8),
        OclcForm(qualified=True, prefix="ocn", width=9),
        OclcForm(qualified=False, prefix="on", width=14),
    ],
)
def test_form_code_round_trip(form: OclcForm) -> None:
    assert OclcForm.from_code(form.code) == form


@pytest.mark.parametrize("value", [0, -1, MAX_OCLC_NUMBER + 1])
def test_value_out_of_range(value: int) -> None:
    with pytest.raises(InvalidOclcNumber):
        OclcNumber.of(value)


def test_parsed_numbers_remember_each_text_and_start_again_when_full() -> None:
    memo = ParsedNumbers(limit=2)
    first = memo.number("(OCoLC)ocm00012345")
    assert first is not None
    assert first.literal == "(OCoLC)ocm00012345"
    assert memo.number("(OCoLC)ocm00012345") is first  # remembered, not parsed again
    assert memo.number("(DLC)12") is None  # what OclcNumber.parse refuses
    again = memo.number("12")  # the memo was full: it starts again with this text
    assert again is not None
    assert again.literal == "12"
    assert memo.number("(OCoLC)ocm00012345") is not first


@pytest.mark.parametrize(
    ("control", "qualified", "written"),
    [
        # 001 as OCLC writes it: the save rule's 035 $a is the number, qualified, with its
        # prefix and digits; OCLC's own 035 $a is the number with neither.
        ("ocm00012345", "(OCoLC)ocm00012345", "(OCoLC)12345"),
        ("ocn254817282", "(OCoLC)ocn254817282", "(OCoLC)254817282"),
        ("on1018428910", "(OCoLC)on1018428910", "(OCoLC)1018428910"),
        ("12345", "(OCoLC)12345", "(OCoLC)12345"),
        # Read as the whole text is: a blank after the prefix, or a qualifier already there.
        ("ocm 00012345", "(OCoLC)ocm00012345", "(OCoLC)12345"),
        ("(OCoLC)12345", None, "(OCoLC)12345"),
        ("ocmX", None, None),
        ("", None, None),
    ],
)
def test_a_control_number_remembers_the_035s_that_carry_it(
    control: str, qualified: str | None, written: str | None
) -> None:
    memo = ParsedNumbers()
    plain = memo.control_number(control)
    assert (plain.literal if plain is not None else None) == (
        None if written is None else control.replace(" ", ""))
    found = memo.number("(OCoLC)" + control)
    assert (found.literal if found is not None else None) == qualified
    if written is not None:
        number = memo.number(written)
        assert number is not None
        assert number.literal == written
