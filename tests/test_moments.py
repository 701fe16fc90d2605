"""Times given on the command line and in facts CSVs: ISO 8601 or as people write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from almamatch.zonefiles.facts import parse_moment

TEN_THIRTY = datetime(2026, 3, 5, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        # ISO 8601, as programs write it; no zone means UTC
        ("2026-03-05T10:30", TEN_THIRTY),
        ("2026-03-05 10:30:00", TEN_THIRTY),
        (" 2026-03-05T10:30Z ", TEN_THIRTY),
        ("2026-03-05T05:30-05:00", TEN_THIRTY),
        # as people copy it from the Metadata Editor or a note (dateutil; month before day)
        ("March 5, 2026 10:30 AM", TEN_THIRTY),
        ("03/05/2026 10:30", TEN_THIRTY),
        ("2026/03/05 10:30", TEN_THIRTY),
        ("5 Mar 2026 10:30", TEN_THIRTY),
    ],
)
def test_moments_that_parse(text: str, moment: datetime) -> None:
    assert parse_moment(text) == moment


def test_a_given_zone_is_kept() -> None:
    moment = parse_moment("2026-03-05T10:30+01:00")
    assert moment.utcoffset() == timedelta(hours=1)
    assert moment.tzinfo == timezone(timedelta(hours=1))


@pytest.mark.parametrize("text", ["", "soon", "yesterday afternoon", "2026-13-45 10:30", "99:99"])
def test_moments_that_do_not_parse(text: str) -> None:
    with pytest.raises(ValueError, match="date"):
        parse_moment(text)
