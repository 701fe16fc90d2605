"""Lock: held by an institution (and user), active until 60 minutes after the last activity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from almamatch.core.errors import InvalidLock
from almamatch.core.lock import LOCK_TIMEOUT, Lock, is_locked

OPENED = datetime(2024, 3, 1, 9, 0, 0)
LOCK = Lock(institution="01CARLI_XYZ", user="jsmith", last_activity=OPENED)

# (minutes after the last activity, still active?): "Alma will unlock records 60 minutes after
# the cataloger exits the metadata editor" (CARLI).
AT: list[tuple[float, bool]] = [
    (-5, True),
    (0, True),
    (1, True),
    (59, True),
    (59.999, True),
    (60, False),
    (61, False),
    (24 * 60, False),
]


@pytest.mark.parametrize(("minutes", "active"), AT)
def test_is_active(minutes: float, active: bool) -> None:
    now = OPENED + timedelta(minutes=minutes)
    assert LOCK.is_active(now) is active
    assert is_locked(LOCK, now) is active


def test_no_lock_is_never_locked() -> None:
    assert not is_locked(None, OPENED)


def test_lapses_at_and_timeout() -> None:
    assert timedelta(minutes=60) == LOCK_TIMEOUT
    assert LOCK.lapses_at == OPENED + timedelta(hours=1)


def test_naive_times_are_utc_against_aware_ones() -> None:
    eastern = timezone(timedelta(hours=-5))
    assert LOCK.is_active(datetime(2024, 3, 1, 4, 30, tzinfo=eastern))  # 09:30 UTC
    assert not LOCK.is_active(datetime(2024, 3, 1, 10, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("lock", "holder"),
    [
        (LOCK, "01CARLI_XYZ (jsmith)"),
        (Lock(institution=" 01CARLI_NETWORK ", last_activity=OPENED), "01CARLI_NETWORK"),
    ],
)
def test_holder(lock: Lock, holder: str) -> None:
    assert lock.holder == holder


@pytest.mark.parametrize("institution", ["", "   "])
def test_a_lock_names_its_institution(institution: str) -> None:
    with pytest.raises(InvalidLock):
        Lock(institution=institution, last_activity=OPENED)
