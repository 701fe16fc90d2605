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

__all__ = ["LOCK_TIMEOUT", "Lock", "is_locked"]

#: "Alma will unlock records 60 minutes after the cataloger exits the metadata editor."
LOCK_TIMEOUT: Final = timedelta(minutes=60)


def _holder(value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidLock(value, "no_holder", "a lock names the institution that holds it")
    return value.strip()


def _comparable(moment: datetime) -> datetime:
    # Naive times are taken as UTC so that a naive and an aware time still compare.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@frozen(kw_only=True)
class Lock:
    """A Metadata Editor lock: who holds it and the time of their last activity."""

    institution: str = field(converter=_holder)
    user: str | None = None
    last_activity: datetime

    @property
    def lapses_at(self) -> datetime:
        """The moment the lock stops blocking: 60 minutes after the last activity."""
        return self.last_activity + LOCK_TIMEOUT

    def is_active(self, now: datetime) -> bool:
        """True until 60 minutes after the last activity; false from that minute on."""
        return _comparable(now) < _comparable(self.lapses_at)

    @property
    def holder(self) -> str:
        """``01CARLI_XYZ`` or ``01CARLI_XYZ (jsmith)``, as the Metadata Editor reports it."""
        return f"{self.institution} ({self.user})" if self.user else self.institution


def is_locked(lock: Lock | None, now: datetime) -> bool:
    """Whether a bib with this lock (or none) is locked at ``now``."""
    return lock is not None and lock.is_active(now)
