"""Hypothesis properties of the values: canonical forms parse to themselves, orders are total,
text round-trips, and bibs round-trip through ISO 2709, MARCXML and MARC-in-JSON."""

from __future__ import annotations

import io
from datetime import datetime

from hypothesis import given
from hypothesis import strategies as st

from almamatch import InvalidOclcNumber, OclcNumber, Timestamp
from almamatch.core.brief import BriefLevel
from almamatch.core.oclc import MAX_OCLC_NUMBER, OclcForm, ParsedNumbers, _matched, _parse
from almamatch.core.record import Bib, ControlField, DataField, Field, Subfield
from almamatch.marc import bib_to_marc, bib_to_marc_json, bib_to_marcxml, read_bibs

values = st.integers(min_value=1, max_value=MAX_OCLC_NUMBER)
realistic = st.integers(min_value=1, max_value=10**13)
oclc_numbers = values.map(OclcNumber.of)
timestamps = st.builds(
    lambda moment, fraction: Timestamp.parse(
        f"{moment.year:04d}" + moment.strftime("%m%d%H%M%S") + fraction
    ),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,6}", fullmatch=True)),
)


@given(values)
def test_str_parse_round_trip(value: int) -> None:
    number = OclcNumber.of(value)
    assert OclcNumber.parse(str(number)) == number
    assert OclcNumber.parse(str(number)).value == value


@given(realistic)
def test_control_number_round_trip(value: int) -> None:
    number = OclcNumber.of(value)
    again = OclcNumber.parse(number.control_number)
    assert again == number
    assert again.is_canonical
    assert again.control_number == number.control_number


@given(realistic, st.sampled_from(["", "(OCoLC)", "(ocolc) ", " (OCOLC)"]), st.booleans())
def test_parse_is_idempotent_on_canonical_forms(value: int, qualifier: str, prefixed: bool) -> None:
    number = OclcNumber.of(value)
    text = qualifier + (number.control_number if prefixed else str(value))
    once = OclcNumber.parse(text)
    assert once == number
    assert OclcNumber.parse(str(once)) == once
    assert OclcNumber.parse(once.literal) == once
    assert OclcNumber.parse(once.literal).literal == once.literal


@given(st.text(max_size=30))
def test_parse_accepts_or_raises_its_own_error(text: str) -> None:
    outcome: OclcNumber | InvalidOclcNumber
    try:
        outcome = OclcNumber.parse(text)
    except InvalidOclcNumber as error:
        outcome = error
    if isinstance(outcome, InvalidOclcNumber):
        assert outcome.text == text
    else:
        assert 0 < outcome.value <= MAX_OCLC_NUMBER


@given(oclc_numbers, oclc_numbers, oclc_numbers)
def test_oclc_order_is_total(a: OclcNumber, b: OclcNumber, c: OclcNumber) -> None:
    assert (a < b) + (a == b) + (a > b) == 1
    assert (a == b) is (a.value == b.value)
    assert (a == b) <= (hash(a) == hash(b))
    if a <= b and b <= c:
        assert a <= c


@given(st.datetimes(min_value=datetime(1, 1, 1)))
def test_timestamp_from_datetime(moment: datetime) -> None:
    stamp = Timestamp.from_datetime(moment)
    tenths = moment.microsecond // 100_000 * 100_000
    assert stamp.to_datetime() == moment.replace(microsecond=tenths)


@given(timestamps)
def test_timestamp_str_parse_round_trip(stamp: Timestamp) -> None:
    assert Timestamp.parse(str(stamp)) == stamp
    assert str(Timestamp.parse(str(stamp))) == str(stamp)


@given(timestamps, timestamps, timestamps)
def test_timestamp_order_is_total_and_follows_time(
    a: Timestamp, b: Timestamp, c: Timestamp
) -> None:
    assert (a < b) + (a == b) + (a > b) == 1
    assert (a < b) is (a.to_datetime() < b.to_datetime())  # fractions here fit microseconds
    if a <= b and b <= c:
        assert a <= c


