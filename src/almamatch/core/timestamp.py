"""MARC 005 values, "Date and Time of Latest Transaction", as an ordered type.

Theory of operation: a 005 is 14 digits ``yyyymmddhhmmss`` that must name a real calendar date and
time, optionally followed by ``.`` and a fraction of a second ("16 characters yyyymmddhhmmss.f,
24-hour clock", LoC MARC 21 005; real data also has no fraction or three digits of it, see
``reference/oclc-numbers-and-levels.md`` section 5). It has no time zone, so it is never turned
into an aware ``datetime``. Every other shape (all zeros, a leading letter, blanks for the time,
a date alone) raises ``InvalidTimestamp``.

Alma compares "the incoming bib record's date/time in the 005 field, against the date/time of the
existing bib record's 'Originating System Version' field" (Orbis Cascade, S22): two Timestamps.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from attrs import field, frozen

from almamatch.core.errors import InvalidTimestamp
from almamatch.core.slots import new_instance, slot_setter

__all__ = ["Timestamp"]

_PATTERN: Final = re.compile(r"(?P<digits>[0-9]{14})(?:\.(?P<fraction>[0-9]+))?")


def _strip_trailing_zeros(fraction: str) -> str:
    return fraction.rstrip("0")


@frozen
class Timestamp:
    """A 005 value, ordered by the instant it names; the fraction counts (``.5`` > ``.49``).

    Ordered as attrs' ``order=True`` orders it, by ``(digits, fraction)`` and only against a
    ``Timestamp``, with the comparisons written out: attrs' build a tuple through a generator
    for each side, ten times the cost of a guard's one comparison.
    """

    digits: str
    fraction: str = field(converter=_strip_trailing_zeros)
    text: str = field(eq=False, order=False, default="")

    def __attrs_post_init__(self) -> None:
        # Built directly (not by ``parse``), the parts must still name a real 005 value.
        shape = _PATTERN.fullmatch(f"{self.digits}.{self.fraction or '0'}")
        if shape is None or not (self.digits + self.fraction).isascii():
            raise InvalidTimestamp(f"{self.digits}.{self.fraction}", "malformed",
                                   "a 005 value is 14 digits and an optional fraction of digits")
        try:
            _to_datetime(self.digits)
        except ValueError as error:
            raise InvalidTimestamp(self.digits, "not_a_date", str(error)) from None

    @classmethod
    def parse(cls, text: str) -> Timestamp:
        """Parse a 005 value; surrounding blanks are ignored, anything else raises."""
        # The form nearly every 005 has, "yyyymmddhhmmss.f" naming a moment of any month of
        # any year, with no blank around it, in one match (``_PLAIN``): it is checked there as
        # the steps below would check it.
        if _PLAIN(text) is not None:
            return checked_timestamp(text[:14], text[15], text)
        stripped = text.strip()
        # The same form with blanks around it, read without the pattern: ASCII digits are
        # [0-9]. Every other text goes the pattern's way, which reads this form alike.
        if (len(stripped) == 16 and stripped[14] == "." and stripped.isascii()
                and stripped[:14].isdigit() and stripped[15].isdigit()):
            digits, fraction = stripped[:14], stripped[15]
        else:
            if not stripped:
                raise InvalidTimestamp(text, "empty")
            match = _PATTERN.fullmatch(stripped)
            if match is None:
                raise InvalidTimestamp(text, _why_not(stripped))
            digits, fraction = match["digits"], match["fraction"] or ""
        if not _plainly_a_moment(digits):
            try:
                _to_datetime(digits)
            except ValueError as error:
                raise InvalidTimestamp(text, "not_a_date", str(error)) from None
        # Checked just above: made without the constructor's checks again (``checked_timestamp``).
        return checked_timestamp(digits, fraction, stripped)

    @classmethod
    def from_datetime(cls, moment: datetime) -> Timestamp:
        """The 005 for a naive ``datetime`` (tenths of a second kept, as Alma writes it)."""
        # f"{year:04d}": strftime's %Y does not pad years before 1000 on every platform.
        digits = f"{moment.year:04d}" + moment.strftime("%m%d%H%M%S")
        return cls.parse(f"{digits}.{moment.microsecond // 100_000}")

    def to_datetime(self) -> datetime:
        """The naive ``datetime`` this 005 names (fraction cut to microseconds)."""
        micro = int((self.fraction + "000000")[:6])
        return _to_datetime(self.digits).replace(microsecond=micro)

    def __lt__(self, other: Timestamp) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.digits, self.fraction) < (other.digits, other.fraction)

    def __le__(self, other: Timestamp) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.digits, self.fraction) <= (other.digits, other.fraction)

    def __gt__(self, other: Timestamp) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.digits, self.fraction) > (other.digits, other.fraction)

    def __ge__(self, other: Timestamp) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return (self.digits, self.fraction) >= (other.digits, other.fraction)

    def __str__(self) -> str:
        return f"{self.digits}.{self.fraction or '0'}"

    def __repr__(self) -> str:
        return f"<Timestamp({str(self)!r})>"


#: "yyyymmddhhmmss.f" whose 14 digits ``_plainly_a_moment`` accepts, as one pattern: a year from
#: 0001, a month 01-12, a day 01-28, an hour 00-23, minutes and seconds 00-59, then one digit of
#: a second (the whole text, nothing around it: ``fullmatch``).
_PLAIN: Final = re.compile(
    r"(?!0000)[0-9]{4}(?:0[1-9]|1[0-2])(?:0[1-9]|1[0-9]|2[0-8])(?:[01][0-9]|2[0-3])"
    r"[0-5][0-9][0-5][0-9]\.[0-9]"
).fullmatch


def _plainly_a_moment(digits: str) -> bool:
    """True when 14 ASCII digits name a real moment for any month of any year: a year from
    0001, a month 01-12, a day 01-28, an hour 00-23, minutes and seconds 00-59 (two ASCII digits
    compare as their numbers do). Every such moment is one ``datetime`` accepts; the rest
    (days 29-31 among them) are left to ``_to_datetime``, which says why one is not."""
    return ("01" <= digits[4:6] <= "12" and "01" <= digits[6:8] <= "28"
            and digits[8:10] <= "23" and digits[10:12] <= "59" and digits[12:14] <= "59"
            and digits[:4] != "0000")


def _to_datetime(digits: str) -> datetime:
    return datetime(
        int(digits[0:4]), int(digits[4:6]), int(digits[6:8]),
        int(digits[8:10]), int(digits[10:12]), int(digits[12:14]),
    )


def _why_not(text: str) -> str:
    if re.fullmatch(r"[0-9]{8}", text):
        return "date_only"
    if re.fullmatch(r"[0-9]{8}\s+(\.[0-9]*)?", text):
        return "blank_time"
    if not text[0].isdigit():
        return "leading_text"
    if re.fullmatch(r"[0-9]{14}\.", text):
        return "empty_fraction"
    return "malformed"



# -- values already checked ----------------------------------------------------------------------
# ``Timestamp.parse`` has matched the pattern and named a real moment before it builds the value,
# and so has ``index.version.decode_version`` from an encoded moment; this builds it as the attrs
# ``__init__`` would (the fraction's trailing zeros stripped) without those checks again.
# tests/test_timestamp.py checks it against the constructor.
_new: Final = new_instance
_SET_DIGITS: Final = slot_setter(Timestamp, "digits")
_SET_FRACTION: Final = slot_setter(Timestamp, "fraction")
_SET_TEXT: Final = slot_setter(Timestamp, "text")


def checked_timestamp(digits: str, fraction: str, text: str) -> Timestamp:
    """``Timestamp(digits, fraction, text)`` for 14 ASCII digits naming a real moment and a
    fraction of ASCII digits (what the constructor checks)."""
    made: Timestamp = _new(Timestamp)
    _SET_DIGITS(made, digits)
    _SET_FRACTION(made, fraction.rstrip("0"))
    _SET_TEXT(made, text)
    return made
