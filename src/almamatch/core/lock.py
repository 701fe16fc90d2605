"""Metadata Editor locks on a bib.

Theory of operation: opening a bib in the Metadata Editor locks it for the institution and user
that opened it; "Alma will unlock records 60 minutes after the cataloger exits the metadata
editor" (CARLI, OCLC Gateway Export Errors) and the "default lock timeout is one hour" (S34).
A bib without a lock has ``lock = None``. Whether a lock blocks depends on ``now``, which is
always a parameter: nothing here reads the clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from attrs import field, frozen

from almamatch.core.errors import InvalidLock

__all__ = ["LOCK_TIMEOUT", "Lock", "is_locked", "printable_moment"]

#: "Alma will unlock records 60 minutes after the cataloger exits the metadata editor."
LOCK_TIMEOUT: Final = timedelta(minutes=60)


def _holder(value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidLock(value, "no_holder", "a lock names the institution that holds it")
    return value.strip()


def _offset(moment: datetime) -> timedelta:
    """The moment's offset from UTC as its time zone gives it; naive times are UTC.

    Asked of the ``tzinfo`` itself, not through ``datetime.utcoffset()``, which raises for an
    offset of 24 hours or more (a ``tzinfo`` such as dateutil's ``tzoffset`` accepts any).
    """
    zone = moment.tzinfo
    if zone is None:
        return timedelta(0)
    try:
        offset = zone.utcoffset(moment)
    except (ValueError, TypeError, OverflowError):
        return timedelta(0)
    return offset if isinstance(offset, timedelta) else timedelta(0)


def _instant(moment: datetime) -> timedelta:
    """The time from 0001-01-01T00:00 UTC to ``moment``: defined for every datetime, so that
    comparing two moments never raises (no arithmetic past year 9999, any offset)."""
    return moment.replace(tzinfo=None) - datetime.min - _offset(moment)


def printable_moment(moment: datetime) -> datetime:
    """``moment`` as given, unless its offset is one ``datetime`` refuses to print or compare
    (24 hours or more): then the same instant in UTC, clamped to the years 1-9999."""
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        return moment
    try:
        moment.utcoffset()
    except ValueError:
        instant = _instant(moment)
        latest = datetime.max - datetime.min
        clamped = min(max(instant, timedelta(0)), latest)
        return (datetime.min + clamped).replace(tzinfo=UTC)
    return moment


@frozen(kw_only=True)
class Lock:
    """A Metadata Editor lock: who holds it and the time of their last activity."""

    institution: str = field(converter=_holder)
    user: str | None = None
    last_activity: datetime = field(converter=printable_moment)

    @property
    def lapses_at(self) -> datetime:
        """The moment the lock stops blocking: 60 minutes after the last activity.

        A lock active in the last hour of year 9999 lapses after the last moment a ``datetime``
        can name; that last moment is given (``is_active`` compares exactly all the same).
        """
        try:
            return self.last_activity + LOCK_TIMEOUT
        except OverflowError:
            return datetime.max.replace(tzinfo=self.last_activity.tzinfo)

    def is_active(self, now: datetime) -> bool:
        """True until 60 minutes after the last activity; false from that minute on.

        Total for every pair of datetimes: compared as instants, never by datetime arithmetic
        that overflows past year 9999 or offsets that ``datetime`` refuses.
        """
        return _instant(now) < _instant(self.last_activity) + LOCK_TIMEOUT

    @property
    def holder(self) -> str:
        """``01CARLI_XYZ`` or ``01CARLI_XYZ (jsmith)``, as the Metadata Editor reports it."""
        return f"{self.institution} ({self.user})" if self.user else self.institution


def is_locked(lock: Lock | None, now: datetime) -> bool:
    """Whether a bib with this lock (or none) is locked at ``now``."""
    return lock is not None and lock.is_active(now)
