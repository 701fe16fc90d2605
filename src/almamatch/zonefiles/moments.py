"""Moments as people and programs write them: ``--now``, facts CSV lock times, spec steps.

Theory of operation: a moment is a date and a time, and a zone or none (none means UTC, as the
README says). This module is the one parser of the project; it guesses nothing:

- ISO 8601 with a date and a time (``2026-03-05T10:30``, ``2026-03-05 10:30:00+01:00``, ``...Z``);
- a date with its month written as a word, a four-digit year and a time
  (``March 5, 2026 10:30 AM``, ``5 Mar 2026 10:30``), read by dateutil;
- a year-first numeric date and a time (``2026/03/05 10:30``);
- any of these followed by an IANA zone name (``Europe/Paris``, ``America/Chicago``) or ``UTC``.

Refused, each with the accepted forms in the message: a date without a time or a time without a
date (no "today", no "midnight"), a day-month-year or month-day-year in digits (``05/03/2026``
is March 5 in Chicago and May 3 in Paris), a zone abbreviation (``CET``, ``PDT``: several zones
share each, and dateutil would drop it and read UTC), an unknown zone name, or two zones.
Time zones come from the IANA database through ``zoneinfo`` (PEP 615).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from typing import Final

from almamatch.core.errors import AlmamatchError

__all__ = ["ACCEPTED_MOMENTS", "InvalidMoment", "parse_moment"]

#: What the error messages and ``--help`` list.
ACCEPTED_MOMENTS: Final = (
    "2026-03-05T10:30, 2026-03-05 10:30:00+01:00, 2026-03-05 10:30 Europe/Paris, "
    "'March 5, 2026 10:30 AM', 2026/03/05 10:30 (no zone means UTC)"
)


class InvalidMoment(AlmamatchError):
    """Text that is not a date and a time in one of the accepted forms (``ACCEPTED_MOMENTS``)."""

    def __init__(self, text: object, reason: str, why: str) -> None:
        super().__init__(text, reason, f"{why}; accepted: {ACCEPTED_MOMENTS}")


# The patterns are compiled on first use (and kept by re's cache): a moment in ISO 8601, as
# --now usually is, compiles one of them, not six at every command's start.
_ISO: Final = (
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?"
)
_ISO_DATE: Final = r"\d{4}-\d{2}-\d{2}"
_TIME: Final = r"\b\d{1,2}:\d{2}(:\d{2})?\b"
_YEAR: Final = r"\b\d{4}\b"
_YEAR_FIRST: Final = r"\d{4}[/-]\d{1,2}[/-]\d{1,2}"
_DIGITS_DATE: Final = r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"
_MONTHS: Final = frozenset((
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
))
_WORDS: Final = frozenset({"am", "pm", "a.m.", "p.m.", "at", "on", "the", "of", "st", "nd", "rd",
                           "th"})
_UTC_NAMES: Final = frozenset({"utc", "z", "gmt", "etc/utc"})


def parse_moment(text: str) -> datetime:
    """``text`` as an aware ``datetime``; ``InvalidMoment`` (a ``ValueError``) when it is not
    a date and a time in one of the accepted forms (see the module's docstring)."""
    words = text.split()
    if not words:
        raise InvalidMoment(text, "empty", "a moment needs a date and a time")
    zone, words = _zone_of(text, words)
    body = " ".join(words)
    if re.fullmatch(_ISO, body):
        try:
            moment = datetime.fromisoformat(body.replace(" ", "T", 1))
        except ValueError as error:
            raise InvalidMoment(text, "not_a_date", str(error)) from None
    else:
        moment = _written(text, body)
    if moment.tzinfo is not None and zone is not None:
        raise InvalidMoment(text, "two_zones", "give an offset or a zone name, not both")
    if moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=zone or UTC)


def _zone_of(text: str, words: list[str]) -> tuple[tzinfo | None, list[str]]:
    """The zone the last word names, if it names one, and the words before it."""
    last = words[-1]
    if last.lower() in _UTC_NAMES:
        return UTC, words[:-1]
    if "/" in last and not last[0].isdigit():
        # the IANA database only for a zone name: an offset or UTC, as --now usually is, without
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # noqa: PLC0415

        try:
            return ZoneInfo(last), words[:-1]
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidMoment(text, "unknown_zone", f"no time zone is named {last}") from None
    bare = last.strip("()")
    if bare.isalpha() and bare.isupper() and 2 <= len(bare) <= 5 and bare.lower() not in _WORDS:
        raise InvalidMoment(text, "zone_abbreviation",
                            f"{bare} names no single zone: write an IANA zone name "
                            "(America/Los_Angeles, Europe/Paris) or an offset (-07:00)")
    return None, words


def _written(text: str, body: str) -> datetime:
    """A date as people write it: a month word or year first, a four-digit year, a time."""
    if re.fullmatch(_ISO_DATE, body) or not re.search(_TIME, body):
        raise InvalidMoment(text, "no_time", "a moment needs a time as well as a date")
    if re.search(_DIGITS_DATE, body):
        raise InvalidMoment(text, "ambiguous_date", "a date in digits with the year last reads "
                            "as two different days: write 2026-03-05 or March 5, 2026")
    tokens = re.findall(r"[A-Za-z][A-Za-z.]*", body)
    has_month = any(token.lower().strip(".") in _MONTHS for token in tokens)
    if not (has_month or re.search(_YEAR_FIRST, body)) or not re.search(_YEAR, body):
        raise InvalidMoment(text, "no_date", "a moment needs a date with its year as well as "
                            "a time")
    unknown = [token for token in tokens if token.lower().strip(".") not in _MONTHS
               and token.lower() not in _WORDS]
    if unknown:
        raise InvalidMoment(text, "unknown_words", f"{' '.join(unknown)} is not part of a date")
    # The checks above leave dateutil nothing to fill in from today (a missing year, day or time).
    without_time = re.sub(_TIME, " ", re.sub(_YEAR, " ", body))
    if not re.search(r"\b\d{1,2}(st|nd|rd|th)?\b", without_time):
        raise InvalidMoment(text, "no_day", "a date needs its day of the month")
    # Imported here, for the written forms alone: an ISO 8601 moment (what a batch's --now
    # and facts.csv hold) is read without it, and a command's start-up does not load it.
    from dateutil import parser as dateutil_parser  # noqa: PLC0415

    try:
        return dateutil_parser.parse(body, dayfirst=False)
    except (ValueError, OverflowError) as error:
        raise InvalidMoment(text, "not_a_date", str(error)) from None