@given(st.integers(1, 10), st.integers(1, 10))
def test_brief_level_order(a: int, b: int) -> None:
    assert (BriefLevel(a) < BriefLevel(b)) is (a < b)
    assert BriefLevel.parse(str(BriefLevel(a))) == BriefLevel(a)


# Bibs: any text a MARC field can hold (no delimiters, no lone surrogates except the ones
# surrogateescape makes), any tag shape a Bib accepts.
marc_text = st.text(
    st.characters(codec="utf-8", exclude_characters="\x1d\x1e\x1f"), max_size=40
)
xml_text = st.text(
    st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cs"),
        exclude_characters="\ufffe\uffff",
    ),
    max_size=40,
)
control_tags = st.from_regex(r"00[1-9]", fullmatch=True)
data_tags = st.from_regex(r"(0[1-9][0-9]|[1-9][0-9]{2}|[A-Z]{3})", fullmatch=True)
indicators = st.sampled_from(" 0123456789")
codes = st.sampled_from("abcdefghz0123456789")
leaders = st.from_regex(
    r"[0-9]{5}[acdnp][a-z][a-z ][ a][ a]22[0-9]{5}[ 1-8IKLMuz][ aci][ a]4500", fullmatch=True
)


def bibs(text: st.SearchStrategy[str]) -> st.SearchStrategy[Bib]:
    control = st.builds(ControlField, control_tags, text)
    data = st.builds(
        DataField,
        data_tags,
        indicators,
        indicators,
        st.lists(st.builds(Subfield, codes, text), max_size=4).map(tuple),
    )
    fields: st.SearchStrategy[list[Field]] = st.lists(st.one_of(control, data), max_size=8)
    return st.builds(lambda leader, found: Bib(leader=leader, fields=found), leaders, fields)


# Bytes that are no MARC delimiter (0x1D, 0x1E, 0x1F end records, fields and start subfields).
stray_bytes = st.binary(max_size=3).filter(lambda raw: not set(raw) & {0x1D, 0x1E, 0x1F})


@given(bibs(marc_text), stray_bytes)
def test_marc_bytes_round_trip(bib: Bib, invalid: bytes) -> None:
    # invalid UTF-8 kept as lone surrogates goes out as the same bytes
    stray = invalid.decode("utf-8", "surrogateescape")
    bib = bib.with_fields([*bib.fields, ControlField("009", stray)])
    raw = bib_to_marc(bib)
    (again,) = read_bibs(io.BytesIO(raw))
    assert isinstance(again, Bib)
    assert again.fields == bib.fields
    assert again.leader[5:9] + again.leader[10:12] + again.leader[17:] == (
        bib.leader[5:9] + bib.leader[10:12] + bib.leader[17:]
    )
    assert bib_to_marc(again) == raw


@given(bibs(xml_text))
def test_marcxml_and_json_round_trip(bib: Bib) -> None:
    (from_xml,) = read_bibs(io.BytesIO(bib_to_marcxml(bib).encode("utf-8")))
    assert from_xml == bib
    (from_json,) = read_bibs(io.BytesIO(bib_to_marc_json(bib).encode("utf-8")))
    assert from_json == bib


_NUMBER_TEXTS = st.one_of(
    st.text(st.sampled_from("(OCoLC)ocmn 0123456789xX\u0663"), max_size=14),
    realistic.map(lambda value: f"(OCoLC)ocm{value:08d}"),
    st.text(max_size=10),
)


def _parsed(text: str) -> OclcNumber | None:
    """``OclcNumber.parse(text)``, None where it raises: what the memo must give for ``text``."""
    try:
        return OclcNumber.parse(text)
    except InvalidOclcNumber:
        return None


