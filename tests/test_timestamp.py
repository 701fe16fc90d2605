"""Timestamp.parse: MARC 005 shapes, valid and invalid, from reference §5, and their order."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from almamatch import InvalidTimestamp, Timestamp
from almamatch.core.timestamp import checked_timestamp

# (text, canonical str)
VALID: list[tuple[str, str]] = [
    # LoC 005: "yyyymmddhhmmss.f ... example 19940223151047.0"
    ("19940223151047.0", "19940223151047.0"),
    # OCLC "Replaced": "e.g. 20200612052332.8"
    ("20200612052332.8", "20200612052332.8"),
    # real data: no fraction (pymarc test/1251.dat), three fraction digits (marc4j)
    ("20151116141356", "20151116141356.0"),
    ("20030516161946.000", "20030516161946.0"),
    ("20020329191551.904", "20020329191551.904"),
    # surrounding blanks are ignored
    (" 19940223151047.0 ", "19940223151047.0"),
    # a fraction of any length; leap day; last second of a day
    ("20000229235959.123456789", "20000229235959.123456789"),
    ("99991231235959.9", "99991231235959.9"),
]

# (text, reason)
INVALID: list[tuple[str, str]] = [
    # openlibrary merchantsfromcat00ben_meta.mrc: all zeros is no date
    ("00000000000000.0", "not_a_date"),
    # not a real calendar date or time
    ("20230230120000.0", "not_a_date"),
    ("20231301120000.0", "not_a_date"),
    ("20231231240000.0", "not_a_date"),
    ("20231231236000.0", "not_a_date"),
    # marc4j pride-and-prejudice #17, #58: a leading letter
    ("a19900313111708.5", "leading_text"),
    ("a19910619112840.9", "leading_text"),
    # blanks for the time
    ("20020810      .0", "blank_time"),
    # date only
    ("20050603", "date_only"),
    # openlibrary upei_short_008.mrc: digits without the point
    ("5100630039194800", "malformed"),
    ("510063003919480", "malformed"),
    # a point with no fraction, a zone, a comma, two points
    ("19940223151047.", "empty_fraction"),
    ("19940223151047.0Z", "malformed"),
    ("19940223151047,0", "malformed"),
    ("19940223151047.0.1", "malformed"),
    # fullwidth digits
    ("".join(chr(ord(digit) + 0xFEE0) for digit in "19940223151047") + ".0", "malformed"),
    ("", "empty"),
    ("  ", "empty"),
]


@pytest.mark.parametrize(("text", "canonical"), VALID)
def test_valid(text: str, canonical: str) -> None:
    stamp = Timestamp.parse(text)
    assert str(stamp) == canonical
    assert Timestamp.parse(str(stamp)) == stamp


@pytest.mark.parametrize(("text", "reason"), INVALID)
def test_invalid(text: str, reason: str) -> None:
    with pytest.raises(InvalidTimestamp) as raised:
        Timestamp.parse(text)
    assert raised.value.reason == reason
    assert raised.value.text == text


# Ascending; every pair is checked both ways. The fraction counts: .49 < .5.
ORDERED = [
    "19830626000000.0",
    "19940223151047.0",
    "19940223151047.049",
    "19940223151047.49",
    "19940223151047.5",
    "19940223151048",
    "20200612052332.8",
    "20211231235959.9",
    "20220101000000.0",
]


def test_ordering_pairwise() -> None:
    stamps = [Timestamp.parse(text) for text in ORDERED]
    for (i, a), (j, b) in itertools.product(enumerate(stamps), repeat=2):
        assert (a < b) is (i < j)
        assert (a == b) is (i == j)
        assert (a >= b) is (i >= j)
        assert (a > b) is (i > j)
        assert (a <= b) is (i <= j)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("20151116141356", "20151116141356.0"),
        ("20030516161946.000", "20030516161946.0"),
        ("20030516161946.500", "20030516161946.5"),
    ],
)
def test_trailing_zeros_do_not_count(a: str, b: str) -> None:
    assert Timestamp.parse(a) == Timestamp.parse(b)
    assert hash(Timestamp.parse(a)) == hash(Timestamp.parse(b))


def test_datetime_round_trip() -> None:
    moment = datetime(2020, 6, 12, 5, 23, 32, 800_000)
    stamp = Timestamp.from_datetime(moment)
    assert str(stamp) == "20200612052332.8"
    assert stamp.to_datetime() == moment
    assert stamp.to_datetime().tzinfo is None  # "No time zone is specified"


# ``Timestamp.parse`` and the index's decoder build through ``checked_timestamp`` once they have
# checked the text themselves: the value must be the constructor's, to the repr and the hash.
@given(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
       st.from_regex(r"[0-9]{0,9}", fullmatch=True))
def test_checked_timestamp_is_the_constructors(moment: datetime, fraction: str) -> None:
    digits = f"{moment.year:04d}" + moment.strftime("%m%d%H%M%S")
    text = f"{digits}.{fraction}" if fraction else digits
    made, public = checked_timestamp(digits, fraction, text), Timestamp(digits, fraction, text)
    assert type(made) is Timestamp
    assert (made.digits, made.fraction, made.text) == (public.digits, public.fraction,
                                                       public.text)
    assert (made == public, hash(made), repr(made)) == (True, hash(public), repr(public))
    parsed = Timestamp.parse(f" {text} ")
    assert (parsed.digits, parsed.fraction, parsed.text) == (public.digits, public.fraction,
                                                             public.text)


def _outcome(text: str) -> tuple[str, str, str] | str:
    try:
        stamp = Timestamp.parse(text)
    except InvalidTimestamp as error:
        return error.reason
    return stamp.digits, stamp.fraction, stamp.text


# The 16-character form is read without the pattern: a trailing zero sends the same moment the
# pattern's way, which must read it alike (or refuse it for the same reason).
@given(st.one_of(
    st.text(st.sampled_from("0123456789.\u0663 x"), min_size=15, max_size=16),
    st.builds(lambda moment, tenth: f"{moment.year:04d}{moment:%m%d%H%M%S}.{tenth}",
              st.datetimes(min_value=datetime(1, 1, 1)), st.sampled_from("0123456789x\u0663")),
))
@example("00000000000000.")  # 15 characters: refused as such, not the 16-character form
def test_the_usual_form_reads_as_the_pattern_reads_it(text: str) -> None:
    plain, padded = _outcome(text), _outcome(text.strip() + "0")
    if isinstance(plain, str) or isinstance(padded, str):
        usual = text.strip()
        if len(usual) == 16 and usual[14] == ".":  # the form read without the pattern
            assert plain == padded
        return
    assert plain[:2] == padded[:2]
    assert plain[2] == text.strip()


# Each part near and past its bounds, so that most draws are moments and many are not.
_MOMENTS = st.tuples(st.sampled_from([0, 1, 1999, 2024, 2025, 9999]), st.integers(0, 13),
                     st.integers(0, 32), st.integers(0, 24), st.integers(0, 60),
                     st.integers(0, 60)).map(lambda parts: "{:04d}{:02d}{:02d}{:02d}{:02d}{:02d}"
                                             .format(*parts))


@given(_MOMENTS | st.text(st.sampled_from("0123456789"), min_size=14, max_size=14))
@example("20240229000000")  # a leap day
@example("20250229000000")  # not a leap year
@example("20250431235959")
def test_fourteen_digits_parse_when_they_name_a_real_moment(digits: str) -> None:
    try:
        datetime(int(digits[:4]), int(digits[4:6]), int(digits[6:8]), int(digits[8:10]),
                 int(digits[10:12]), int(digits[12:14]))
    except ValueError:
        with pytest.raises(InvalidTimestamp):
            Timestamp.parse(digits)
    else:
        assert str(Timestamp.parse(digits)) == f"{digits}.0"


# "yyyymmddhhmmss.f" with nothing around it is read by one pattern (``_PLAIN``); with a blank
# around it, by the steps that check each part: both must read each text alike, moments near
# and past every bound among them.
@given(_MOMENTS, st.sampled_from("0123456789x\u0663"))
@example("00000101000000", "5")  # year 0000
@example("20250228235959", "9")  # the last day every month has
def test_the_plain_form_reads_as_the_checked_steps_read_it(digits: str, tenth: str) -> None:
    text = f"{digits}.{tenth}"
    assert _outcome(text) == _outcome(f" {text}")
    assert _outcome(text) == _outcome(f"{text}\t")
