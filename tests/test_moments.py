"""Moments (``--now``, facts CSV lock times, spec steps): a date and a time, nothing guessed.

One parser (``zonefiles.moments``). Each refusal below was a silent guess before: today's date
for a bare time, midnight for a bare date, May 3 for ``05/03/2026``, UTC for ``CET``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from almamatch.cli.main import main
from almamatch.zonefiles.facts import InvalidFactsFile, read_facts
from almamatch.zonefiles.moments import InvalidMoment, parse_moment

TEN_THIRTY = datetime(2026, 3, 5, 10, 30, tzinfo=UTC)
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        # ISO 8601, as programs write it; no zone means UTC
        ("2026-03-05T10:30", TEN_THIRTY),
        ("2026-03-05 10:30:00", TEN_THIRTY),
        (" 2026-03-05T10:30Z ", TEN_THIRTY),
        ("2026-03-05T05:30-05:00", TEN_THIRTY),
        ("2026-03-05 10:30 UTC", TEN_THIRTY),
        # as people copy it from the Metadata Editor or a note: the month as a word
        ("March 5, 2026 10:30 AM", TEN_THIRTY),
        ("5 Mar 2026 10:30", TEN_THIRTY),
        ("March 5th, 2026 at 10:30", TEN_THIRTY),
        ("March 5 2026 10:30:00.0", TEN_THIRTY),
        ("March 5, 2026 4:30 AM America/Chicago", TEN_THIRTY),  # CST, -06:00
        # year first in digits is one reading only
        ("2026/03/05 10:30", TEN_THIRTY),
        # IANA zone names, summer and winter time
        ("2026-03-05 11:30 Europe/Paris", TEN_THIRTY),
        ("2026-07-05 12:30 Europe/Paris", TEN_THIRTY.replace(month=7)),
    ],
)
def test_moments_that_parse(text: str, moment: datetime) -> None:
    assert parse_moment(text) == moment


def test_a_given_zone_is_kept() -> None:
    moment = parse_moment("2026-03-05T10:30+01:00")
    assert moment.utcoffset() == timedelta(hours=1)
    assert moment.tzinfo == timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("soon", "no_time"),
        # a time without a date: never today's date
        ("10:30", "no_date"),
        ("yesterday 10:30", "no_date"),
        # a date without a time: never midnight
        ("March 5", "no_time"),
        ("2026-03-05", "no_time"),
        ("March 2026 10:30", "no_day"),
        # day and month in digits with the year last: March 5 here, May 3 there
        ("05/03/2026 10:30", "ambiguous_date"),
        ("5.3.2026 10:30", "ambiguous_date"),
        # abbreviations name no single zone (CST: Chicago, Shanghai, Havana)
        ("2026-03-05 10:30 CET", "zone_abbreviation"),
        ("March 5, 2026 10:30 AM PDT", "zone_abbreviation"),
        ("2026-03-05 10:30 Mars/Olympus", "unknown_zone"),
        ("2026-03-05T10:30+01:00 Europe/Paris", "two_zones"),
        ("2026-13-45 10:30", "not_a_date"),
        ("Feb 30, 2026 10:00", "not_a_date"),
        ("March 5, 2026 10:30 sharp", "unknown_words"),
    ],
)
def test_moments_that_do_not_parse(text: str, reason: str) -> None:
    with pytest.raises(InvalidMoment) as raised:
        parse_moment(text)
    assert raised.value.reason == reason
    assert "accepted: 2026-03-05T10:30" in str(raised.value)  # the accepted forms are listed
    assert isinstance(raised.value, ValueError)


@pytest.mark.parametrize("text", ["10:30", "05/03/2026 10:30", "2026-03-05 10:30 CET"])
def test_a_bad_now_is_a_usage_error(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["decide", str(EXAMPLES / "exports.mrc"), "--zone", str(EXAMPLES / "zone"),
                 "--now", text])
    err = capsys.readouterr().err
    assert code == 2
    assert "argument --now" in err
    assert "accepted: 2026-03-05T10:30" in err
    assert "Traceback" not in err


def test_a_facts_lock_time_is_read_by_the_same_parser(tmp_path: Path) -> None:
    facts = tmp_path / "facts.csv"
    facts.write_text("mms_id,lock_institution,lock_last_activity\n"
                     "991,01CARLI_XYZ,2026-03-05 10:30 America/Chicago\n", encoding="utf-8")
    lock = read_facts(facts)["991"].lock
    assert lock is not None
    assert lock.last_activity == TEN_THIRTY + timedelta(hours=6)
    facts.write_text("mms_id,lock_institution,lock_last_activity\n991,01CARLI_XYZ,10:30\n",
                     encoding="utf-8")
    with pytest.raises(InvalidFactsFile, match="no_date"):
        read_facts(facts)