def _written_alike(found: OclcNumber | None, parsed: OclcNumber | None) -> bool:
    """The same number written the same way (value, form, literal), or None both."""
    if found is None or parsed is None:
        return found is parsed
    return (found.value, found.form, found.literal) == (parsed.value, parsed.form,
                                                         parsed.literal)


@given(st.lists(_NUMBER_TEXTS, max_size=8), st.integers(1, 4))
def test_parsed_numbers_give_what_parse_gives(texts: list[str], limit: int) -> None:
    memo = ParsedNumbers(limit=limit)
    for text in texts * 2:  # the second time round, some texts are remembered
        parsed = _parsed(text)
        assert _written_alike(memo.number(text), parsed)
        if parsed is not None:
            # A parse builds the number without the constructor's range check again: the
            # constructor's value, to the repr and the hash.
            public = OclcNumber(parsed.value, parsed.form)
            assert type(parsed) is OclcNumber
            assert (parsed == public, hash(parsed), repr(parsed)) == (True, hash(public),
                                                                      repr(public))


# The save rule's 035 $a "(OCoLC)<001>" and OCLC's own "(OCoLC)<n>" are read from the memo of the
# 001 (``control_number``): each must be what parsing its text gives, to the form, for any 001
# text, remembered or not, the memo filling and starting again.
@given(st.lists(_NUMBER_TEXTS, max_size=6), st.integers(1, 4))
def test_the_035s_of_a_control_number_are_their_parses(texts: list[str], limit: int) -> None:
    memo = ParsedNumbers(limit=limit)
    for text in texts * 2:
        plain = memo.control_number(text)
        carried = ["(OCoLC)" + text, text] + ([str(plain)] if plain is not None else [])
        for one in carried:
            assert _written_alike(memo.number(one), _parsed(one))


# Normalization's 035 $z "(OCoLC)<n>" of a cancelled number is read from the memo where it was
# written (``canonical``): it must be the text ``str`` writes and what parsing that text gives,
# to the form, remembered or not, the memo filling and starting again.
@given(st.lists(values | realistic, max_size=6), st.integers(1, 4))
def test_the_canonical_035_of_a_number_is_its_parse(numbers: list[int], limit: int) -> None:
    memo = ParsedNumbers(limit=limit)
    for value in numbers * 2:
        number = OclcNumber(value, OclcForm(qualified=False, prefix="", width=len(str(value)) + 2))
        written = memo.canonical(number)
        assert written == str(number) == f"(OCoLC){value}"
        assert _written_alike(memo.number(written), _parsed(written))


# The parse reads the forms OCLC writes on its own path, and every other text by the pattern
# (``_matched``): for any text, the two must give the same number, written the same way, or the
# same reason.
@given(st.one_of(_NUMBER_TEXTS, st.from_regex(
    r"\s?(\(OCoLC\)|\(ocolc\))?\s?(ocm|ocn|on|OCM|On)?\s?[0-9\u0663]{0,21}[x ]?", fullmatch=True)))
def test_the_parse_of_oclc_forms_is_the_pattern_s(text: str) -> None:
    fast = _parse(text)
    matched = _matched(text.strip())
    if isinstance(fast, tuple) or isinstance(matched, tuple):
        assert fast == matched
    else:
        assert _written_alike(fast, matched)


# The save rule's 035 $a "(OCoLC)<001>" and OCLC's own "(OCoLC)<n>" are remembered by
# ``saved_control_number`` without the 001's own text: each what parsing its text gives.
@given(st.lists(_NUMBER_TEXTS, max_size=6), st.integers(1, 4))
def test_a_saved_control_number_is_the_parse_of_its_035(texts: list[str], limit: int) -> None:
    memo = ParsedNumbers(limit=limit)
    for text in texts * 2:
        number = memo.saved_control_number(text)
        assert _written_alike(number, _parsed("(OCoLC)" + text))
        for one in ["(OCoLC)" + text] + ([str(number)] if number is not None else []):
            assert _written_alike(memo.number(one), _parsed(one))
