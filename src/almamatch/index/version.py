"""Originating system versions (005 ``Timestamp`` values) as one ordered int64 each.

Theory of operation: a 005 is "yyyymmddhhmmss.f" (LoC MARC 21 005) naming a real calendar moment
(``core.timestamp``). The index stores it as seconds since 0001-01-01T00:00:00 times 10**7 plus
the fraction read as seven decimal places, so that integer order is ``Timestamp`` order and the
value decodes back to an equal ``Timestamp``. Year 9999 needs 3.2e18, inside int64. A fraction of
more than seven significant digits cannot be stored exactly and is refused; ``NO_VERSION`` (-1)
stands for a bib without one.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from almamatch.core.errors import AlmamatchError
from almamatch.core.timestamp import Timestamp, checked_timestamp

__all__ = ["FRACTION_DIGITS", "NO_VERSION", "InvalidVersion", "decode_version", "encode_version"]

NO_VERSION: Final = -1
FRACTION_DIGITS: Final = 7
_SCALE: Final = 10**FRACTION_DIGITS
_DAY: Final = 86_400
#: Each number below 100 as two digits: the month, day, hour, minute and second of a 005 (a
#: table read is a fifth of the cost of formatting each with ``02d``).
_TWO_DIGITS: Final = tuple(f"{number:02d}" for number in range(100))


class InvalidVersion(AlmamatchError):
    """A 005 value the index cannot store exactly, or an int64 that is not an encoded 005."""


def encode_version(version: Timestamp | None) -> int:
    """The int64 for a 005 (``NO_VERSION`` for None); order is preserved."""
    if version is None:
        return NO_VERSION
    if len(version.fraction) > FRACTION_DIGITS:
        raise InvalidVersion(str(version), "fraction_too_long",
                             f"the index keeps {FRACTION_DIGITS} digits of a second")
    d = version.digits
    day = date(int(d[0:4]), int(d[4:6]), int(d[6:8])).toordinal() - 1
    seconds = day * _DAY + int(d[8:10]) * 3600 + int(d[10:12]) * 60 + int(d[12:14])
    return seconds * _SCALE + int(version.fraction.ljust(FRACTION_DIGITS, "0"))


def decode_version(code: int) -> Timestamp | None:
    """The 005 an int64 encodes, or None for ``NO_VERSION``."""
    code = int(code)
    if code == NO_VERSION:
        return None
    if code < 0:
        raise InvalidVersion(code, "negative", "encoded versions are >= 0 or -1 for none")
    seconds, fraction = divmod(code, _SCALE)
    day, rest = divmod(seconds, _DAY)
    moment = date.fromordinal(day + 1)
    hours, rest = divmod(rest, 3600)
    minutes, second = divmod(rest, 60)
    two = _TWO_DIGITS
    digits = (f"{str(moment.year).zfill(4)}{two[moment.month]}{two[moment.day]}"
              f"{two[hours]}{two[minutes]}{two[second]}")
    text = str(fraction).zfill(FRACTION_DIGITS).rstrip("0") if fraction else ""
    # The fields Timestamp.parse would give: ``date.fromordinal`` and the divmods above already
    # name a real calendar moment, so the parse's pattern and calendar checks are not repeated
    # (a third of a decision's cost of reading a bib's facts from the index).
    return checked_timestamp(digits, text, f"{digits}.{text}" if text else digits)
